import { DEFAULT_POLL_SCHEDULE, type KolPulseConfig, parseConfig } from '../../shared/config';
import type { CounterName, Counters } from '../../shared/metrics';
import { OBSERVATION_MESSAGE_VERSION, type Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { SeededRandom } from '../../shared/random';
import { addDays, type Day, startOfDay } from '../../shared/time';
import { rateToMs } from '../../shared/topology';
import { WeightedPicker } from './weighted-picker';

/**
 * A seeded replay of one campaign day, shaped like Tencent's "Next Idea" day at scale 1.0: about 50,000
 * posts from about 5,000 authors (200 of them roster KOLs), counters growing to about 30 M views, 2 M
 * shares, 49 k comments and 500 k likes, refreshed while hot, with about 10% duplicate deliveries and 5%
 * out-of-order snapshots, packed into SQS message bodies the way a poller sends pages.
 */

export const FULL_SCALE = {
  posts: 50_000,
  authors: 5_000,
  kols: 200,
  /** Sum over posts of the latest counter at the end of the day. */
  totals: { views: 30_000_000, shares: 2_000_000, comments: 49_000, likes: 500_000 } satisfies Record<
    CounterName,
    number
  >,
} as const;

export const REPLAY_CAMPAIGN_ID = 'nextidea';

export interface ReplayOptions {
  scale: number;
  seed: number;
  /** The replayed campaign day (in the campaign's time zone). */
  day?: Day;
  timeZone?: string;
}

interface PlatformProfile {
  platform: Platform;
  /** Share of authors (and so of posts) on this platform. */
  share: number;
  /** Counters the platform reports; the others are unknown (absent), never zero. */
  counters: readonly CounterName[];
  /** Search page size and refresh id-batch size of the platform's API: one page is one message. */
  searchPage: number;
  refreshBatch: number;
}

/** Page and id-batch limits from the platforms' documented APIs (see the design brief). */
export const PLATFORM_PROFILES: readonly PlatformProfile[] = [
  {
    platform: 'x',
    share: 0.35,
    counters: ['likes', 'shares', 'comments', 'views'],
    searchPage: 100,
    refreshBatch: 100,
  },
  {
    platform: 'bluesky',
    share: 0.15,
    counters: ['likes', 'shares', 'comments'],
    searchPage: 100,
    refreshBatch: 25,
  },
  {
    platform: 'mastodon',
    share: 0.1,
    counters: ['likes', 'shares', 'comments'],
    searchPage: 40,
    refreshBatch: 40,
  },
  { platform: 'reddit', share: 0.15, counters: ['likes', 'comments'], searchPage: 100, refreshBatch: 100 },
  {
    platform: 'youtube',
    share: 0.1,
    counters: ['likes', 'comments', 'views'],
    searchPage: 50,
    refreshBatch: 50,
  },
  { platform: 'instagram', share: 0.15, counters: ['likes', 'comments'], searchPage: 50, refreshBatch: 50 },
];

/** Poll cycle of every platform: the product's default schedule (`DEFAULT_POLL_SCHEDULE`). */
export const CYCLE_MS = rateToMs(DEFAULT_POLL_SCHEDULE);
/** Ages (minutes after publishing) at which a tracked post is refreshed: hot posts more often. */
const REFRESH_AGES_MIN = [10, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960, 1200];
/** Share of deliveries that are duplicates: single re-read observations, plus whole re-delivered messages. */
const DUPLICATE_OBSERVATION_P = 0.07;
const DUPLICATE_MESSAGE_P = 0.03;
/** Share of snapshots delivered after the post's next snapshot. */
const OUT_OF_ORDER_SHARE = 0.05;
/** Stay well below SQS's 256 KiB message limit. */
const MAX_BODY_BYTES = 240 * 1024;

export interface ReplayMessage {
  platform: Platform;
  body: string;
  observations: Observation[];
  /** Start of the poll cycle in which the message reaches the queue (a re-delivered copy: a later one). */
  sentAt: number;
}

export interface ReplayStats {
  scale: number;
  seed: number;
  day: Day;
  timeZone: string;
  posts: number;
  authors: number;
  kols: number;
  kolPosts: number;
  /** Distinct snapshots (one per post per poll that saw it). */
  snapshots: number;
  /** Observations on the queue, duplicates included. */
  deliveries: number;
  duplicateDeliveries: number;
  outOfOrderSnapshots: number;
  messages: number;
  bodyBytes: number;
  /** Days the replay covers (1 for the day replay). */
  days?: number;
  /** Latest known counters summed over posts (what the rollups must add up to). */
  finalTotals: Record<CounterName, number>;
}

export interface Replay {
  /** The campaign configuration (JSON as written to CAMPAIGNS_FILE) and its parsed form. */
  configJson: unknown;
  config: KolPulseConfig;
  messages: ReplayMessage[];
  stats: ReplayStats;
}

export interface Author {
  platform: Platform;
  id: string;
  handle: string;
  kolId?: string;
}

interface Post {
  platform: Platform;
  postId: string;
  author: Author;
  hashtags: string[];
  publishedAtMs: number;
  url: string;
  /** Counter asymptotes; the value at age a is floor(asymptote * (1 - exp(-a / tau))). */
  asymptote: Partial<Record<CounterName, number>>;
  tauMs: number;
  snapshotTimes: number[];
}

const HASHTAG_VARIANTS = ['NextIdea', 'nextidea', '腾讯NextIdea', 'NEXTIDEA', 'NextIdea'];
const OTHER_TAGS = ['AI', 'tech', 'innovation', 'Tencent', 'games', 'design', 'startup'];

export const profileOf = (platform: Platform): PlatformProfile => {
  const p = PLATFORM_PROFILES.find((x) => x.platform === platform);
  if (!p) throw new Error(`no profile for platform ${platform}`);
  return p;
};

export const makeAuthor = (rng: SeededRandom, platform: Platform, n: number, kolId?: string): Author => {
  const base = `${kolId ? kolId.replace(/-/g, '') : rng.word(6, 'abcdefghijklmnopqrstuvwxyz')}${n.toString(36)}`;
  switch (platform) {
    case 'x':
      return { platform, id: rng.digits(18), handle: base, kolId };
    case 'bluesky':
      return { platform, id: `did:plc:${rng.word(24)}`, handle: `${base}.bsky.social`, kolId };
    case 'mastodon':
      return { platform, id: rng.digits(17), handle: `${base}@mastodon.social`, kolId };
    case 'youtube':
      return { platform, id: `UC${rng.word(22)}`, handle: base, kolId };
    case 'reddit':
      return { platform, id: `t2_${rng.word(8)}`, handle: base, kolId };
    case 'instagram':
      return { platform, id: rng.digits(17), handle: base, kolId };
  }
};

export const makePostId = (rng: SeededRandom, author: Author, n: number): { postId: string; url: string } => {
  const unique = n.toString(36);
  switch (author.platform) {
    case 'x': {
      const id = `18${rng.digits(10)}${unique.padStart(6, '0')}`;
      return { postId: id, url: `https://x.com/${author.handle}/status/${id}` };
    }
    case 'bluesky': {
      const rkey = `3l${rng.word(7)}${unique}`;
      return {
        postId: `at://${author.id}/app.bsky.feed.post/${rkey}`,
        url: `https://bsky.app/profile/${author.handle}/post/${rkey}`,
      };
    }
    case 'mastodon': {
      const id = `11${rng.digits(10)}${unique.padStart(6, '0')}`;
      return { postId: id, url: `https://mastodon.social/@${author.handle.split('@')[0]}/${id}` };
    }
    case 'youtube': {
      const id = `${rng.word(5, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}${unique}`;
      return { postId: id, url: `https://www.youtube.com/watch?v=${id}` };
    }
    case 'reddit': {
      const id = `t3_${rng.word(3)}${unique}`;
      return { postId: id, url: `https://www.reddit.com/comments/${id.slice(3)}` };
    }
    case 'instagram': {
      const id = `17${rng.digits(9)}${unique.padStart(6, '0')}`;
      return { postId: id, url: `https://www.instagram.com/p/${rng.word(11)}` };
    }
  }
};

/** Posting activity over a local day: a lunch bump and an evening peak. */
export const activity = (hour: number) =>
  0.35 + Math.exp(-(((hour - 20.5) / 2.8) ** 2)) + 0.6 * Math.exp(-(((hour - 12.5) / 2) ** 2));

export const growth = (ageMs: number, tauMs: number) => (ageMs <= 0 ? 0 : 1 - Math.exp(-ageMs / tauMs));

/** Roster KOLs with accounts on 1-3 platforms, then discovered voices with one account each. */
export const makeAuthors = (
  rng: SeededRandom,
  kolCount: number,
  authorCount: number,
): { kolAccounts: Author[][]; voices: Author[] } => {
  const platformPicker = new WeightedPicker(PLATFORM_PROFILES.map((p) => p.share));
  const randomPlatform = () => PLATFORM_PROFILES[platformPicker.pick(rng)]?.platform ?? 'x';
  const kolAccounts: Author[][] = [];
  let serial = 0;
  for (let k = 0; k < kolCount; k++) {
    const kolId = `kol-${String(k + 1).padStart(4, '0')}`;
    const platforms = new Set<Platform>();
    const wanted = rng.int(1, 3);
    while (platforms.size < wanted) platforms.add(randomPlatform());
    kolAccounts.push([...platforms].map((p) => makeAuthor(rng, p, serial++, kolId)));
  }
  const voices: Author[] = [];
  for (let v = 0; v < authorCount - kolCount; v++) voices.push(makeAuthor(rng, randomPlatform(), serial++));
  return { kolAccounts, voices };
};

export const generateReplay = (options: ReplayOptions): Replay => {
  const { scale, seed } = options;
  if (!(scale > 0)) throw new RangeError(`--scale must be a positive number, got ${scale}`);
  const day = options.day ?? '2026-11-11';
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const rng = new SeededRandom(seed);
  const dayStart = startOfDay(day, timeZone);
  const dayEnd = startOfDay(addDays(day, 1), timeZone);

  const kolCount = Math.max(3, Math.round(FULL_SCALE.kols * scale));
  const authorCount = Math.max(kolCount * 3, Math.round(FULL_SCALE.authors * scale));
  const postCount = Math.max(60, Math.round(FULL_SCALE.posts * scale));
  const { kolAccounts, voices } = makeAuthors(rng, kolCount, authorCount);
  // Zipf-like activity: a few voices post a lot.
  const voicePicker = new WeightedPicker(voices.map((_, i) => 1 / (i + 1) ** 0.8));
  const kolPicker = new WeightedPicker(kolAccounts.map((_, i) => 1 / (i + 1) ** 0.5));

  // ---- Posts.
  const posts: Post[] = [];
  const maxActivity = 1.7;
  for (let n = 0; n < postCount; n++) {
    const byKol = rng.chance(0.1);
    const accounts = byKol ? kolAccounts[kolPicker.pick(rng)] : undefined;
    const author = accounts ? rng.pick(accounts) : voices[voicePicker.pick(rng)];
    if (!author) throw new Error('author table is empty');
    let hour = 0;
    do hour = rng.next() * 24;
    while (rng.next() * maxActivity > activity(hour));
    // Every post is seen by at least one search before the day ends.
    const publishedAtMs = Math.min(dayStart + Math.floor(hour * 3_600_000), dayEnd - 2 * CYCLE_MS);
    const tags = [rng.pick(HASHTAG_VARIANTS)];
    for (let t = rng.int(0, 2); t > 0; t--) tags.push(rng.pick(OTHER_TAGS));
    const { postId, url } = makePostId(rng, author, n);
    posts.push({
      platform: author.platform,
      postId,
      author,
      hashtags: [...new Set(tags)],
      publishedAtMs,
      url,
      asymptote: {},
      tauMs: rng.logNormal(Math.log(2.5 * 3_600_000), 0.4),
      snapshotTimes: [],
    });
  }

  // ---- Counter asymptotes, normalised so the end-of-day totals match the day's figures at this scale.
  const weights = posts.map((p) => rng.logNormal(0, 1.4) * (p.author.kolId ? 6 : 1));
  for (const counter of ['likes', 'shares', 'comments', 'views'] as const) {
    const raw = posts.map((p, i) =>
      profileOf(p.platform).counters.includes(counter) ? (weights[i] ?? 0) * rng.logNormal(0, 0.5) : 0,
    );
    const reached = posts.reduce(
      (sum, p, i) => sum + (raw[i] ?? 0) * growth(dayEnd - p.publishedAtMs, p.tauMs),
      0,
    );
    const factor = reached > 0 ? (FULL_SCALE.totals[counter] * scale) / reached : 0;
    posts.forEach((p, i) => {
      if (profileOf(p.platform).counters.includes(counter)) p.asymptote[counter] = (raw[i] ?? 0) * factor;
    });
  }

  // ---- Snapshot times: the first cycle after publishing (search), then refreshes at growing ages.
  const platformOffsetMs = (platform: Platform) =>
    PLATFORM_PROFILES.findIndex((p) => p.platform === platform) * 20_000;
  const cycleAtOrAfter = (platform: Platform, t: number) => {
    const offset = dayStart + platformOffsetMs(platform);
    return offset + Math.ceil((t - offset) / CYCLE_MS) * CYCLE_MS;
  };
  for (const post of posts) {
    const times = new Set<number>();
    times.add(cycleAtOrAfter(post.platform, post.publishedAtMs + 30_000));
    for (const age of REFRESH_AGES_MIN)
      times.add(cycleAtOrAfter(post.platform, post.publishedAtMs + age * 60_000));
    post.snapshotTimes = [...times].filter((t) => t < dayEnd).sort((a, b) => a - b);
  }

  // ---- Pages: per platform and cycle, the search page(s) of new posts, then refresh batches.
  interface Delivery {
    post: Post;
    /** Index of this snapshot in post.snapshotTimes. */
    index: number;
  }
  interface Page {
    platform: Platform;
    cycleAt: number;
    pollId: string;
    deliveries: Delivery[];
  }
  const byCycle = new Map<
    string,
    { search: Delivery[]; refresh: Delivery[]; platform: Platform; at: number }
  >();
  for (const post of posts) {
    post.snapshotTimes.forEach((at, index) => {
      const key = `${at}|${post.platform}`;
      let slot = byCycle.get(key);
      if (!slot) {
        slot = { search: [], refresh: [], platform: post.platform, at };
        byCycle.set(key, slot);
      }
      (index === 0 ? slot.search : slot.refresh).push({ post, index });
    });
  }
  const pages: Page[] = [];
  const slots = [...byCycle.values()].sort((a, b) => a.at - b.at);
  for (const slot of slots) {
    const profile = profileOf(slot.platform);
    const pollId = `${slot.platform}-${new Date(slot.at).toISOString()}`;
    slot.search.sort((a, b) => b.post.publishedAtMs - a.post.publishedAtMs);
    slot.refresh.sort((a, b) => a.post.publishedAtMs - b.post.publishedAtMs);
    for (let i = 0; i < slot.search.length; i += profile.searchPage)
      pages.push({
        platform: slot.platform,
        cycleAt: slot.at,
        pollId,
        deliveries: slot.search.slice(i, i + profile.searchPage),
      });
    for (let i = 0; i < slot.refresh.length; i += profile.refreshBatch)
      pages.push({
        platform: slot.platform,
        cycleAt: slot.at,
        pollId,
        deliveries: slot.refresh.slice(i, i + profile.refreshBatch),
      });
  }

  // Where each snapshot sits, to move some after their successor and to copy some later.
  const pageOf = new Map<Post, number[]>();
  pages.forEach((page, p) => {
    for (const d of page.deliveries) {
      let list = pageOf.get(d.post);
      if (!list) {
        list = [];
        pageOf.set(d.post, list);
      }
      list[d.index] = p;
    }
  });
  const pagesByPlatform = new Map<Platform, number[]>();
  pages.forEach((page, p) => {
    const list = pagesByPlatform.get(page.platform) ?? [];
    list.push(p);
    pagesByPlatform.set(page.platform, list);
  });
  /** A page of the same platform `ahead` pages after page p, or undefined past the end. */
  const laterPage = (p: number, ahead: number): number | undefined => {
    const page = pages[p];
    if (!page) return undefined;
    const list = pagesByPlatform.get(page.platform) ?? [];
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] ?? 0) < p) lo = mid + 1;
      else hi = mid;
    }
    return list[lo + ahead];
  };

  const snapshotCount = posts.reduce((n, p) => n + p.snapshotTimes.length, 0);
  const eligible = posts.reduce((n, p) => n + Math.max(0, p.snapshotTimes.length - 1), 0);
  const outOfOrderP = eligible > 0 ? Math.min(1, (OUT_OF_ORDER_SHARE * snapshotCount) / eligible) : 0;
  const extra = new Map<number, Delivery[]>();
  const removed = new Set<Delivery>();
  let outOfOrder = 0;
  for (const page of pages.slice()) {
    for (const d of page.deliveries) {
      if (d.index >= d.post.snapshotTimes.length - 1 || !rng.chance(outOfOrderP)) continue;
      const successorPage = pageOf.get(d.post)?.[d.index + 1];
      const target = successorPage === undefined ? undefined : laterPage(successorPage, rng.int(1, 4));
      if (target === undefined) continue;
      removed.add(d);
      extra.set(target, [...(extra.get(target) ?? []), d]);
      outOfOrder++;
    }
  }
  for (const page of pages) page.deliveries = page.deliveries.filter((d) => !removed.has(d));
  for (const [p, list] of extra) pages[p]?.deliveries.push(...list);

  let duplicates = 0;
  const copies = new Map<number, Delivery[]>();
  pages.forEach((page, p) => {
    for (const d of page.deliveries) {
      if (!rng.chance(DUPLICATE_OBSERVATION_P)) continue;
      const target = laterPage(p, rng.int(1, 20));
      if (target === undefined) continue;
      copies.set(target, [...(copies.get(target) ?? []), d]);
      duplicates++;
    }
  });
  for (const [p, list] of copies) pages[p]?.deliveries.push(...list);

  // ---- Observations and message bodies; some whole messages are delivered twice (SQS at-least-once).
  const observationOf = (d: Delivery, page: Page, pageNumber: number): Observation => {
    const observedAtMs = d.post.snapshotTimes[d.index] ?? page.cycleAt;
    const counters: Counters = {};
    const age = observedAtMs - d.post.publishedAtMs;
    for (const [counter, asymptote] of Object.entries(d.post.asymptote) as [CounterName, number][])
      counters[counter] = Math.round(asymptote * growth(age, d.post.tauMs));
    return {
      platform: d.post.platform,
      postId: d.post.postId,
      author: { id: d.post.author.id, handle: d.post.author.handle },
      hashtags: d.post.hashtags,
      publishedAt: new Date(d.post.publishedAtMs).toISOString(),
      // Pages of one cycle are fetched a moment apart.
      observedAt: new Date(observedAtMs + (pageNumber % 50) * 150).toISOString(),
      counters,
      url: d.post.url,
    };
  };
  // Observation times must be the snapshot's, whichever page carries it: fix the page offset per snapshot.
  const snapshotObservation = new Map<string, Observation>();
  const messages: ReplayMessage[] = [];
  const delayed = new Map<number, ReplayMessage[]>();
  pages.forEach((page, p) => {
    const observations = page.deliveries.map((d) => {
      const key = `${d.post.postId}|${d.index}`;
      let o = snapshotObservation.get(key);
      if (!o) {
        o = observationOf(d, page, p);
        snapshotObservation.set(key, o);
      }
      return o;
    });
    for (const message of packMessages(page.platform, page.pollId, observations, page.cycleAt)) {
      messages.push(message);
      if (rng.chance(DUPLICATE_MESSAGE_P)) {
        const at = p + rng.int(5, 50);
        delayed.set(at, [...(delayed.get(at) ?? []), message]);
        duplicates += message.observations.length;
      }
    }
    for (const again of delayed.get(p) ?? []) messages.push({ ...again, sentAt: page.cycleAt });
    delayed.delete(p);
  });
  const lastCycle = pages.at(-1)?.cycleAt ?? 0;
  for (const rest of delayed.values()) messages.push(...rest.map((m) => ({ ...m, sentAt: lastCycle })));

  // ---- Configuration: the campaign with its roster, every platform enabled.
  const configJson = {
    campaigns: [
      {
        id: REPLAY_CAMPAIGN_ID,
        name: 'Tencent Next Idea (bench replay)',
        hashtags: ['NextIdea', '腾讯NextIdea'],
        timeZone,
        start: addDays(day, -6),
        end: addDays(day, 30),
        kols: kolAccounts.map((accounts, k) => ({
          id: accounts[0]?.kolId ?? `kol-${k}`,
          name: `KOL ${k + 1}`,
          accounts: accounts.map((a) => ({ platform: a.platform, handle: a.handle, userId: a.id })),
        })),
      },
    ],
    platforms: Object.fromEntries(PLATFORM_PROFILES.map((p) => [p.platform, { enabled: true }])),
  };
  const config = parseConfig(configJson, 'bench replay configuration');

  const finalTotals: Record<CounterName, number> = { likes: 0, shares: 0, comments: 0, views: 0 };
  for (const post of posts) {
    const last = post.snapshotTimes.at(-1);
    if (last === undefined) continue;
    for (const [counter, asymptote] of Object.entries(post.asymptote) as [CounterName, number][])
      finalTotals[counter] += Math.round(asymptote * growth(last - post.publishedAtMs, post.tauMs));
  }

  return {
    configJson,
    config,
    messages,
    stats: {
      scale,
      seed,
      day,
      timeZone,
      posts: posts.length,
      authors: authorCount,
      kols: kolCount,
      kolPosts: posts.filter((p) => p.author.kolId).length,
      snapshots: snapshotCount,
      deliveries: messages.reduce((n, m) => n + m.observations.length, 0),
      duplicateDeliveries: duplicates,
      outOfOrderSnapshots: outOfOrder,
      messages: messages.length,
      bodyBytes: messages.reduce((n, m) => n + Buffer.byteLength(m.body), 0),
      finalTotals,
    },
  };
};

