import { PermanentPlatformError, type SearchPage } from '../../shared/platforms/adapter';
import { type Cycle, queueObservations } from './cycle';
import { isPlatformFailure } from './gate';
import type { SearchPlan } from './plan';
import {
  completeSearch,
  continueOnPage,
  mayRestartFromCursor,
  type QueryRun,
  restartFromCursor,
} from './query-run';

const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.length === 0 ? [] : [...items.slice(by % items.length), ...items.slice(0, by % items.length)];

/**
 * Pages every search back to its cursor, round-robin (one page per query per round, so one busy query
 * cannot starve the others), within `allowance` requests. When the allowance runs out first, the cycle
 * reports 'budget' unless a later stop gives another reason.
 */
export const searchQueries = async (
  cycle: Cycle,
  runs: readonly QueryRun[],
  plan: SearchPlan,
  allowance: number,
): Promise<void> => {
  const cost = cycle.adapter.searchPageRequests ?? 1;
  const order = rotate(runs, plan.cycleIndex);
  for (;;) {
    const pending = order.filter((r) => !r.done);
    if (pending.length === 0) return;
    for (const run of pending) {
      if (run.done) continue;
      if (cycle.gate.apiCalls + cost > allowance) {
        cycle.summary.stoppedReason = 'budget';
        return;
      }
      await searchOnePage(cycle, run, plan, cost);
    }
  }
};

const searchOnePage = async (cycle: Cycle, run: QueryRun, plan: SearchPlan, cost: number): Promise<void> => {
  let page: SearchPage;
  try {
    page = await cycle.gate.call(
      (signal) =>
        cycle.adapter.searchPage({
          query: run.query,
          since: run.since,
          overlapMs: plan.overlapMs,
          notBefore: plan.notBefore,
          pageToken: run.pageToken,
          signal,
        }),
      cost,
    );
  } catch (e) {
    if (!isPlatformFailure(e)) throw e;
    searchFailed(cycle, run, e);
    return;
  }
  cycle.summary.pages++;
  cycle.summary.searchObservations += page.observations.length;
  run.newest ??= page.newest;
  await queueObservations(cycle, page.observations, page.rejects);
  if (page.nextPageToken) {
    continueOnPage(run, page.nextPageToken);
    return;
  }
  cycle.summary.searchesCompleted++;
  completeSearch(run, plan.backfill !== undefined);
};

/** A rejected resume point restarts the search from its cursor; any other failure leaves it for next cycle. */
const searchFailed = (cycle: Cycle, run: QueryRun, error: Error): void => {
  if (error instanceof PermanentPlatformError && mayRestartFromCursor(run)) {
    cycle.log('warn', 'resume point rejected; restarting the search from its cursor', {
      query: run.query,
      error: error.message,
    });
    restartFromCursor(run);
    return;
  }
  // The cursor (and resume point) stay where they are: the next cycle re-reads this page.
  run.done = true;
  cycle.summary.failures.push(`search "${run.query}": ${error.message}`);
  cycle.log('error', 'search failed; its cursor is kept for the next cycle', {
    query: run.query,
    error: error.message,
  });
};
