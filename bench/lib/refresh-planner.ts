import { duePosts, type RefreshPolicy, type TrackedPost } from '../../functions/poll/tracked';
import { DEFAULT_TUNING } from '../../functions/poll/tuning';
import { planValueRefreshes } from '../../functions/poll/value';
import type { Platform } from '../../shared/platform';

/**
 * Which tracked posts a poll cycle refreshes, given at most `budget` post refreshes this cycle: the seam where
 * a refresh policy plugs into the week replay. The shipped age-only policy is `ageOnlyPlanner`; a value-based
 * planner (counters still moving first, roster KOLs before voices) plugs in with the same signature and gets
 * each post's history from `history`.
 */
export interface PlannerContext {
  platform: Platform;
  now: number;
  /** Post refreshes this cycle may make (the request budget times the platform's refresh batch size). */
  budget: number;
  policy: RefreshPolicy;
  history: (postId: string) => PostHistory | undefined;
}

export interface PostHistory {
  /** When the poller last read the post's counters (search or refresh). */
  lastObservedMs: number;
  /** When a read last found counters different from the read before it. */
  lastChangedMs: number;
  /** Whether the author is a roster KOL of some campaign. */
  roster: boolean;
}

export type RefreshPlanner = (tracked: readonly TrackedPost[], context: PlannerContext) => TrackedPost[];

/**
 * Today's policy, as functions/poll/plan.ts runs it: the due posts by age (`duePosts`: hot posts every
 * cycle, a post aged d days every 2^d cycles up to the 6-hour cap), newest first, cut at the budget.
 */
export const ageOnlyPlanner: RefreshPlanner = (tracked, { now, budget, policy }) =>
  duePosts(tracked, now, policy).slice(0, budget);

/**
 * The shipped value planner (functions/poll/value.ts) as the poller runs it: every tracked post is a
 * candidate, with its history (when its counters last changed, roster or not); the budget is in posts, so
 * one post per "request". A post never observed changing counts from its first read, as the poller's post
 * record does (the first observation is always sent).
 */
export const valuePlanner: RefreshPlanner = (tracked, { now, budget, policy, history }) =>
  planValueRefreshes(
    tracked.map((post) => {
      const h = history(post.postId);
      return h && h.lastObservedMs > 0
        ? { ...post, history: { changedAt: h.lastChangedMs || h.lastObservedMs, changes: 1, kol: h.roster } }
        : post;
    }),
    now,
    policy,
    1,
    { requests: budget },
  ).due.slice(0, budget);

/** The shipped refresh policy at a schedule period: the poller's default tuning. */
export const shippedPolicy = (periodMs: number): RefreshPolicy => ({
  periodMs,
  maxIntervalMs: DEFAULT_TUNING.maxRefreshIntervalMs,
});

/** Requests a cycle keeps for refreshing while searches want pages: maxRequestsPerCycle (300) x refreshShare. */
export const DEFAULT_REFRESH_REQUESTS_PER_CYCLE = Math.floor(300 * DEFAULT_TUNING.refreshShare);
