import { createHash } from 'node:crypto';
import { extractHashtags, normalizeHashtag } from '../../../shared/hashtags';
import type { Platform } from '../../../shared/platform';

/**
 * The in-memory content behind the local platform API: posts with their authors and counters, as one
 * platform-neutral record that each platform's routes render in that platform's JSON. Used by the adapter
 * contract tests and by the local twin's demo platform.
 */

/** Counters as the platforms keep them; `quotes` is separate because X and Bluesky report it apart. */
export interface StoredCounters {
  likes: number;
  /** Retweets, reposts, reblogs, crossposts. */
  shares: number;
  quotes: number;
  /** Replies, comments. */
  comments: number;
  /** Impressions, views. */
  views: number;
}
export type CounterName = keyof StoredCounters;

export interface StoredAuthor {
  /** Platform user id (X numeric id, Bluesky DID, YouTube channel id, Reddit t2_ fullname...). */
  id: string;
  /** Handle without '@' (Mastodon user@instance). */
  handle: string;
  /** Display name. */
  name: string;
  /** Followers (YouTube: subscribers) the platform shows; null when the account hides the count. */
  followers: number | null;
}

export interface StoredPost {
  platform: Platform;
  /** The platform's own id (Bluesky: the record key; Reddit: the base-36 id without "t3_"). */
  id: string;
  author: StoredAuthor;
  /** Full text; it always contains every hashtag of the post, as on the platforms. */
  text: string;
  /** Normalised hashtags of the post. */
  hashtags: string[];
  publishedAt: string;
  counters: StoredCounters;
  /** Counters the platform hides for this post (omitted from responses: unknown, not zero). */
  hidden: CounterName[];
  deleted: boolean;
  /**
   * When the platform's search index shows the post (ISO); absent means at once. A later time than
   * `publishedAt` models late indexing: lookups by id find the post, searches only from then on, with its old
   * id and timestamp.
   */
  indexedAt?: string;
  /** Insertion order, breaking ties between posts published in the same millisecond. */
  seq: number;
}

export interface NewPost {
  platform: Platform;
  /** Generated in the platform's own id format when omitted. */
  id?: string;
  /**
   * `followers`: null hides the count; omitted, the author keeps the count it already has in the store, or
   * gets a stable one derived from its handle (`defaultFollowers`).
   */
  author: { id?: string; handle: string; name?: string; followers?: number | null };
  text?: string;
  hashtags?: readonly string[];
  publishedAt: string | number | Date;
  counters?: Partial<StoredCounters>;
  hidden?: readonly CounterName[];
  deleted?: boolean;
  /** Late indexing: searches show the post only from this time on (see `StoredPost.indexedAt`). */
  indexedAt?: string | number | Date;
}

export interface PostPatch {
  counters?: Partial<StoredCounters>;
  hidden?: readonly CounterName[];
  deleted?: boolean;
  text?: string;
  /** Late indexing: when search starts to show the post. */
  indexedAt?: string | number | Date;
}

const ZERO: StoredCounters = { likes: 0, shares: 0, quotes: 0, comments: 0, views: 0 };
const X_EPOCH_MS = 1_288_834_974_657n;
const BASE32_SORTABLE = '234567abcdefghijklmnopqrstuvwxyz';

const digest = (input: string): Buffer => createHash('sha256').update(input).digest();

const digits = (input: string, n: number): string => {
  const hex = digest(input).toString('hex');
  return BigInt(`0x${hex}`).toString().slice(0, n).padStart(n, '1');
};

