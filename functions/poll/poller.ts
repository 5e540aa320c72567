import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Campaign, KolPulseConfig, PlatformSettings } from '../../shared/config';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import {
  PermanentPlatformError,
  type PlatformAdapter,
  type RejectedItem,
  type SearchCursor,
  type SearchPage,
  TransientPlatformError,
} from '../../shared/platforms/adapter';
import { addDays, dayOf } from '../../shared/time';
import { rateToMs } from '../../shared/topology';
import { activeCampaigns, campaignHashtags, earliestStart, GRACE_DAYS } from './campaigns';
import type { Clock } from './clock';
import { type CursorState, CursorStore } from './cursors';
import { CycleStop, RequestGate, type StopReason } from './gate';
import { RejectStore } from './rejects';
import { ObservationSender, SendFailedError } from './sender';
import { duePosts, listTrackedPosts, type RefreshPolicy } from './tracked';

export interface PollTuning {
  /** Time kept free before the Lambda deadline for sending the last messages and saving cursors. */
  safetyMarginMs: number;
  maxTransientRetries: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  maxRateLimitWaits: number;
  rateLimitFallbackMs: number;
  maxConsecutiveFailures: number;
  /** Share of the request budget kept for refreshing tracked posts while searches still want pages. */
  refreshShare: number;
  /** Every tracked post is refreshed at least this often. */
  maxRefreshIntervalMs: number;
  graceDays: number;
  sendMaxAttempts: number;
  maxMessageBytes: number;
}

export const DEFAULT_TUNING: PollTuning = {
  safetyMarginMs: 10_000,
  maxTransientRetries: 3,
  backoffBaseMs: 250,
  backoffCapMs: 8_000,
  maxRateLimitWaits: 3,
  rateLimitFallbackMs: 10_000,
  maxConsecutiveFailures: 3,
  refreshShare: 0.5,
  maxRefreshIntervalMs: 6 * 3_600_000,
  graceDays: GRACE_DAYS,
  sendMaxAttempts: 5,
  maxMessageBytes: 256 * 1024,
};

export type PollStopReason = 'complete' | StopReason | 'send-failed' | 'disabled';

export interface PollSummary {
  platform: Platform;
  pollId: string;
  activeCampaigns: number;
  queries: number;
  /** Searches that reached their cursor this cycle (their cursor moved). */
  searchesCompleted: number;
  /** Searches left unfinished with a saved resume point. */
  searchesResumable: number;
  pages: number;
  searchObservations: number;
  tracked: number;
  due: number;
  refreshCalls: number;
  refreshed: number;
  missing: number;
  observationsSent: number;
  messagesSent: number;
  sendCalls: number;
  rejects: number;
  apiCalls: number;
  stoppedReason: PollStopReason;
  /** Operations that failed after their retries; the cycle carried on with the rest. */
  failures: string[];
  backfill?: string;
}

/** A summary with every count at zero. */
export const emptySummary = (
  platform: Platform,
  pollId: string,
  stoppedReason: PollSummary['stoppedReason'],
): PollSummary => ({
  platform,
  pollId,
  activeCampaigns: 0,
  queries: 0,
  searchesCompleted: 0,
  searchesResumable: 0,
  pages: 0,
  searchObservations: 0,
  tracked: 0,
  due: 0,
  refreshCalls: 0,
  refreshed: 0,
  missing: 0,
  observationsSent: 0,
  messagesSent: 0,
  sendCalls: 0,
  rejects: 0,
  apiCalls: 0,
  stoppedReason,
  failures: [],
});

export interface PollCycleDeps {
  platform: Platform;
  config: KolPulseConfig;
  settings: PlatformSettings;
  adapter: PlatformAdapter;
  doc: DynamoDBDocumentClient;
  stateTableName: string;
  sqs: SQSClient;
  eventsQueueUrl: string;
  clock: Clock;
  tuning: PollTuning;
  log: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
}

export interface PollCycleInput {
  pollId: string;
  /** Lambda `context.getRemainingTimeInMillis()` at the start of the invocation. */
  remainingTimeMs: number;
  /** One-off re-read of every campaign query from this instant, with its own resume points. */
  backfillSince?: string;
}

/** Progress of one query's search within a cycle. */
interface QueryRun {
  /** Name of the cursor item (the query, or a backfill-scoped name). */
  name: string;
  query: string;
  since: SearchCursor | undefined;
  /** Next page of the current search; undefined = the current search has not read a page yet. */
  pageToken: string | undefined;
  /** Newest post seen by the current search: the next `since` once it completes. */
  newest: SearchCursor | undefined;
  /** The current search began in this cycle (a resumed one did not). */
  startedThisCycle: boolean;
  restartedAfterStaleToken: boolean;
  complete: boolean;
  done: boolean;
  dirty: boolean;
}

