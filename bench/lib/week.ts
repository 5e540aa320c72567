import type { TrackedPost } from '../../functions/poll/tracked';
import { parseConfig } from '../../shared/config';
import type { CounterName, Counters } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { INSTAGRAM_UNATTRIBUTED } from '../../shared/platforms/instagram';
import { SeededRandom } from '../../shared/random';
import { addDays, type Day, startOfDay } from '../../shared/time';
import {
  ageOnlyPlanner,
  DEFAULT_REFRESH_REQUESTS_PER_CYCLE,
  type PostHistory,
  type RefreshPlanner,
  shippedPolicy,
  valuePlanner,
} from './refresh-planner';
import {
  type Author,
  activity,
  CYCLE_MS,
  growth,
  makeAuthors,
  makePostId,
  PLATFORM_PROFILES,
  packMessages,
  profileOf,
  type Replay,
  type ReplayMessage,
  type ReplayStats,
} from './replay';
import { StalenessSampler, type StalenessSummary } from './staleness';
import { WeightedPicker } from './weighted-picker';

/**
 * The Next-Idea-scale week (issue 13 point 1), driven by the shipped refresh policy. Scale 1 = 100,000 new
 * posts a day for `days` days from about 10,000 authors (200 roster KOLs) on six platforms; the posts of a
 * day carry that campaign's day totals (30 M views, 2 M shares, 500 k likes, 49 k comments) once grown.
 * Two campaigns share the hashtag #NextIdea (a post with #NextIdea and #TencentAI counts in both); a share
 * of Instagram posts come from non-roster authors, whom the Graph API does not name (the unattributed
 * author). Every poll cycle (the default schedule, `CYCLE_MS`) of every platform, a search finds the posts published since the
 * previous cycle, and the refresh planner (default: the shipped age-only policy, `duePosts`, under the
 * cycle's request budget) picks the tracked posts to re-read; a re-read whose counters equal the last ones
 * sent for that post is dropped before SQS when `suppressUnchanged` is on (the poller change of issue 13
 * point 5). Deliveries then get duplicates (single observations and whole messages) and reordering (a
 * snapshot held back behind its successor), as SQS and retries produce them.
 *
 * The generator is a stream of poll cycles (`weekCycles`): posts are generated a day at a time and leave
 * memory when their tracking ends; delayed and duplicated deliveries wait in a window of at most 50 cycles.
 */

export const WEEK_FULL_SCALE = {
  postsPerDay: 100_000,
  authors: 10_000,
  kols: 200,
  dayTotals: { views: 30_000_000, shares: 2_000_000, comments: 49_000, likes: 500_000 } satisfies Record<
    CounterName,
    number
  >,
} as const;

export const WEEK_CAMPAIGNS = {
  main: { id: 'nextidea', hashtags: ['NextIdea', '腾讯NextIdea'] },
  second: { id: 'tencentai', hashtags: ['TencentAI', 'NextIdea'] },
} as const;

export interface WeekOptions {
  scale: number;
  seed: number;
  /** Days of new posts (default 7); cycles run over the same days. */
  days?: number;
  /** First day of the week (campaign time zone). */
  firstDay?: Day;
  timeZone?: string;
  /** Drop a re-read whose counters equal the previous one sent for the post (default true). */
  suppressUnchanged?: boolean;
  planner?: RefreshPlanner;
  /** Refresh requests per platform per cycle at scale 1 (default: the poller's, 150); scaled by `scale`. */
  refreshRequestsPerCycle?: number;
  trackingDays?: number;
  periodMs?: number;
  /** Share of Instagram posts by non-roster authors the Graph API does not name. */
  unattributedInstagramShare?: number;
  /** Yield every poll's reads with its cycle (`WeekCycle.polls`). */
  emitReads?: boolean;
}

export interface WeekStats extends ReplayStats {
  days: number;
  cycles: number;
  /** Reads of a post's counters (searches and refreshes), before suppression. */
  reads: number;
  refreshes: number;
  /** Re-reads dropped because their counters equal the last sent: never reach SQS. */
  suppressed: number;
  /** Due refreshes the budget left out. */
  dueNotRefreshed: number;
  postsInBothCampaigns: number;
  unattributedInstagramPosts: number;
  refreshBudgetPostsPerCycle: Record<Platform, number>;
  staleness: StalenessSummary;
  suppressUnchanged: boolean;
}

interface WeekPost {
  platform: Platform;
  tracked: TrackedPost;
  author: Author;
  hashtags: string[];
  url: string;
  asymptote: Partial<Record<CounterName, number>>;
  tauMs: number;
  history: PostHistory;
  lastSent?: Counters;
}

