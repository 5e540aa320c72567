import { type BudgetInputs, closeBudget, openBudget, sentFilterOf } from './budget-cycle';
import { saveCheckpoint } from './checkpoint';
import { clockMsOf } from './clock';
import { type Cycle, flushRejects, type PollCycleDeps, type PollCycleInput } from './cycle';
import { CycleStop, RequestGate } from './gate';
import { lateLayers, planLateReads, readLatePosts } from './late-read';
import { planRefreshes, planSearches, type RefreshPlan, type SearchPlan } from './plan';
import { loadQueryRuns, type QueryRun } from './query-run';
import { refreshPosts } from './refresh';
import { searchQueries } from './search';
import { SendFailedError } from './sender';
import { emptySummary, type PollSummary } from './summary';

export type { PollCycleDeps, PollCycleInput, PollLog, PollStores } from './cycle';
export { emptySummary, type PollStopReason, type PollSummary } from './summary';
export { DEFAULT_TUNING, type PollTuning } from './tuning';

/**
 * One poll cycle of one platform: search every active campaign query from its cursor (round-robin, one page
 * per query per round, within the search share of the budget), then refresh the tracked posts that are due.
 * Observations go to the events queue; cursors and resume points are saved only after what they cover is
 * on the queue. Any stop (deadline, budget, rate limit, platform down) ends in the same orderly checkpoint.
 */
export const runPollCycle = async (deps: PollCycleDeps, input: PollCycleInput): Promise<PollSummary> => {
  const startedAt = deps.clock.now();
  const searches = planSearches(deps, startedAt, input.backfillSince);
  const runs = await loadQueryRuns(deps.stores.cursors, searches.queries, searches.backfill, deps.log);
  const lateRuns = planLateReads(runs, lateLayers(deps.platform, deps.settings, searches.periodMs), {
    ...searches,
    now: startedAt,
  });
  const budget = await openBudget(deps, startedAt, searches.periodMs);
  const refreshes = await planRefreshes(deps, startedAt, searches, lateRuns.length > 0, budget);
  const cycle = openCycle(deps, input, startedAt, searches, refreshes, budget);
  try {
    await untilStopped(cycle, async () => {
      await searchQueries(cycle, runs, searches, refreshes.searchAllowance);
      await saveCheckpoint(cycle, runs);
      await refreshPosts(cycle, refreshes.due, refreshes.lateReserve);
      await readLatePosts(cycle, lateRuns, searches.cycleIndex, lateAllowance(cycle, refreshes.lateReserve));
    });
    await saveCheckpoint(cycle, runs);
  } catch (e) {
    if (!(e instanceof SendFailedError)) throw e;
    sendFailed(cycle, e);
  } finally {
    await flushRejects(cycle);
    await closeBudget(deps, cycle, startedAt);
  }
  return finalSummary(cycle, runs);
};

const openCycle = (
  deps: PollCycleDeps,
  input: PollCycleInput,
  startedAt: number,
  searches: SearchPlan,
  refreshes: RefreshPlan,
  budget: BudgetInputs,
): Cycle => ({
  platform: deps.platform,
  pollId: input.pollId,
  adapter: deps.adapter,
  clock: deps.clock,
  log: deps.log,
  gate: new RequestGate({
    ...deps.tuning,
    adapter: deps.adapter,
    clock: deps.clock,
    budget: deps.settings.maxRequestsPerCycle,
    // The Lambda deadline is real time; on the twin's sped-up clock it lies further off.
    deadline: startedAt + clockMsOf(deps.clock, input.remainingTimeMs - deps.tuning.safetyMarginMs),
  }),
  sender: deps.stores.openSender(input.pollId),
  rejects: deps.stores.openRejects(input.pollId),
  cursors: deps.stores.cursors,
  spend: budget.spend,
  // A backfill re-sends what it reads: it exists to recover observations lost after they were sent.
  sent: searches.backfill ? undefined : sentFilterOf(deps, startedAt, budget),
  records: deps.stores.records,
  summary: {
    ...emptySummary(deps.platform, input.pollId, 'complete'),
    activeCampaigns: searches.campaigns,
    queries: searches.queries.length,
    tracked: refreshes.tracked,
    due: refreshes.due.length,
    deferred: refreshes.deferred,
    ...(searches.backfill ? { backfill: searches.backfill } : {}),
  },
});

/** Late re-reads get their reserve (at least one page), never more than the budget has left. */
const lateAllowance = (cycle: Cycle, reserve: number): number =>
  cycle.gate.apiCalls +
  Math.min(cycle.gate.budgetLeft(), Math.max(reserve, cycle.adapter.searchPageRequests ?? 1));

/** Runs the cycle's work; a CycleStop ends it early, and the cycle resumes from its checkpoint next time. */
const untilStopped = async (cycle: Cycle, work: () => Promise<void>): Promise<void> => {
  try {
    await work();
  } catch (e) {
    if (!(e instanceof CycleStop)) throw e;
    cycle.summary.stoppedReason = e.reason;
    cycle.log('warn', 'poll cycle stopped early; it resumes next cycle', {
      reason: e.reason,
      detail: e.message,
    });
  }
};

/** Nothing past the last saved checkpoint is marked as read, so the next cycle re-reads it. */
const sendFailed = (cycle: Cycle, error: SendFailedError): void => {
  cycle.summary.stoppedReason = 'send-failed';
  cycle.summary.failures.push(error.message);
  cycle.log('error', 'sending to the events queue failed; cursors were not advanced', {
    error: error.message,
  });
};

const finalSummary = (cycle: Cycle, runs: readonly QueryRun[]): PollSummary => ({
  ...cycle.summary,
  searchesResumable: runs.filter((r) => r.pageToken !== undefined).length,
  lateReadsResumable: runs.filter((r) => r.late.running !== undefined).length,
  apiCalls: cycle.gate.apiCalls,
  observationsSent: cycle.sender.stats.observationsSent,
  messagesSent: cycle.sender.stats.messagesSent,
  sendCalls: cycle.sender.stats.sendCalls,
});