const isPlatformFailure = (e: unknown): e is Error =>
  e instanceof TransientPlatformError ||
  e instanceof PermanentPlatformError ||
  (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'));

/** Keeps the later of two cursors, so re-reading only the overlap can never move a cursor backwards. */
export const laterCursor = (current: SearchCursor | undefined, candidate: SearchCursor | undefined) => {
  if (!candidate) return current;
  if (!current) return candidate;
  const a = current.time ? Date.parse(current.time) : Number.NaN;
  const b = candidate.time ? Date.parse(candidate.time) : Number.NaN;
  return !Number.isNaN(a) && !Number.isNaN(b) && a > b ? current : candidate;
};

const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.length === 0 ? [] : [...items.slice(by % items.length), ...items.slice(0, by % items.length)];

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

/**
 * One poll cycle of one platform: search every active campaign query from its cursor (round-robin, one page
 * per query per round, within the search share of the budget), then refresh the tracked posts that are due.
 * Observations go to the events queue; cursors and resume points are saved only after what they cover is
 * on the queue. Any stop (deadline, budget, rate limit, platform down) ends in the same orderly checkpoint.
 */
export const runPollCycle = async (deps: PollCycleDeps, input: PollCycleInput): Promise<PollSummary> => {
  const { platform, config, settings, adapter, clock, tuning } = deps;
  const startedAt = clock.now();
  const periodMs = rateToMs(settings.schedule);
  const cycleIndex = Math.floor(startedAt / periodMs);
  const backfill = input.backfillSince;

  const campaigns = backfill
    ? backfillCampaigns(config, backfill, startedAt, tuning.graceDays)
    : activeCampaigns(config, startedAt, tuning.graceDays);
  const tags = campaignHashtags(campaigns);
  const queries = tags.length > 0 ? adapter.buildQueries(tags) : [];
  const notBefore = backfill ?? earliestStart(campaigns);
  const overlapMs = backfill ? 0 : settings.overlapMinutes * 60_000;

  const gate = new RequestGate({
    adapter,
    clock,
    budget: settings.maxRequestsPerCycle,
    deadline: startedAt + input.remainingTimeMs - tuning.safetyMarginMs,
    maxTransientRetries: tuning.maxTransientRetries,
    backoffBaseMs: tuning.backoffBaseMs,
    backoffCapMs: tuning.backoffCapMs,
    maxRateLimitWaits: tuning.maxRateLimitWaits,
    rateLimitFallbackMs: tuning.rateLimitFallbackMs,
    maxConsecutiveFailures: tuning.maxConsecutiveFailures,
  });
  const sender = new ObservationSender({
    sqs: deps.sqs,
    queueUrl: deps.eventsQueueUrl,
    platform,
    pollId: input.pollId,
    clock,
    maxMessageBytes: tuning.maxMessageBytes,
    maxAttempts: tuning.sendMaxAttempts,
  });
  const rejects = new RejectStore(deps.doc, deps.stateTableName, input.pollId, clock);
  const cursors = new CursorStore(deps.doc, deps.stateTableName, platform);

  const summary: PollSummary = {
    ...emptySummary(platform, input.pollId, 'complete'),
    activeCampaigns: campaigns.length,
    queries: queries.length,
    ...(backfill ? { backfill } : {}),
  };
  let leftWorkForBudget = false;

  const queueObservations = async (observations: Observation[], pageRejects: RejectedItem[]) => {
    const oversized = await sender.add(observations);
    const tooLarge = oversized.map((item) => ({
      platform,
      reason: 'observation larger than an SQS message',
      item,
    }));
    rejects.add([...pageRejects, ...tooLarge]);
    summary.rejects += pageRejects.length + tooLarge.length;
  };

  // ---- what this cycle has to do --------------------------------------------------------------------
  const runs: QueryRun[] = await Promise.all(
    queries.map(async (query) => {
      const name = backfill ? `backfill@${backfill}@${query}` : query;
      const { state, corrupt } = await cursors.load(name, query);
      if (corrupt)
        deps.log('warn', 'unreadable cursor item: the query restarts from its first page', { query });
      return {
        name,
        query,
        since: backfill ? undefined : state.since,
        pageToken: state.resume?.pageToken,
        newest: state.resume?.newest,
        startedThisCycle: !state.resume,
        restartedAfterStaleToken: false,
        complete: state.complete === true,
        done: state.complete === true,
        dirty: false,
      };
    }),
  );

  const policy: RefreshPolicy = { periodMs, maxIntervalMs: tuning.maxRefreshIntervalMs };
  const tracked = backfill
    ? []
    : await listTrackedPosts(deps.doc, deps.stateTableName, platform, startedAt, settings.trackingDays);
  const due = duePosts(tracked, startedAt, policy);
  summary.tracked = tracked.length;
  summary.due = due.length;
  const refreshCallsNeeded = Math.ceil(due.length / adapter.maxRefreshBatch);
  const refreshReserve =
    runs.length === 0
      ? refreshCallsNeeded
      : Math.min(refreshCallsNeeded, Math.floor(settings.maxRequestsPerCycle * tuning.refreshShare));
  const searchAllowance = settings.maxRequestsPerCycle - refreshReserve;
  const searchCost = adapter.searchPageRequests ?? 1;

  // ---- search ---------------------------------------------------------------------------------------
  const searchOnePage = async (run: QueryRun): Promise<void> => {
    let page: SearchPage;
    try {
      page = await gate.call(
        (signal) =>
          adapter.searchPage({
            query: run.query,
            since: run.since,
            overlapMs,
            notBefore,
            pageToken: run.pageToken,
            signal,
          }),
        searchCost,
      );
    } catch (e) {
      if (!isPlatformFailure(e)) throw e;
      if (e instanceof PermanentPlatformError && !run.startedThisCycle && !run.restartedAfterStaleToken) {
        // A page token saved by an earlier cycle may have expired: start this search over from its cursor.
        deps.log('warn', 'resume point rejected; restarting the search from its cursor', {
          query: run.query,
          error: e.message,
        });
        Object.assign(run, { pageToken: undefined, newest: undefined, startedThisCycle: true, dirty: true });
        run.restartedAfterStaleToken = true;
        return;
      }
      // The cursor (and resume point) stay where they are: the next cycle re-reads this page.
      run.done = true;
      summary.failures.push(`search "${run.query}": ${e.message}`);
      deps.log('error', 'search failed; its cursor is kept for the next cycle', {
        query: run.query,
        error: e.message,
      });
      return;
    }
    summary.pages++;
    summary.searchObservations += page.observations.length;
    run.newest ??= page.newest;
    await queueObservations(page.observations, page.rejects);
    if (page.nextPageToken) {
      run.pageToken = page.nextPageToken;
      run.dirty = true;
      return;
    }
    // The search reached its cursor: what it read becomes the new cursor at the next checkpoint.
    summary.searchesCompleted++;
    run.since = laterCursor(run.since, run.newest);
    Object.assign(run, { pageToken: undefined, newest: undefined, dirty: true });
    if (backfill) {
      run.complete = true;
      run.done = true;
    } else if (run.startedThisCycle) {
      run.done = true;
    } else {
      run.startedThisCycle = true; // a resumed search finished: read what arrived meanwhile, too
    }
  };

  const checkpoint = async () => {
    await sender.flush();
    const dirty = runs.filter((r) => r.dirty);
    await Promise.all(
      dirty.map((r) => {
        const state: CursorState = {
          query: r.query,
          since: r.since,
          resume: r.pageToken ? { pageToken: r.pageToken, newest: r.newest } : undefined,
          complete: r.complete || undefined,
        };
        return cursors.save(r.name, state, input.pollId, clock.now());
      }),
    );
    for (const r of dirty) r.dirty = false;
  };

  const search = async () => {
    const order = rotate(runs, cycleIndex);
    for (;;) {
      const pending = order.filter((r) => !r.done);
      if (pending.length === 0) return;
      for (const run of pending) {
        if (run.done) continue;
        if (gate.apiCalls + searchCost > searchAllowance) {
          leftWorkForBudget = true;
          return;
        }
        await searchOnePage(run);
      }
    }
  };

  const refresh = async () => {
    for (let i = 0; i < due.length; i += adapter.maxRefreshBatch) {
      const ids = due.slice(i, i + adapter.maxRefreshBatch).map((p) => p.postId);
      try {
        const result = await gate.call((signal) => adapter.refresh(ids, signal));
        summary.refreshCalls++;
        summary.refreshed += result.observations.length;
        summary.missing += result.missing.length;
        await queueObservations(result.observations, result.rejects);
      } catch (e) {
        if (!isPlatformFailure(e)) throw e;
        summary.failures.push(`refresh of ${ids.length} posts: ${e.message}`);
        deps.log('error', 'refresh batch failed; its posts are refreshed again in a later cycle', {
          posts: ids.length,
          error: e.message,
        });
      }
    }
  };

  // ---- run, then always end in a checkpoint -------------------------------------------------------
  try {
    try {
      await search();
      await checkpoint();
      await refresh();
    } catch (e) {
      if (!(e instanceof CycleStop)) throw e;
      summary.stoppedReason = e.reason;
      deps.log('warn', 'poll cycle stopped early; it resumes next cycle', {
        reason: e.reason,
        detail: e.message,
      });
    }
    await checkpoint();
  } catch (e) {
    if (!(e instanceof SendFailedError)) throw e;
    // Nothing past the last saved checkpoint is marked as read, so the next cycle re-reads it.
    summary.stoppedReason = 'send-failed';
    summary.failures.push(e.message);
    deps.log('error', 'sending to the events queue failed; cursors were not advanced', { error: e.message });
  } finally {
    const lost = await rejects.flush();
    if (lost.length > 0)
      deps.log('error', 'could not record rejected items', {
        count: lost.length,
        reasons: lost.slice(0, 10),
      });
  }

  if (summary.stoppedReason === 'complete' && leftWorkForBudget) summary.stoppedReason = 'budget';
  summary.searchesResumable = runs.filter((r) => r.pageToken !== undefined).length;
  summary.apiCalls = gate.apiCalls;
  summary.observationsSent = sender.stats.observationsSent;
  summary.messagesSent = sender.stats.messagesSent;
  summary.sendCalls = sender.stats.sendCalls;
  return summary;
};
