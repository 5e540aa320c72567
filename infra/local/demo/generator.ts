import type { Campaign, KolPulseConfig } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';
import { SeededRandom } from '../../../shared/random';
import { addDays, startOfDay } from '../../../shared/time';
import {
  type CounterName,
  type PlatformStore,
  platformPostId,
  type StoredCounters,
  type StoredPost,
} from '../platform-api/store';

/**
 * The DEMO campaign: a seeded script that keeps the demo platform's store busy like a real campaign.
 * - the roster's KOLs (taken from the campaign configuration, so any config works) and other voices post
 *   with the campaign hashtags, written in the variants people use (#NextIdea, #nextidea, ＃ＮＥＸＴＩＤＥＡ,
 *   #腾讯NextIdea);
 * - counters follow a saturating curve (fast early growth, then decay), scaled by `speed`;
 * - some likes are taken back (counters go down), some posts are deleted;
 * - some posts carry no campaign hashtag, or were published before the campaign started (both must not count);
 * - some posts hide their views (unknown, never zero).
 * After `durationMs` the generator freezes: nothing changes any more, so the pipeline's totals settle.
 */

export interface DemoGeneratorOptions {
  config: KolPulseConfig;
  platforms: readonly Platform[];
  store: PlatformStore;
  seed: number;
  /** Demo time runs this many times faster than the wall clock (the twin's --speed). */
  speed: number;
  /** Wall-clock ms after start at which the generator freezes; undefined = never. */
  durationMs?: number;
  /** Upper bound on posts, so a long demo run stays light. */
  maxPosts?: number;
  now?: () => number;
  /** Called once when the generator freezes. */
  onFrozen?: () => void;
  /**
   * Called synchronously after every change to the store, before the event loop can serve a request from
   * the changed state (the demo persists itself here, so a kill -9 never loses a state that was served).
   */
  onChange?: () => void;
}

/** Everything needed to resume the demo after a restart: the store's posts and the generator's script. */
export interface DemoState {
  version: 1;
  seed: number;
  rngState: number;
  posts: StoredPost[];
  scripts: Script[];
}

/** A post's final state, as the e2e tests read it from `<data>/demo/posts.json`. */
export interface DemoPostSnapshot {
  platform: Platform;
  /** The id an adapter reports (Observation.postId). */
  postId: string;
  authorHandle: string;
  kol: boolean;
  kind: PostKind;
  publishedAt: string;
  hashtags: string[];
  /** Counters as the platform shows them (hidden ones absent). */
  counters: Partial<StoredCounters>;
  deleted: boolean;
}

/** The demo's seeded PRNG: the same seed gives the same campaign on every machine. */
export class Rng extends SeededRandom {
  /** Log-normal-ish: most values near `median`, a long tail of viral ones. */
  heavy(median: number): number {
    const u = Math.max(1e-9, this.next());
    return Math.round(
      median * Math.exp(1.1 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())),
    );
  }
}

interface Author {
  platform: Platform;
  handle: string;
  id?: string;
  name: string;
  kol: boolean;
}

export type PostKind = 'campaign' | 'no-hashtag' | 'before-window';

export interface Script {
  platform: Platform;
  id: string;
  /** Wall-clock ms the post appeared in the store. */
  bornMs: number;
  /** Counters the post tends to, and how fast (demo minutes). */
  potential: StoredCounters;
  tauMinutes: number;
  /** Likes taken back so far (unlikes). */
  takenBack: number;
  kind: PostKind;
  kol: boolean;
  /** Wall-clock ms of the last change to its counters (only long-stable posts get deleted). */
  lastChangeMs: number;
}

/** Posts are deleted only after their counters were stable this long, so their final state was seen. */
const STABLE_BEFORE_DELETE_MS = 20_000;

const VOICE_NAMES = [
  'mei_ling',
  'techfan88',
  'devopsdan',
  'ana_builds',
  'quietcoder',
  'rita_reviews',
  'hugo_bikes',
  'june_writes',
  'omar_ai',
  'pixelpete',
  'nora_cycles',
  'samuel_k',
];
const MASTODON_INSTANCES = ['mastodon.social', 'fosstodon.org', 'hachyderm.io'];
const PHRASES = [
  'Just tried it and I am impressed',
  'Thread: what I learned this week',
  'Hot take incoming',
  'Live from the launch event',
  'Five things nobody tells you',
  'Quick demo in the video below',
  'My honest review',
  'Who else is joining',
];
const NOISE_TAGS = ['#MondayMotivation', '#coffee', '#OpenSource', '#weekend'];

