import { INSTAGRAM_HASHTAGS_PER_7_DAYS } from '../../shared/budget';
import type { Campaign, KolPulseConfig } from '../../shared/config';
import { addDays, dayOf } from '../../shared/time';
import { rateToMs } from '../../shared/topology';
import { activeCampaigns, campaignHashtags, earliestStart } from './campaigns';
import type { PollCycleDeps, PollStores } from './cycle';
import type { CycleBudget } from './cycle-budget';
import type { PostRecord } from './post-records';
import { cycleIndexAt, duePosts, type TrackedPost } from './tracked';
import { planValueRefreshes, type ValueCandidate } from './value';

type PlanDeps = Pick<PollCycleDeps, 'config' | 'settings' | 'adapter' | 'tuning'>;

/** What the cycle searches for. */
export interface SearchPlan {
  /** Set for a one-off backfill: the instant it re-reads from. */
  backfill: string | undefined;
  campaigns: number;
  queries: string[];
  /** Earliest instant any campaign is interested in; searches stop there. */
  notBefore: string | undefined;
  /** How far behind its cursor each search re-reads, for posts the platform indexes late. */
  overlapMs: number;
  /** The cycle's number by wall time: the first query of the round-robin rotates with it. */
  cycleIndex: number;
  /** The schedule's period. */
  periodMs: number;
}

/** What the cycle refreshes, and how much of the request budget that leaves for searching. */
export interface RefreshPlan {
  tracked: number;
  due: TrackedPost[];
  /** Requests searches may make; the rest is kept for refreshing the due posts and for late re-reads. */
  searchAllowance: number;
  /** Requests refresh leaves for the late re-reads. */
  lateReserve: number;
  /** Due posts the budget could not pay for (value planner only). */
  deferred: number;
}

/** The budget and post histories the value planner chooses with; without records refresh is age-only. */
export interface RefreshInputs {
  spend: CycleBudget;
  records: Map<string, PostRecord> | undefined;
}

/** A tracked post with the poller's record of it, for the value planner. */
const withHistory = (post: TrackedPost, records: Map<string, PostRecord>): ValueCandidate => {
  const r = records.get(post.postId);
  return r
    ? {
        ...post,
        history: {
          changedAt: r.changedAt,
          changes: r.changes,
          kol: r.kol,
          ...(r.readDay ? { readDay: r.readDay } : {}),
        },
      }
    : post;
};

/** Campaigns running at some point between the backfill's `since` and now. */
const backfillCampaigns = (
  config: KolPulseConfig,
  since: string,
  now: number,
  graceDays: number,
): Campaign[] =>
  config.campaigns.filter(
    (c) =>
      c.start <= dayOf(now, c.timeZone) &&
      (c.end === undefined || addDays(c.end, graceDays) >= dayOf(since, c.timeZone)),
  );

/** The active campaigns' queries (or, for a backfill, those of the campaigns running since then). */
export const planSearches = (deps: PlanDeps, now: number, backfill: string | undefined): SearchPlan => {
  const { config, settings, adapter, tuning } = deps;
  const campaigns = backfill
    ? backfillCampaigns(config, backfill, now, tuning.graceDays)
    : activeCampaigns(config, now, tuning.graceDays);
  // Instagram: at most 30 unique hashtags per business account per rolling 7 days; the tags are sorted, so
  // every cycle queries the same 30 while the configuration stays the same.
  const all = campaignHashtags(campaigns);
  const tags = adapter.platform === 'instagram' ? all.slice(0, INSTAGRAM_HASHTAGS_PER_7_DAYS) : all;
  const periodMs = rateToMs(settings.schedule);
  return {
    backfill,
    campaigns: campaigns.length,
    queries: tags.length > 0 ? adapter.buildQueries(tags) : [],
    notBefore: backfill ?? earliestStart(campaigns),
    overlapMs: backfill ? 0 : settings.overlapMinutes * 60_000,
    cycleIndex: cycleIndexAt(now, periodMs),
    periodMs,
  };
};

/**
 * The tracked posts due this cycle (none for a backfill). While searches want pages, refresh keeps
 * `min(batches due, refreshShare of the budget)`; with no search at all it keeps what it needs. While a
 * late re-read is under way, `lateReadShare` of the budget is kept for it, out of the search's part.
 */
export const planRefreshes = async (
  deps: PlanDeps & { stores: Pick<PollStores, 'trackedPosts'> },
  now: number,
  search: SearchPlan,
  lateReadPending = false,
  inputs?: RefreshInputs,
): Promise<RefreshPlan> => {
  const { settings, adapter, tuning } = deps;
  const tracked = search.backfill ? [] : await deps.stores.trackedPosts(now, settings.trackingDays);
  const policy = { periodMs: rateToMs(settings.schedule), maxIntervalMs: tuning.maxRefreshIntervalMs };
  const lateReserve = lateReadPending ? Math.floor(settings.maxRequestsPerCycle * tuning.lateReadShare) : 0;
  let due: TrackedPost[];
  let deferred = 0;
  if (inputs?.records) {
    const searching = search.queries.length > 0;
    const pageCost = adapter.searchPageRequests ?? 1;
    const requests = Math.min(
      // searches are paid first: one page of each shared quota is kept for them
      inputs.spend.remaining('lookup', { requests: 1, reads: 0 }) - (searching ? pageCost : 0),
      searching
        ? Math.floor(settings.maxRequestsPerCycle * tuning.refreshShare)
        : settings.maxRequestsPerCycle - lateReserve,
    );
    const plan = planValueRefreshes(
      tracked.map((p) => withHistory(p, inputs.records ?? new Map())),
      now,
      policy,
      adapter.maxRefreshBatch,
      { requests: Math.max(0, requests), reads: inputs.spend.remainingReads() },
    );
    due = plan.due;
    deferred = plan.deferred;
  } else {
    due = duePosts(tracked, now, policy);
  }
  const callsNeeded = Math.ceil(due.length / adapter.maxRefreshBatch);
  const reserve =
    search.queries.length === 0
      ? callsNeeded
      : Math.min(callsNeeded, Math.floor(settings.maxRequestsPerCycle * tuning.refreshShare));
  return {
    tracked: tracked.length,
    due,
    searchAllowance: settings.maxRequestsPerCycle - reserve - lateReserve,
    lateReserve,
    deferred,
  };
};