/** One page is one message, split only if it would exceed the SQS size limit. */
export const packMessages = (
  platform: Platform,
  pollId: string,
  observations: Observation[],
  sentAt: number,
): ReplayMessage[] => {
  if (observations.length === 0) return [];
  const body = JSON.stringify({ version: OBSERVATION_MESSAGE_VERSION, platform, pollId, observations });
  if (Buffer.byteLength(body) <= MAX_BODY_BYTES || observations.length === 1)
    return [{ platform, body, observations, sentAt }];
  const half = Math.ceil(observations.length / 2);
  return [
    ...packMessages(platform, pollId, observations.slice(0, half), sentAt),
    ...packMessages(platform, pollId, observations.slice(half), sentAt),
  ];
};

/**
 * The batches the Lambda trigger would hand the aggregate in real time: up to `batchSize` messages, never
 * spanning two poll cycles (the batching window of seconds closes long before the next cycle's messages
 * arrive). A scaled-down replay has fewer messages per cycle, so its batches are as small as they would be
 * for a campaign of that size, and snapshots minutes apart never share a batch as they would in a backlog.
 */
export const realTimeBatches = (messages: readonly ReplayMessage[], batchSize: number): ReplayMessage[][] => {
  const byCycle = new Map<number, ReplayMessage[]>();
  for (const m of messages) {
    const cycle = byCycle.get(m.sentAt) ?? [];
    byCycle.set(m.sentAt, cycle);
    cycle.push(m);
  }
  const batches: ReplayMessage[][] = [];
  for (const cycle of [...byCycle.keys()].sort((a, b) => a - b)) {
    const list = byCycle.get(cycle) ?? [];
    for (let i = 0; i < list.length; i += batchSize) batches.push(list.slice(i, i + batchSize));
  }
  return batches;
};