/** Bluesky TID: 64-bit (microseconds << 10 | clock id) in sortable base32, 13 characters. */
const tid = (ms: number, seq: number): string => {
  let value = (BigInt(ms) * 1000n + BigInt(seq % 1000)) << 10n;
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = BASE32_SORTABLE[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
};

/** A post id in the platform's own format, increasing with publish time like the real ones. */
export const generatePostId = (platform: Platform, publishedMs: number, seq: number): string => {
  const ms = BigInt(Math.max(0, Math.floor(publishedMs)));
  const n = BigInt(seq % 4096);
  switch (platform) {
    case 'x':
      return (((ms - X_EPOCH_MS) << 22n) | n).toString();
    case 'mastodon':
      return ((ms << 16n) | n).toString();
    case 'bluesky':
      return tid(publishedMs, seq);
    case 'youtube':
      return digest(`yt:${publishedMs}:${seq}`).toString('base64url').slice(0, 11);
    case 'reddit':
      return (2_000_000_000 + seq).toString(36);
    case 'instagram':
      return `1790${digits(`ig:${publishedMs}:${seq}`, 13)}`;
  }
};

/** A follower count stable for a handle, spread from tens to hundreds of thousands like real audiences. */
export const defaultFollowers = (platform: Platform, handle: string): number => {
  const n = digest(`followers:${platform}:${handle.toLowerCase()}`).readUInt32BE(0);
  return Math.floor(10 ** (1 + (n % 50_000) / 10_000));
};

/** An author id in the platform's own format, stable for a handle. */
export const generateAuthorId = (platform: Platform, handle: string): string => {
  const key = `${platform}:${handle.toLowerCase()}`;
  switch (platform) {
    case 'x':
      return digits(key, 18);
    case 'mastodon':
      return digits(key, 18);
    case 'bluesky':
      return `did:plc:${[...digest(key).subarray(0, 24)].map((b) => BASE32_SORTABLE[b % 32]).join('')}`;
    case 'youtube':
      return `UC${digest(key).toString('base64url').slice(0, 22)}`;
    case 'reddit':
      return `t2_${BigInt(`0x${digest(key).toString('hex').slice(0, 10)}`).toString(36)}`;
    case 'instagram':
      return `1784${digits(key, 13)}`;
  }
};

/** The id an adapter reports for a stored post (its `Observation.postId`). */
export const platformPostId = (post: Pick<StoredPost, 'platform' | 'id' | 'author'>): string => {
  switch (post.platform) {
    case 'bluesky':
      return `at://${post.author.id}/app.bsky.feed.post/${post.id}`;
    case 'reddit':
      return `t3_${post.id}`;
    default:
      return post.id;
  }
};

/** Newest first; ties broken by insertion order, newest insertion first. */
export const newestFirst = (a: StoredPost, b: StoredPost): number =>
  Date.parse(b.publishedAt) - Date.parse(a.publishedAt) || b.seq - a.seq;

export class PlatformStore {
  private readonly posts = new Map<string, StoredPost>();
  private seq = 0;
  /** Follower counts by `key(platform, authorId)`, so adding a post does not walk the store. */
  private readonly followerCounts = new Map<string, number | null>();

  private key(platform: Platform, id: string): string {
    return `${platform}\u0000${id}`;
  }

  add(input: NewPost): StoredPost {
    const publishedMs = new Date(input.publishedAt).getTime();
    if (Number.isNaN(publishedMs))
      throw new RangeError(`publishedAt is not a date: ${String(input.publishedAt)}`);
    this.seq += 1;
    const id = input.id ?? generatePostId(input.platform, publishedMs, this.seq);
    if (this.posts.has(this.key(input.platform, id)))
      throw new RangeError(`a ${input.platform} post with id ${id} already exists`);
    const hashtags = [...new Set((input.hashtags ?? []).map(normalizeHashtag).filter(Boolean))];
    let text = input.text ?? '';
    const present = new Set(extractHashtags(text));
    const missing = hashtags.filter((t) => !present.has(t));
    if (missing.length > 0) text = `${text}${text ? ' ' : ''}${missing.map((t) => `#${t}`).join(' ')}`;
    const handle = input.author.handle.replace(/^@/, '');
    const authorId = input.author.id ?? generateAuthorId(input.platform, handle);
    const post: StoredPost = {
      platform: input.platform,
      id,
      author: {
        id: authorId,
        handle,
        name: input.author.name ?? handle,
        followers:
          input.author.followers !== undefined
            ? input.author.followers
            : (this.followersOf(input.platform, authorId) ?? defaultFollowers(input.platform, handle)),
      },
      text,
      hashtags: [...new Set([...hashtags, ...extractHashtags(text)])],
      publishedAt: new Date(publishedMs).toISOString(),
      counters: { ...ZERO, ...input.counters },
      hidden: [...(input.hidden ?? [])],
      deleted: input.deleted ?? false,
      ...(input.indexedAt === undefined ? {} : { indexedAt: new Date(input.indexedAt).toISOString() }),
      seq: this.seq,
    };
    this.posts.set(this.key(post.platform, id), post);
    if (input.author.followers !== undefined)
      this.setFollowers(post.platform, authorId, post.author.followers);
    else this.followerCounts.set(this.key(post.platform, authorId), post.author.followers);
    return post;
  }

  /** The author's follower count as the platform shows it now (null: hidden; undefined: no such author). */
  followersOf(platform: Platform, authorId: string): number | null | undefined {
    return this.followerCounts.get(this.key(platform, authorId));
  }

  /** An author gains or loses followers (or hides the count): every one of its posts shows the new count. */
  setFollowers(platform: Platform, authorId: string, followers: number | null): void {
    this.followerCounts.set(this.key(platform, authorId), followers);
    for (const post of this.posts.values())
      if (post.platform === platform && post.author.id === authorId) post.author.followers = followers;
  }

  /** The author as the platform's profile endpoints show it, from any of its posts (deleted ones too). */
  author(platform: Platform, idOrHandle: string): StoredAuthor | undefined {
    const wanted = idOrHandle.toLowerCase();
    for (const post of this.posts.values())
      if (
        post.platform === platform &&
        (post.author.id === idOrHandle || post.author.handle.toLowerCase() === wanted)
      )
        return post.author;
    return undefined;
  }

  get(platform: Platform, id: string): StoredPost | undefined {
    return this.posts.get(this.key(platform, id));
  }

  /** Changes counters (cumulative values, as the platform would show them), visibility or deletion. */
  update(platform: Platform, id: string, patch: PostPatch): StoredPost {
    const post = this.get(platform, id);
    if (!post) throw new RangeError(`no ${platform} post with id ${id}`);
    if (patch.counters) post.counters = { ...post.counters, ...patch.counters };
    if (patch.hidden) post.hidden = [...patch.hidden];
    if (patch.deleted !== undefined) post.deleted = patch.deleted;
    if (patch.text !== undefined) post.text = patch.text;
    if (patch.indexedAt !== undefined) post.indexedAt = new Date(patch.indexedAt).toISOString();
    return post;
  }

  delete(platform: Platform, id: string): void {
    this.update(platform, id, { deleted: true });
  }

  /** What the platform would serve: its posts, newest first, without deleted ones unless asked. */
  list(platform: Platform, options: { includeDeleted?: boolean } = {}): StoredPost[] {
    return [...this.posts.values()]
      .filter((p) => p.platform === platform && (options.includeDeleted || !p.deleted))
      .sort(newestFirst);
  }

  /** What the platform's search shows at `nowMs`: `list` without posts not indexed yet. */
  searchable(platform: Platform, nowMs: number, options: { includeDeleted?: boolean } = {}): StoredPost[] {
    return this.list(platform, options).filter(
      (p) => p.indexedAt === undefined || Date.parse(p.indexedAt) <= nowMs,
    );
  }

  /**
   * A post that appears in search now although it was published earlier, with the id of its publish time:
   * the late indexing every platform's search shows now and then.
   */
  addLateIndexed(input: Omit<NewPost, 'indexedAt'>, indexedAt: string | number | Date): StoredPost {
    return this.add({ ...input, indexedAt });
  }

  get size(): number {
    return this.posts.size;
  }

  clear(): void {
    this.posts.clear();
    this.followerCounts.clear();
  }
}

/** A counter as a platform shows it: undefined when hidden. */
export const visibleCounter = (post: StoredPost, name: CounterName): number | undefined =>
  post.hidden.includes(name) ? undefined : post.counters[name];
