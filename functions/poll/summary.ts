import type { Platform } from '../../shared/platform';
import type { StopReason } from './gate';

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
  /** Requests of the late re-reads (retries included), their pages, and the observations they read. */
  lateReadCalls: number;
  lateReadPages: number;
  lateReadObservations: number;
  /** Late re-reads that reached their floor this cycle, and those left to resume next cycle. */
  lateReadsCompleted: number;
  lateReadsResumable: number;
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
  /** Observations not sent because they equal the last one sent for their post (no-op observations). */
  suppressed: number;
  /** Quotas the platform reported spent this cycle (the work drawing on them stopped, the rest went on). */
  quotaStops: string[];
  /** Units spent this cycle per quota of the platform's budget. */
  budgetSpent: Record<string, number>;
  /** Each quota's use in its current period after this cycle (empty without a ledger). */
  budgetUse: { name: string; unit: string; period: string; used: number; limit: number }[];
  /** Due posts the refresh budget could not pay for this cycle. */
  deferred: number;
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
  lateReadCalls: 0,
  lateReadPages: 0,
  lateReadObservations: 0,
  lateReadsCompleted: 0,
  lateReadsResumable: 0,
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
  suppressed: 0,
  quotaStops: [],
  budgetSpent: {},
  budgetUse: [],
  deferred: 0,
});