const OUT_OF_ORDER_P = 0.05;
const DUPLICATE_OBSERVATION_P = 0.07;
const DUPLICATE_MESSAGE_P = 0.03;
const SAMPLE_EVERY_CYCLES = 12;

const sameCounters = (a: Counters, b: Counters | undefined): boolean =>
  b !== undefined &&
  a.likes === b.likes &&
  a.shares === b.shares &&
  a.comments === b.comments &&
  a.views === b.views;

interface WeekWorld {
  rng: SeededRandom;
  kolAccounts: Author[][];
  kolPicker: WeightedPicker;
  voices: Author[];
  voicePicker: WeightedPicker;
  configJson: unknown;
}

const buildWorld = (
  options: Required<Pick<WeekOptions, 'scale' | 'seed'>> & WeekOptions,
  first: Day,
  last: Day,
) => {
  const rng = new SeededRandom(options.seed);
  const kolCount = Math.max(5, Math.round(WEEK_FULL_SCALE.kols * options.scale));
  const authorCount = Math.max(kolCount * 5, Math.round(WEEK_FULL_SCALE.authors * options.scale));
  const { kolAccounts, voices } = makeAuthors(rng, kolCount, authorCount);
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const roster = (accounts: Author[][]) =>
    accounts.map((a, k) => ({
      id: a[0]?.kolId ?? `kol-${k}`,
      name: `KOL ${k + 1}`,
      accounts: a.map((x) => ({ platform: x.platform, handle: x.handle, userId: x.id })),
    }));
  const configJson = {
    campaigns: [
      {
        id: WEEK_CAMPAIGNS.main.id,
        name: 'Tencent Next Idea (bench week)',
        hashtags: [...WEEK_CAMPAIGNS.main.hashtags],
        timeZone,
        start: first,
        end: addDays(last, 30),
        kols: roster(kolAccounts),
      },
      {
        id: WEEK_CAMPAIGNS.second.id,
        name: 'Tencent AI (bench week, shares #NextIdea)',
        hashtags: [...WEEK_CAMPAIGNS.second.hashtags],
        timeZone,
        start: first,
        end: addDays(last, 30),
        kols: roster(kolAccounts.slice(0, Math.ceil(kolCount / 4))),
      },
    ],
    platforms: Object.fromEntries(PLATFORM_PROFILES.map((p) => [p.platform, { enabled: true }])),
  };
  const world: WeekWorld = {
    rng,
    kolAccounts,
    kolPicker: new WeightedPicker(kolAccounts.map((_, i) => 1 / (i + 1) ** 0.5)),
    voices,
    voicePicker: new WeightedPicker(voices.map((_, i) => 1 / (i + 1) ** 0.8)),
    configJson,
  };
  return { world, kolCount, authorCount, timeZone };
};

/** One day's new posts, counters normalised so the day's posts grow to the day totals at this scale. */
const postsOfDay = (
  world: WeekWorld,
  dayStart: number,
  count: number,
  scale: number,
  serialBase: number,
  unattributedShare: number,
): WeekPost[] => {
  const { rng } = world;
  const posts: WeekPost[] = [];
  for (let n = 0; n < count; n++) {
    const byKol = rng.chance(0.1);
    const accounts = byKol ? world.kolAccounts[world.kolPicker.pick(rng)] : undefined;
    let author = accounts ? rng.pick(accounts) : world.voices[world.voicePicker.pick(rng)];
    if (!author) throw new Error('author table is empty');
    if (!byKol && author.platform === 'instagram' && rng.chance(unattributedShare))
      author = { platform: 'instagram', ...INSTAGRAM_UNATTRIBUTED };
    let hour = 0;
    do hour = rng.next() * 24;
    while (rng.next() * 1.7 > activity(hour));
    const publishedMs = dayStart + Math.floor(hour * 3_600_000);
    const tags = rng.chance(0.85) ? [rng.pick(['NextIdea', 'nextidea', '腾讯NextIdea', 'NEXTIDEA'])] : [];
    if (tags.length === 0 || rng.chance(0.2)) tags.push(rng.pick(['TencentAI', 'tencentai']));
    if (rng.chance(0.4)) tags.push(rng.pick(['AI', 'tech', 'games', 'design']));
    const { postId, url } = makePostId(rng, author, serialBase + n);
    posts.push({
      platform: author.platform,
      tracked: { postId, publishedMs, publishedAt: new Date(publishedMs).toISOString() },
      author,
      hashtags: tags,
      url,
      asymptote: {},
      tauMs: rng.logNormal(Math.log(2.5 * 3_600_000), 0.4),
      history: { lastObservedMs: 0, lastChangedMs: 0, roster: author.kolId !== undefined },
    });
  }
  const weights = posts.map((p) => rng.logNormal(0, 1.4) * (p.author.kolId ? 6 : 1));
  for (const counter of ['likes', 'shares', 'comments', 'views'] as const) {
    const raw = posts.map((p, i) =>
      profileOf(p.platform).counters.includes(counter) ? (weights[i] ?? 0) * rng.logNormal(0, 0.5) : 0,
    );
    const sum = raw.reduce((a, b) => a + b, 0);
    const factor = sum > 0 ? (WEEK_FULL_SCALE.dayTotals[counter] * scale) / sum : 0;
    posts.forEach((p, i) => {
      if (profileOf(p.platform).counters.includes(counter)) p.asymptote[counter] = (raw[i] ?? 0) * factor;
    });
  }
  return posts.sort((a, b) => a.tracked.publishedMs - b.tracked.publishedMs);
};

