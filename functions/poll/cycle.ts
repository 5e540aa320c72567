import type { KolPulseConfig, PlatformSettings } from '../../shared/config';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import type { PlatformAdapter, QuotaExhaustedError, RejectedItem } from '../../shared/platforms/adapter';
import type { BudgetLedger } from './budget-ledger';
import type { Clock } from './clock';
import type { CursorItems } from './cursors';
import type { CycleBudget } from './cycle-budget';
import type { RequestGate } from './gate';
import type { PostRecordStore, SentFilter } from './post-records';
import type { RejectStore } from './rejects';
import type { ObservationSender } from './sender';
import type { PollSummary } from './summary';
import type { TrackedPost } from './tracked';
import type { PollTuning } from './tuning';

export type PollLog = (
  level: 'info' | 'warn' | 'error',
  message: string,
  extra?: Record<string, unknown>,
) => void;

/**
 * Where a cycle reads and writes, built once per Lambda process. Reject records and the sender collect one
 * poll's items under its id, so each cycle opens its own from the factories.
 */
export interface PollStores {
  cursors: CursorItems;
  /** Tracked posts of the platform published within `trackingDays` of `now`, newest first. */
  trackedPosts(now: number, trackingDays: number): Promise<TrackedPost[]>;
  openRejects(pollId: string): RejectStore;
  openSender(pollId: string): ObservationSender;
  /** The platform's budget ledger; without one the budget's quotas are not paced (tests). */
  budget?: BudgetLedger;
  /** The poller's per-post records; without them every observation is sent and refresh is age-only. */
  records?: PostRecordStore;
}

/** What one cycle of one platform runs with. */
export interface PollCycleDeps {
  platform: Platform;
  config: KolPulseConfig;
  settings: PlatformSettings;
  adapter: PlatformAdapter;
  stores: PollStores;
  clock: Clock;
  tuning: PollTuning;
  log: PollLog;
}

export interface PollCycleInput {
  pollId: string;
  /** Lambda `context.getRemainingTimeInMillis()` at the start of the invocation. */
  remainingTimeMs: number;
  /** One-off re-read of every campaign query from this instant, with its own resume points. */
  backfillSince?: string;
}

/** The services of one running cycle, and the summary its steps add their counts to. */
export interface Cycle {
  platform: Platform;
  pollId: string;
  adapter: PlatformAdapter;
  clock: Clock;
  log: PollLog;
  gate: RequestGate;
  sender: ObservationSender;
  rejects: RejectStore;
  cursors: CursorItems;
  summary: PollSummary;
  /** This cycle's share of the platform's budget. */
  spend: CycleBudget;
  /** Drops observations equal to the last one sent for their post; undefined without a record store. */
  sent: SentFilter | undefined;
  records: PostRecordStore | undefined;
}

export const OVERSIZED_REASON = 'observation larger than an SQS message';

/**
 * Hands observations to the sender and records what cannot be delivered: the items the adapter rejected,
 * observations too large for any SQS message, and observations SQS refused on their own.
 */
export const queueObservations = async (
  cycle: Cycle,
  observations: readonly Observation[],
  adapterRejects: readonly RejectedItem[],
): Promise<void> => {
  const toSend = cycle.sent ? cycle.sent.filter(observations, cycle.clock.now()) : observations;
  const oversized = await cycle.sender.add(toSend);
  recordRejects(cycle, [
    ...adapterRejects,
    ...oversized.map((item) => ({ platform: cycle.platform, reason: OVERSIZED_REASON, item })),
  ]);
};

const recordRejects = (cycle: Cycle, rejects: readonly RejectedItem[]): void => {
  const refused = cycle.sender.takeUndeliverable().map(({ item, reason }) => ({
    platform: cycle.platform,
    reason,
    item,
  }));
  const all = [...rejects, ...refused];
  cycle.rejects.add(all);
  cycle.summary.rejects += all.length;
};

/** Writes the cycle's reject records; losing some is logged, never fatal (the observations went out). */
export const flushRejects = async (cycle: Cycle): Promise<void> => {
  recordRejects(cycle, []);
  const lost = await cycle.rejects.flush();
  if (lost.length > 0)
    cycle.log('error', 'could not record rejected items', { count: lost.length, reasons: lost.slice(0, 10) });
};

/** The platform said a quota is spent: work drawing on it stops for the period; the rest goes on. */
export const quotaSpent = (cycle: Cycle, error: QuotaExhaustedError): void => {
  cycle.spend.exhaust(error.quota);
  if (!cycle.summary.quotaStops.includes(error.quota)) cycle.summary.quotaStops.push(error.quota);
  cycle.log('warn', 'a quota of the platform is spent; work drawing on other quotas goes on', {
    quota: error.quota,
    until: error.retryAt === undefined ? undefined : new Date(error.retryAt).toISOString(),
    error: error.message,
  });
};
