import {
  PermanentPlatformError,
  QuotaExhaustedError,
  type SearchPage,
  type SearchRequest,
} from '../../shared/platforms/adapter';
import { type Cycle, queueObservations, quotaSpent } from './cycle';
import { isPlatformFailure } from './gate';
import type { SearchPlan } from './plan';
import {
  completeSearch,
  continueOnPage,
  mayRestartFromCursor,
  newerCursor,
  type QueryRun,
  restartFromCursor,
} from './query-run';

const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.length === 0 ? [] : [...items.slice(by % items.length), ...items.slice(0, by % items.length)];

/**
 * Reads one page of each unfinished item per round (the first item rotating with the cycle), so one busy
 * query cannot starve the others, while the allowance lasts. Returns false when the allowance ran out first.
 * Paging ends only when an item is done (its adapter returned no next page): the poller never stops on
 * publish times itself, so a feed that is not in time order is read as far as its adapter pages it.
 */
export const pageRoundRobin = async <T extends { done: boolean }>(
  cycle: Cycle,
  items: readonly T[],
  cycleIndex: number,
  allowance: number,
  readPage: (item: T, cost: number) => Promise<void>,
): Promise<boolean> => {
  const cost = cycle.adapter.searchPageRequests ?? 1;
  const reads = cycle.spend.countsReads;
  const expected = { requests: cost, reads: reads ? 1 : 0 };
  const worst = { requests: cost, reads: reads ? cycle.adapter.maxPageSize : 0 };
  const order = rotate(items, cycleIndex);
  for (;;) {
    const pending = order.filter((r) => !r.done);
    if (pending.length === 0) return true;
    for (const item of pending) {
      if (item.done) continue;
      if (cycle.gate.apiCalls + cost > allowance) return false;
      // The budget's search share is spent (or a search quota is): refresh still gets its own share.
      if (!cycle.spend.affords('search', expected, worst)) return false;
      await readPage(item, cost);
    }
  }
};

/**
 * Pages every search back to its cursor, round-robin, within `allowance` requests. When the allowance runs
 * out first, the cycle reports 'budget' unless a later stop gives another reason.
 */
export const searchQueries = async (
  cycle: Cycle,
  runs: readonly QueryRun[],
  plan: SearchPlan,
  allowance: number,
): Promise<void> => {
  const finished = await pageRoundRobin(cycle, runs, plan.cycleIndex, allowance, (run, cost) =>
    searchOnePage(cycle, run, plan, cost),
  );
  if (!finished) cycle.summary.stoppedReason = 'budget';
};

/** One search page through the gate; a platform failure goes to `failed`, and there is no page. */
export const fetchSearchPage = async (
  cycle: Cycle,
  request: Omit<SearchRequest, 'signal'>,
  cost: number,
  failed: (error: Error) => void,
): Promise<SearchPage | undefined> => {
  const callsBefore = cycle.gate.apiCalls;
  try {
    const page = await cycle.gate.call(
      (signal) => cycle.adapter.searchPage({ ...request, signal }),
      cost,
      'search',
    );
    const reads = cycle.sent?.unreadToday(
      page.observations.map((o) => o.postId),
      cycle.clock.now(),
    );
    cycle.spend.charge('search', {
      requests: cycle.gate.apiCalls - callsBefore,
      reads: reads ?? page.observations.length,
    });
    return page;
  } catch (e) {
    if (e instanceof QuotaExhaustedError) {
      cycle.spend.charge('search', { requests: cycle.gate.apiCalls - callsBefore, reads: 0 });
      quotaSpent(cycle, e);
      return undefined;
    }
    if (!isPlatformFailure(e)) throw e;
    failed(e);
    return undefined;
  }
};

const searchOnePage = async (cycle: Cycle, run: QueryRun, plan: SearchPlan, cost: number): Promise<void> => {
  const request = {
    query: run.query,
    since: run.since,
    overlapMs: plan.overlapMs,
    notBefore: plan.notBefore,
    pageToken: run.pageToken,
  };
  const page = await fetchSearchPage(cycle, request, cost, (e) => searchFailed(cycle, run, e));
  if (!page) return;
  cycle.summary.pages++;
  cycle.summary.searchObservations += page.observations.length;
  // Not every feed is in time order (Instagram's): the next cursor is the newest post of all pages.
  run.newest = newerCursor(run.newest, page.newest);
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