const countersAt = (post: WeekPost, at: number): Counters => {
  const counters: Counters = {};
  const g = growth(at - post.tracked.publishedMs, post.tauMs);
  for (const [counter, asymptote] of Object.entries(post.asymptote) as [CounterName, number][])
    counters[counter] = Math.round(asymptote * g);
  return counters;
};

export interface WeekCycle {
  at: number;
  messages: ReplayMessage[];
  /** With `emitReads`: every platform's reads of the cycle, unchanged ones included (post-record model). */
  polls?: WeekPoll[];
}

/** One platform's poll of a cycle: what its search and its refreshes read, in the poller's order. */
export interface WeekPoll {
  platform: Platform;
  at: number;
  searched: Observation[];
  refreshed: Observation[];
}

export interface WeekRun {
  configJson: unknown;
  cycles: Generator<WeekCycle, WeekStats>;
}

/** The week as a stream of poll cycles; the generator's return value is the run's statistics. */
export const weekCycles = (options: WeekOptions): WeekRun => {
  const { scale, seed } = options;
  if (!(scale > 0)) throw new RangeError(`--scale must be a positive number, got ${scale}`);
  const days = options.days ?? 7;
  const first = options.firstDay ?? '2026-11-05';
  const last = addDays(first, days - 1);
  const { world, kolCount, authorCount, timeZone } = buildWorld({ ...options, scale, seed }, first, last);
  return {
    configJson: world.configJson,
    cycles: run(options, world, { first, days, timeZone, kolCount, authorCount }),
  };
};

