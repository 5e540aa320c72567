import { createHash } from 'node:crypto';
import {
  cycleIndexAt,
  DAY_MS,
  type RefreshPolicy,
  refreshIntervalCycles,
  slotOf,
  type TrackedPost,
} from './tracked';

/**
 * The value planner: which due posts a cycle refreshes with the budget it has. Each post gets a refresh
 * interval (a power of two of cycles) from its own history, not only its age:
 *
 * | class | post | interval |
 * | 0 | hot (< 1 day) and still moving (changed in the last hour, or never seen changing) | every cycle |
 * | 1 | moving (changed in the last 6 h), roster KOL | 2 cycles |
 * | 2 | moving, voice | 4 cycles |
 * | 3 | quiet roster KOL | age-based (2^days), at least 8 |
 * | 4 | quiet voice | age-based × 2, at least 16 |
 *
 * When the budget cannot pay for that, intervals are stretched class by class from the least valuable up
 * (old quiet voices first, hot moving posts last), to the smallest stretch whose expected cost fits; posts
 * of one class share their cycles by a hash of the id, so a stretched class is still spread evenly. Pure:
 * no I/O, no clock. Searches are never planned here: they are paid before refreshes.
 */

export interface PostHistory {
  /** When the post's counters last changed (epoch ms): the observedAt of the last observation sent. */
  changedAt: number;
  /** Observations sent for the post so far. */
  changes: number;
  /** The author is on a campaign roster. */
  kol: boolean;
  /** X: the UTC day the post was last read; a read on that same day costs nothing. */
  readDay?: string;
}

export interface ValueCandidate extends TrackedPost {
  history?: PostHistory;
}

export interface RefreshAllowance {
  /** Refresh requests this cycle may make. */
  requests: number;
  /** X: post reads this cycle may be charged for (posts already read today are free); omitted: unlimited. */
  reads?: number;
  /** Expected reads a cycle may average, for the stretch estimate (X); omitted: `reads`. */
  readsPerCycle?: number;
}

export interface ValuePlan {
  due: TrackedPost[];
  /** The stretch applied (0: every class at its own interval). */
  stretch: number;
  /** Due posts left out because the cycle's allowance ran out. */
  deferred: number;
}

const HOUR = 3_600_000;
const CLASSES = 5;

export const valueClassOf = (post: ValueCandidate, now: number): number => {
  const h = post.history;
  const age = now - post.publishedMs;
  if (!h) return age < DAY_MS ? 0 : 3; // never observed changing: treat as moving while hot
  const sinceChange = now - h.changedAt;
  if (age < DAY_MS && sinceChange < HOUR) return 0;
  if (sinceChange < 6 * HOUR) return h.kol ? 1 : 2;
  return h.kol ? 3 : 4;
};

const baseExponent = (cls: number, post: ValueCandidate, now: number, policy: RefreshPolicy): number => {
  const ageExp = Math.log2(refreshIntervalCycles(now - post.publishedMs, policy));
  switch (cls) {
    case 0:
      return 0;
    case 1:
      return 1;
    case 2:
      return 2;
    case 3:
      return Math.max(3, ageExp);
    default:
      return Math.max(4, ageExp + 1);
  }
};

/** Class c's extra exponent at stretch s: the least valuable class stretches first. */
const extraOf = (cls: number, stretch: number) => Math.max(0, stretch - (CLASSES - 1 - cls));

/** A post's place among equals this cycle: changes every cycle, so a short budget defers different posts each time. */
const turnOf = (postId: string, cycle: number): number =>
  createHash('sha1').update(`${postId}#${cycle}`).digest().readUInt32BE(0);

interface Scored {
  post: ValueCandidate;
  cls: number;
  base: number;
  readFree: boolean;
}

/** Expected posts refreshed and reads charged per cycle at a stretch. */
const expectedCost = (scored: readonly Scored[], stretch: number, cyclesPerDay: number) => {
  let posts = 0;
  let reads = 0;
  for (const s of scored) {
    const interval = 2 ** (s.base + extraOf(s.cls, stretch));
    posts += 1 / interval;
    if (!s.readFree) reads += 1 / Math.max(interval, cyclesPerDay);
  }
  // Less than one post (or read) a cycle on average fits any allowance that has room for one.
  return { posts: Math.floor(posts), reads: Math.floor(reads) };
};

/**
 * Chooses the posts to refresh this cycle. `policy.periodMs` is the schedule; `batch` the adapter's ids
 * per refresh request.
 */
export const planValueRefreshes = (
  candidates: readonly ValueCandidate[],
  now: number,
  policy: RefreshPolicy,
  batch: number,
  allowance: RefreshAllowance,
): ValuePlan => {
  const today = new Date(now).toISOString().slice(0, 10);
  const cyclesPerDay = Math.max(1, Math.round(DAY_MS / policy.periodMs));
  const scored: Scored[] = candidates.map((post) => {
    const cls = valueClassOf(post, now);
    return {
      post,
      cls,
      base: baseExponent(cls, post, now, policy),
      readFree: post.history?.readDay === today,
    };
  });
  const readsPerCycle = allowance.readsPerCycle ?? allowance.reads ?? Number.POSITIVE_INFINITY;
  let stretch = 0;
  for (; stretch < 40; stretch++) {
    const cost = expectedCost(scored, stretch, cyclesPerDay);
    if (cost.posts <= Math.max(allowance.requests, 0) * batch && cost.reads <= readsPerCycle) break;
  }
  const cycle = cycleIndexAt(now, policy.periodMs);
  const due = scored
    .filter((s) => {
      const interval = 2 ** Math.min(30, s.base + extraOf(s.cls, stretch));
      return interval === 1 || slotOf(s.post.postId) % interval === cycle % interval;
    })
    .map((s) => ({ ...s, turn: turnOf(s.post.postId, cycle) }))
    .sort((a, b) => a.cls - b.cls || Number(b.readFree) - Number(a.readFree) || a.turn - b.turn);
  const chosen: TrackedPost[] = [];
  let reads = allowance.reads ?? Number.POSITIVE_INFINITY;
  const maxPosts = Math.max(0, allowance.requests) * batch;
  for (const s of due) {
    if (chosen.length >= maxPosts) break;
    if (!s.readFree) {
      if (reads < 1) continue;
      reads -= 1;
    }
    chosen.push({ postId: s.post.postId, publishedAt: s.post.publishedAt, publishedMs: s.post.publishedMs });
  }
  return { due: chosen, stretch, deferred: due.length - chosen.length };
};
