import { QuotaExhaustedError } from '../../shared/platforms/adapter';
import { type Cycle, queueObservations, quotaSpent } from './cycle';
import { isPlatformFailure } from './gate';
import type { TrackedPost } from './tracked';

/**
 * Refreshes the due posts in batches of the adapter's `maxRefreshBatch` ids, hot posts first, leaving
 * `keep` requests of the budget for the late re-reads.
 */
export const refreshPosts = async (cycle: Cycle, due: readonly TrackedPost[], keep = 0): Promise<void> => {
  const batchSize = cycle.adapter.maxRefreshBatch;
  for (let i = 0; i < due.length; i += batchSize) {
    if (keep > 0 && cycle.gate.budgetLeft() - 1 < keep) {
      cycle.summary.stoppedReason = 'budget';
      return;
    }
    const ids = due.slice(i, i + batchSize).map((p) => p.postId);
    const reads = cycle.sent?.unreadToday(ids, cycle.clock.now()) ?? ids.length;
    if (!cycle.spend.affords('lookup', { requests: 1, reads: cycle.spend.countsReads ? reads : 0 })) {
      cycle.summary.deferred += due.length - i;
      if (cycle.summary.stoppedReason === 'complete') cycle.summary.stoppedReason = 'budget';
      return;
    }
    await refreshBatch(cycle, ids);
  }
};

/** A failed batch is counted and logged; its posts are refreshed again in a later cycle. */
const refreshBatch = async (cycle: Cycle, ids: string[]): Promise<void> => {
  const callsBefore = cycle.gate.apiCalls;
  try {
    const result = await cycle.gate.call((signal) => cycle.adapter.refresh(ids, signal), 1, 'lookup');
    const returned = result.observations.map((o) => o.postId);
    cycle.spend.charge('lookup', {
      requests: cycle.gate.apiCalls - callsBefore,
      reads: cycle.sent?.unreadToday(returned, cycle.clock.now()) ?? returned.length,
    });
    cycle.summary.refreshCalls++;
    cycle.summary.refreshed += result.observations.length;
    cycle.summary.missing += result.missing.length;
    await queueObservations(cycle, result.observations, result.rejects);
  } catch (e) {
    if (e instanceof QuotaExhaustedError) {
      cycle.spend.charge('lookup', { requests: cycle.gate.apiCalls - callsBefore, reads: 0 });
      quotaSpent(cycle, e);
      return;
    }
    if (!isPlatformFailure(e)) throw e;
    cycle.summary.failures.push(`refresh of ${ids.length} posts: ${e.message}`);
    cycle.log('error', 'refresh batch failed; its posts are refreshed again in a later cycle', {
      posts: ids.length,
      error: e.message,
    });
  }
};
