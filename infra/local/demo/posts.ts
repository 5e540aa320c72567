import type { Campaign } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';
import type { SeededRandom } from '../../../shared/random';
import { addDays, startOfDay } from '../../../shared/time';
import {
  type CounterName,
  type PlatformStore,
  platformPostId,
  type StoredCounters,
  type StoredPost,
} from '../platform-api/store';
import { type Author, pickAuthor, pickCampaign } from './authors';

/**
 * The life of each demo post in the platform store: written by an author, counters growing along a
 * saturating curve, some likes taken back, some posts deleted once stable.
 */

export type PostKind = 'campaign' | 'no-hashtag' | 'before-window';

/** Where a post is headed, kept next to the store so the demo can resume after a restart. */
export interface Script {
  platform: Platform;
  id: string;
  /** Demo-time ms the post appeared in the store. */
  bornMs: number;
  /** Counters the post tends to, and how fast (demo minutes). */
  potential: StoredCounters;
  tauMinutes: number;
  /** Likes taken back so far (unlikes). */
  takenBack: number;
  kind: PostKind;
  kol: boolean;
  /** Demo-time ms of the last change to its counters (only long-stable posts get deleted). */
  lastChangeMs: number;
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
  /** When search started to show a post that surfaced late (absent: at once). */
  indexedAt?: string;
  hashtags: string[];
  /** Counters as the platform shows them (hidden ones absent). */
  counters: Partial<StoredCounters>;
  deleted: boolean;
}

/** What writing a post draws on. */
export interface PostWriter {
  store: PlatformStore;
  rng: SeededRandom;
  authors: readonly Author[];
  campaigns: readonly Campaign[];
}

/**
 * Posts are deleted only after their counters were stable this long (wall clock), so their final state was
 * seen.
 */
const STABLE_BEFORE_DELETE_MS = 20_000;

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

/** Which counters a platform knows; the others stay 0 in the store and are never rendered as growth. */
const GROWING: Record<Platform, CounterName[]> = {
  x: ['likes', 'shares', 'quotes', 'comments', 'views'],
  mastodon: ['likes', 'shares', 'comments'],
  bluesky: ['likes', 'shares', 'quotes', 'comments'],
  youtube: ['likes', 'comments', 'views'],
  reddit: ['likes', 'comments'],
  instagram: ['likes', 'comments'],
};