function* run(
  options: WeekOptions,
  world: WeekWorld,
  w: { first: Day; days: number; timeZone: string; kolCount: number; authorCount: number },
): Generator<WeekCycle, WeekStats> {
  const { rng } = world;
  const scale = options.scale;
  const periodMs = options.periodMs ?? CYCLE_MS;
  const policy = shippedPolicy(periodMs);
  const planner = options.planner ?? valuePlanner;
  const suppress = options.suppressUnchanged ?? true;
  const trackingMs = (options.trackingDays ?? 7) * 86_400_000;
  const requests = options.refreshRequestsPerCycle ?? DEFAULT_REFRESH_REQUESTS_PER_CYCLE;
  const budget = Object.fromEntries(
    PLATFORM_PROFILES.map((p) => [p.platform, Math.max(1, Math.round(requests * p.refreshBatch * scale))]),
  ) as Record<Platform, number>;
  const postsPerDay = Math.max(50, Math.round(WEEK_FULL_SCALE.postsPerDay * scale));
  const weekStart = startOfDay(w.first, w.timeZone);
  const weekEnd = startOfDay(addDays(w.first, w.days), w.timeZone);
  const sampler = new StalenessSampler();

  const upcoming = new Map<Platform, WeekPost[]>(PLATFORM_PROFILES.map((p) => [p.platform, []]));
  const tracked = new Map<Platform, WeekPost[]>(PLATFORM_PROFILES.map((p) => [p.platform, []]));
  const byId = new Map<string, WeekPost>();
  const later = new Map<number, Map<Platform, Observation[]>>();
  const laterMessages = new Map<number, ReplayMessage[]>();
  const stats = {
    posts: 0,
    kolPosts: 0,
    reads: 0,
    refreshes: 0,
    suppressed: 0,
    dueNotRefreshed: 0,
    deliveries: 0,
    duplicates: 0,
    outOfOrder: 0,
    messages: 0,
    bodyBytes: 0,
    both: 0,
    unattributed: 0,
  };
  const finalTotals: Record<CounterName, number> = { likes: 0, shares: 0, comments: 0, views: 0 };
  const hold = (cycle: number, platform: Platform, o: Observation) => {
    const perPlatform = later.get(cycle) ?? new Map<Platform, Observation[]>();
    later.set(cycle, perPlatform);
    const held = perPlatform.get(platform) ?? [];
    perPlatform.set(platform, held);
    held.push(o);
  };
  const polls: WeekPoll[] = [];
  /** A read of the post's counters: its observation, undefined when unchanged and suppressed. */
  const observe = (post: WeekPost, at: number, read: Observation[] | undefined): Observation | undefined => {
    stats.reads++;
    const counters = countersAt(post, at);
    const changed = !sameCounters(counters, post.lastSent);
    post.history.lastObservedMs = at;
    if (changed) post.history.lastChangedMs = at;
    if (read) read.push(snapshotOf(post, at, counters));
    if (suppress && !changed) {
      stats.suppressed++;
      return undefined;
    }
    for (const c of Object.keys(counters) as CounterName[])
      finalTotals[c] += (counters[c] ?? 0) - (post.lastSent?.[c] ?? 0);
    post.lastSent = counters;
    return snapshotOf(post, at, counters);
  };
  const snapshotOf = (post: WeekPost, at: number, counters: Counters): Observation => ({
    platform: post.platform,
    postId: post.tracked.postId,
    author: { id: post.author.id, handle: post.author.handle },
    hashtags: post.hashtags,
    publishedAt: post.tracked.publishedAt,
    observedAt: new Date(at).toISOString(),
    counters,
    url: post.url,
  });

  const cycles = Math.round((weekEnd - weekStart) / periodMs);
  for (let c = 0; c <= cycles; c++) {
    const cycleAt = weekStart + c * periodMs;
    const dayIndex = Math.floor((cycleAt - weekStart) / 86_400_000);
    if (cycleAt < weekEnd && (cycleAt - weekStart) % 86_400_000 === 0) {
      const day = postsOfDay(
        world,
        cycleAt,
        postsPerDay,
        scale,
        dayIndex * postsPerDay,
        options.unattributedInstagramShare ?? 0.5,
      );
      for (const post of day) upcoming.get(post.platform)?.push(post);
    }
    const out: ReplayMessage[] = [];
    PLATFORM_PROFILES.forEach((profile, pi) => {
      const platform = profile.platform;
      const at = cycleAt + pi * 20_000;
      const list = tracked.get(platform) ?? [];
      while (list.length > 0 && (list[0]?.tracked.publishedMs ?? 0) < at - trackingMs) {
        const gone = list.shift();
        if (gone) byId.delete(gone.tracked.postId);
      }
      // Refreshes first chosen among posts found in earlier cycles, then this cycle's search.
      const trackedPosts = list.map((p) => p.tracked);
      const chosen = planner(trackedPosts, {
        platform,
        now: at,
        budget: budget[platform],
        policy,
        history: (id) => byId.get(id)?.history,
      });
      if (chosen.length === budget[platform]) {
        const due = ageOnlyPlanner(trackedPosts, {
          platform,
          now: at,
          budget: Number.MAX_SAFE_INTEGER,
          policy,
          history: () => undefined,
        });
        stats.dueNotRefreshed += Math.max(0, due.length - chosen.length);
      }
      const queue = upcoming.get(platform) ?? [];
      let firstLater = 0;
      while (firstLater < queue.length && (queue[firstLater]?.tracked.publishedMs ?? 0) <= at - 30_000)
        firstLater++;
      const found = queue.splice(0, firstLater);
      const poll: WeekPoll | undefined = options.emitReads
        ? { platform, at, searched: [], refreshed: [] }
        : undefined;
      if (poll) polls.push(poll);
      const refreshed: Observation[] = [];
      for (const t of chosen) {
        const post = byId.get(t.postId);
        if (!post) continue;
        stats.refreshes++;
        const o = observe(post, at, poll?.refreshed);
        if (o) refreshed.push(o);
      }
      const searched: Observation[] = [];
      for (const post of found) {
        stats.posts++;
        if (post.author.kolId) stats.kolPosts++;
        if (post.author.id === INSTAGRAM_UNATTRIBUTED.id) stats.unattributed++;
        const tags = post.hashtags.map((h) => h.toLowerCase());
        if (tags.some((t) => t.includes('nextidea')) && tags.includes('tencentai')) stats.both++;
        const o = observe(post, at, poll?.searched);
        if (o) searched.unshift(o);
        list.push(post);
        byId.set(post.tracked.postId, post);
      }
      // Reordering and duplicated single observations: held back to a later cycle of the platform.
      const sendNow = (observations: Observation[]) =>
        observations.filter((o) => {
          if (rng.chance(DUPLICATE_OBSERVATION_P)) {
            hold(c + rng.int(1, 20), platform, o);
            stats.duplicates++;
          }
          if (rng.chance(OUT_OF_ORDER_P)) {
            hold(c + rng.int(1, 4), platform, o);
            stats.outOfOrder++;
            return false;
          }
          return true;
        });
      const pollId = `${platform}-${new Date(at).toISOString()}`;
      const pages: Observation[][] = [];
      const s = sendNow(searched);
      for (let i = 0; i < s.length; i += profile.searchPage) pages.push(s.slice(i, i + profile.searchPage));
      const r = sendNow(refreshed);
      for (let i = 0; i < r.length; i += profile.refreshBatch)
        pages.push(r.slice(i, i + profile.refreshBatch));
      const held = later.get(c)?.get(platform);
      if (held) pages.push(held);
      for (const page of pages)
        for (const m of packMessages(platform, pollId, page, cycleAt)) {
          out.push(m);
          if (rng.chance(DUPLICATE_MESSAGE_P)) {
            const again = c + rng.int(5, 50);
            const waiting = laterMessages.get(again) ?? [];
            laterMessages.set(again, waiting);
            waiting.push(m);
            stats.duplicates += m.observations.length;
          }
        }
    });
    later.delete(c);
    for (const m of laterMessages.get(c) ?? []) out.push({ ...m, sentAt: cycleAt });
    laterMessages.delete(c);
    if (c % SAMPLE_EVERY_CYCLES === 0)
      for (const list of tracked.values())
        for (const p of list)
          sampler.add(cycleAt - p.history.lastObservedMs, cycleAt - p.tracked.publishedMs);
    for (const m of out) {
      stats.deliveries += m.observations.length;
      stats.messages++;
      stats.bodyBytes += Buffer.byteLength(m.body);
    }
    if (out.length > 0 || polls.length > 0)
      yield { at: cycleAt, messages: out, ...(polls.length > 0 ? { polls: polls.splice(0) } : {}) };
  }
  // Whatever is still held back is delivered after the last cycle.
  const tail: ReplayMessage[] = [];
  const endAt = weekStart + (cycles + 1) * periodMs;
  for (const perPlatform of later.values())
    for (const [platform, observations] of perPlatform)
      tail.push(...packMessages(platform, `${platform}-tail`, observations, endAt));
  for (const ms of laterMessages.values()) tail.push(...ms.map((m) => ({ ...m, sentAt: endAt })));
  for (const m of tail) {
    stats.deliveries += m.observations.length;
    stats.messages++;
    stats.bodyBytes += Buffer.byteLength(m.body);
  }
  if (tail.length > 0) yield { at: endAt, messages: tail };

  return {
    scale,
    seed: options.seed,
    day: addDays(w.first, w.days - 1),
    timeZone: w.timeZone,
    posts: stats.posts,
    authors: w.authorCount,
    kols: w.kolCount,
    kolPosts: stats.kolPosts,
    snapshots: stats.reads - stats.suppressed,
    deliveries: stats.deliveries,
    duplicateDeliveries: stats.duplicates,
    outOfOrderSnapshots: stats.outOfOrder,
    messages: stats.messages,
    bodyBytes: stats.bodyBytes,
    finalTotals,
    days: w.days,
    cycles: cycles + 1,
    reads: stats.reads,
    refreshes: stats.refreshes,
    suppressed: stats.suppressed,
    dueNotRefreshed: stats.dueNotRefreshed,
    postsInBothCampaigns: stats.both,
    unattributedInstagramPosts: stats.unattributed,
    refreshBudgetPostsPerCycle: budget,
    staleness: sampler.summary(),
    suppressUnchanged: suppress,
  };
}

/** The whole week in memory, in the form the bench sections take (for the fractions the bench runs). */
export const generateWeekReplay = (options: WeekOptions): Replay & { stats: WeekStats } => {
  const { configJson, cycles } = weekCycles(options);
  const messages: ReplayMessage[] = [];
  let next = cycles.next();
  while (!next.done) {
    messages.push(...next.value.messages);
    next = cycles.next();
  }
  return {
    configJson,
    config: parseConfig(configJson, 'bench week configuration'),
    messages,
    stats: next.value,
  };
};