/** Spellings people actually use for a tag: as configured, lower case, upper case, full-width. */
export const hashtagVariants = (tag: string): string[] => {
  const bare = tag.replace(/^[#＃]+/u, '');
  const fullWidth = [...bare.toUpperCase()]
    .map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
    .join('');
  return [`#${bare}`, `#${bare.toLowerCase()}`, `#${bare.toUpperCase()}`, `＃${fullWidth}`];
};

const voiceHandle = (platform: Platform, name: string, rng: Rng): string => {
  switch (platform) {
    case 'mastodon':
      return `${name}@${rng.pick(MASTODON_INSTANCES)}`;
    case 'bluesky':
      return `${name.replace(/_/g, '-')}.bsky.social`;
    case 'instagram':
      return name.replace(/_/g, '.');
    case 'youtube':
      return name
        .split('_')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(' ');
    default:
      return name;
  }
};

/** Which counters a platform knows; the others stay 0 in the store and are never rendered as growth. */
const GROWING: Record<Platform, CounterName[]> = {
  x: ['likes', 'shares', 'quotes', 'comments', 'views'],
  mastodon: ['likes', 'shares', 'comments'],
  bluesky: ['likes', 'shares', 'quotes', 'comments'],
  youtube: ['likes', 'comments', 'views'],
  reddit: ['likes', 'comments'],
  instagram: ['likes', 'comments'],
};

export class DemoGenerator {
  private readonly rng: Rng;
  private readonly now: () => number;
  private readonly authors: Author[];
  private readonly scripts: Script[] = [];
  private readonly startedMs: number;
  private timer: NodeJS.Timeout | undefined;
  private frozenFlag = false;
  private readonly campaigns: Campaign[];

  constructor(private readonly options: DemoGeneratorOptions) {
    this.rng = new Rng(options.seed);
    this.now = options.now ?? Date.now;
    this.startedMs = this.now();
    this.campaigns = options.config.campaigns;
    this.authors = this.buildAuthors();
  }

  get frozen(): boolean {
    return this.frozenFlag;
  }

  get postCount(): number {
    return this.scripts.length;
  }

  /** A first batch published over the last half hour, so the very first poll finds a campaign in progress. */
  seed(): void {
    const now = this.now();
    for (const platform of this.options.platforms)
      for (let i = 0; i < 6; i++)
        this.createPost(platform, now - this.rng.int(1, 30) * 60_000, now, 'campaign');
    for (const platform of this.options.platforms) {
      this.createPost(platform, now - this.rng.int(1, 20) * 60_000, now, 'no-hashtag');
      this.createPost(platform, now, now, 'before-window');
    }
    this.grow(now);
    this.options.onChange?.();
  }

  /** The state to persist; `restore` on a fresh store and generator resumes exactly here. */
  exportState(): DemoState {
    const posts = this.scripts
      .map((s) => this.options.store.get(s.platform, s.id))
      .filter((p): p is StoredPost => p !== undefined);
    return {
      version: 1,
      seed: this.options.seed,
      rngState: this.rng.state,
      posts: structuredClone(posts),
      scripts: structuredClone(this.scripts),
    };
  }

  /** Re-creates the saved posts (in their original order, so paging ties break the same way). */
  restore(state: DemoState): void {
    for (const post of [...state.posts].sort((a, b) => a.seq - b.seq))
      this.options.store.add({
        platform: post.platform,
        id: post.id,
        author: post.author,
        text: post.text,
        hashtags: post.hashtags,
        publishedAt: post.publishedAt,
        counters: post.counters,
        hidden: post.hidden,
        deleted: post.deleted,
      });
    this.scripts.splice(0, this.scripts.length, ...structuredClone(state.scripts));
    this.rng.state = state.rngState;
  }

  start(intervalMs = 1_000): void {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One step of the campaign: new posts, growth, unlikes, deletions. */
  tick(): void {
    if (this.frozenFlag) return;
    const now = this.now();
    if (this.options.durationMs !== undefined && now - this.startedMs >= this.options.durationMs) {
      this.frozenFlag = true;
      this.stop();
      this.options.onFrozen?.();
      return;
    }
    const room = (this.options.maxPosts ?? 1_500) - this.scripts.length;
    for (const platform of this.options.platforms) {
      if (room <= 0) break;
      // About one campaign post per platform every four demo minutes, and some noise.
      const demoSecondsPerTick = this.options.speed;
      if (this.rng.chance(Math.min(0.9, demoSecondsPerTick / 240)))
        this.createPost(platform, now, now, 'campaign');
      if (this.rng.chance(Math.min(0.2, demoSecondsPerTick / 1_800)))
        this.createPost(platform, now, now, 'no-hashtag');
      if (this.rng.chance(Math.min(0.05, demoSecondsPerTick / 7_200)))
        this.createPost(platform, now, now, 'before-window');
    }
    this.grow(now);
    this.unlikeAndDelete(now);
    this.options.onChange?.();
  }

  /** Every post the generator made, in its current state. */
  snapshot(): DemoPostSnapshot[] {
    const out: DemoPostSnapshot[] = [];
    for (const s of this.scripts) {
      const post = this.options.store.get(s.platform, s.id);
      if (!post) continue;
      const counters: Partial<StoredCounters> = {};
      for (const name of Object.keys(post.counters) as CounterName[])
        if (!post.hidden.includes(name)) counters[name] = post.counters[name];
      out.push({
        platform: s.platform,
        postId: platformPostId(post),
        authorHandle: post.author.handle,
        kol: s.kol,
        kind: s.kind,
        publishedAt: post.publishedAt,
        hashtags: post.hashtags,
        counters,
        deleted: post.deleted,
      });
    }
    return out;
  }

  private buildAuthors(): Author[] {
    const authors: Author[] = [];
    const seen = new Set<string>();
    for (const campaign of this.campaigns)
      for (const kol of campaign.kols)
        for (const account of kol.accounts) {
          if (!this.options.platforms.includes(account.platform)) continue;
          const handle = account.handle.replace(/^@/, '');
          const key = `${account.platform}:${handle.toLowerCase()}`;
          if (seen.has(key)) continue;
          seen.add(key);
          authors.push({
            platform: account.platform,
            handle,
            ...(account.userId ? { id: account.userId } : {}),
            name: kol.name,
            kol: true,
          });
        }
    for (const platform of this.options.platforms)
      for (const name of VOICE_NAMES) {
        const handle = voiceHandle(platform, name, this.rng);
        authors.push({ platform, handle, name: `${name} (demo voice)`, kol: false });
      }
    return authors;
  }

  private createPost(platform: Platform, publishedMs: number, nowMs: number, kind: PostKind): void {
    const candidates = this.authors.filter((a) => a.platform === platform);
    // Roster KOLs write a third of the campaign posts; the rest are other voices.
    const kols = candidates.filter((a) => a.kol);
    const author =
      kols.length > 0 && this.rng.chance(0.35)
        ? this.rng.pick(kols)
        : this.rng.pick(candidates.filter((a) => !a.kol));
    const campaign = this.pickCampaign(author);
    let text = `${this.rng.pick(PHRASES)} (demo)`;
    let published = publishedMs;
    if (kind === 'no-hashtag') text = `${text} ${this.rng.pick(NOISE_TAGS)}`;
    else {
      const tag = this.rng.pick(campaign.hashtags);
      text = `${text} ${this.rng.pick(hashtagVariants(tag))}`;
      if (kind === 'before-window')
        published = startOfDay(addDays(campaign.start, -2), campaign.timeZone) + 3_600_000;
    }
    const scale = author.kol ? 400 : 60;
    const views = this.rng.heavy(scale * 40);
    const potential: StoredCounters = {
      likes: Math.max(1, this.rng.heavy(scale)),
      shares: this.rng.heavy(scale / 8),
      quotes: this.rng.heavy(scale / 40),
      comments: this.rng.heavy(scale / 10),
      views: Math.max(views, 1),
    };
    const post: StoredPost = this.options.store.add({
      platform,
      author: { handle: author.handle, name: author.name, ...(author.id ? { id: author.id } : {}) },
      text,
      publishedAt: published,
      hidden: platform === 'x' && this.rng.chance(0.2) ? ['views'] : [],
    });
    this.scripts.push({
      platform,
      id: post.id,
      bornMs: nowMs,
      potential,
      tauMinutes: this.rng.int(15, 90),
      takenBack: 0,
      kind,
      kol: author.kol,
      lastChangeMs: nowMs,
    });
  }

  /** KOLs post for a campaign they are on; voices for any campaign. */
  private pickCampaign(author: Author): Campaign {
    const theirs = author.kol
      ? this.campaigns.filter((c) =>
          c.kols.some((k) =>
            k.accounts.some(
              (a) =>
                a.platform === author.platform &&
                a.handle.replace(/^@/, '').toLowerCase() === author.handle.toLowerCase(),
            ),
          ),
        )
      : [];
    return this.rng.pick(theirs.length > 0 ? theirs : this.campaigns);
  }

  /** Counters follow potential * (1 - e^(-t/tau)) in demo time: fast early growth, then decay. */
  private grow(nowMs: number): void {
    for (const s of this.scripts) {
      const post = this.options.store.get(s.platform, s.id);
      if (!post || post.deleted) continue;
      const demoMinutes = ((nowMs - s.bornMs) * this.options.speed) / 60_000 + 1;
      const progress = 1 - Math.exp(-demoMinutes / s.tauMinutes);
      const next: Partial<StoredCounters> = {};
      for (const counter of GROWING[s.platform]) {
        const target = Math.floor(s.potential[counter] * progress);
        const adjusted = counter === 'likes' ? Math.max(0, target - s.takenBack) : target;
        // Counters only move forward here; unlikes are applied separately.
        if (adjusted > post.counters[counter]) next[counter] = adjusted;
      }
      if (Object.keys(next).length > 0) {
        this.options.store.update(s.platform, s.id, { counters: next });
        s.lastChangeMs = nowMs;
      }
    }
  }

  private unlikeAndDelete(nowMs: number): void {
    for (const s of this.scripts) {
      const post = this.options.store.get(s.platform, s.id);
      if (!post || post.deleted || post.counters.likes < 5) continue;
      const roll = this.rng.next();
      if (roll < 0.01) {
        const back = this.rng.int(1, Math.min(5, post.counters.likes));
        s.takenBack += back;
        s.lastChangeMs = nowMs;
        this.options.store.update(s.platform, s.id, { counters: { likes: post.counters.likes - back } });
      } else if (roll < 0.02 && nowMs - s.lastChangeMs >= STABLE_BEFORE_DELETE_MS)
        this.options.store.delete(s.platform, s.id);
    }
  }
}

const DATE_KEYS = new Set([
  'created_at',
  'createdAt',
  'publishedAt',
  'created_utc',
  'timestamp',
  'indexedAt',
]);

const firstItemList = (value: unknown, depth = 0): Record<string, unknown>[] | undefined => {
  if (depth > 4 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value))
    return value.length > 0 && typeof value[0] === 'object' && value[0] !== null
      ? (value as Record<string, unknown>[])
      : undefined;
  for (const child of Object.values(value)) {
    const found = firstItemList(child, depth + 1);
    if (found) return found;
  }
  return undefined;
};

const dropDates = (item: Record<string, unknown>, depth = 0): void => {
  if (depth > 4) return;
  for (const [key, child] of Object.entries(item)) {
    if (DATE_KEYS.has(key)) delete item[key];
    else if (child !== null && typeof child === 'object' && !Array.isArray(child))
      dropDates(child as Record<string, unknown>, depth + 1);
  }
};

/**
 * A fault for the demo server: the first item of a page loses its dates, so the adapter must reject that
 * item (a reject record) and still deliver the rest of the page. A later page or refresh serves it whole.
 */
export const breakFirstItem = (body: unknown): unknown => {
  const copy: unknown = structuredClone(body);
  const items = firstItemList(copy);
  const first = items?.[0];
  if (first) dropDates(first);
  return copy;
};