/** Spellings people actually use for a tag: as configured, lower case, upper case, full-width. */
export const hashtagVariants = (tag: string): string[] => {
  const bare = tag.replace(/^[#＃]+/u, '');
  const fullWidth = [...bare.toUpperCase()]
    .map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
    .join('');
  return [`#${bare}`, `#${bare.toLowerCase()}`, `#${bare.toUpperCase()}`, `＃${fullWidth}`];
};

/** Log-normal-ish: most values near `median`, a long tail of viral ones. */
const heavyTail = (rng: SeededRandom, median: number): number => {
  const u = Math.max(1e-9, rng.next());
  return Math.round(
    median * Math.exp(1.1 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next())),
  );
};

/** The text of a post and when it says it was published (before the campaign for 'before-window'). */
const compose = (
  rng: SeededRandom,
  campaign: Campaign,
  kind: PostKind,
  publishedMs: number,
): { text: string; publishedMs: number } => {
  const text = `${rng.pick(PHRASES)} (demo)`;
  if (kind === 'no-hashtag') return { text: `${text} ${rng.pick(NOISE_TAGS)}`, publishedMs };
  const tag = rng.pick(campaign.hashtags);
  return {
    text: `${text} ${rng.pick(hashtagVariants(tag))}`,
    publishedMs:
      kind === 'before-window'
        ? startOfDay(addDays(campaign.start, -2), campaign.timeZone) + 3_600_000
        : publishedMs,
  };
};

/** KOLs get more of everything than other voices. */
const potentialOf = (rng: SeededRandom, author: Author): StoredCounters => {
  const scale = author.kol ? 400 : 60;
  const views = heavyTail(rng, scale * 40);
  return {
    likes: Math.max(1, heavyTail(rng, scale)),
    shares: heavyTail(rng, scale / 8),
    quotes: heavyTail(rng, scale / 40),
    comments: heavyTail(rng, scale / 10),
    views: Math.max(views, 1),
  };
};

/** Adds a post to the store and returns its script; with `indexedAtMs`, search shows it only from then on. */
export const writePost = (
  writer: PostWriter,
  platform: Platform,
  publishedMs: number,
  nowMs: number,
  kind: PostKind,
  indexedAtMs?: number,
): Script => {
  const { rng, store } = writer;
  const author = pickAuthor(writer.authors, platform, rng);
  const campaign = pickCampaign(author, writer.campaigns, rng);
  const composed = compose(rng, campaign, kind, publishedMs);
  const potential = potentialOf(rng, author);
  const post: StoredPost = store.add({
    platform,
    author: { handle: author.handle, name: author.name, ...(author.id ? { id: author.id } : {}) },
    text: composed.text,
    publishedAt: composed.publishedMs,
    hidden: platform === 'x' && rng.chance(0.2) ? ['views'] : [],
    ...(indexedAtMs === undefined ? {} : { indexedAt: indexedAtMs }),
  });
  return {
    platform,
    id: post.id,
    bornMs: nowMs,
    potential,
    tauMinutes: rng.int(15, 90),
    takenBack: 0,
    kind,
    kol: author.kol,
    lastChangeMs: nowMs,
  };
};

/** Counters follow potential * (1 - e^(-t/tau)) in demo time: fast early growth, then decay. */
export const growPosts = (store: PlatformStore, scripts: readonly Script[], nowMs: number): void => {
  for (const s of scripts) {
    const post = store.get(s.platform, s.id);
    if (!post || post.deleted) continue;
    const demoMinutes = (nowMs - s.bornMs) / 60_000 + 1;
    const progress = 1 - Math.exp(-demoMinutes / s.tauMinutes);
    const next: Partial<StoredCounters> = {};
    for (const counter of GROWING[s.platform]) {
      const target = Math.floor(s.potential[counter] * progress);
      const adjusted = counter === 'likes' ? Math.max(0, target - s.takenBack) : target;
      // Counters only move forward here; unlikes are applied separately.
      if (adjusted > post.counters[counter]) next[counter] = adjusted;
    }
    if (Object.keys(next).length > 0) {
      store.update(s.platform, s.id, { counters: next });
      s.lastChangeMs = nowMs;
    }
  }
};

/** Now and then a few likes are taken back, or a post that has been stable for a while is deleted. */
export const unlikeAndDelete = (
  store: PlatformStore,
  rng: SeededRandom,
  scripts: readonly Script[],
  nowMs: number,
  speed: number,
): void => {
  for (const s of scripts) {
    const post = store.get(s.platform, s.id);
    if (!post || post.deleted || post.counters.likes < 5) continue;
    const roll = rng.next();
    if (roll < 0.01) {
      const back = rng.int(1, Math.min(5, post.counters.likes));
      s.takenBack += back;
      s.lastChangeMs = nowMs;
      store.update(s.platform, s.id, { counters: { likes: post.counters.likes - back } });
    } else if (roll < 0.02 && nowMs - s.lastChangeMs >= STABLE_BEFORE_DELETE_MS * speed)
      store.delete(s.platform, s.id);
  }
};

/** Every scripted post in its current state, counters as the platform shows them. */
export const snapshotPosts = (store: PlatformStore, scripts: readonly Script[]): DemoPostSnapshot[] => {
  const out: DemoPostSnapshot[] = [];
  for (const s of scripts) {
    const post = store.get(s.platform, s.id);
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
      ...(post.indexedAt ? { indexedAt: post.indexedAt } : {}),
      hashtags: post.hashtags,
      counters,
      deleted: post.deleted,
    });
  }
  return out;
};
