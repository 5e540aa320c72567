import type { Platform } from '../platform';
import { type CampaignEvent, EVENT_VERSION, eventIdOf } from './schemas';

/**
 * Builders of the events the poller side publishes (docs/events.md). Each id is deterministic: a retried
 * invocation (same poll id) or a recomputed budget reading of the same period and threshold repeats it.
 */

export interface BudgetReading {
  platform: Platform;
  /** Which budget, e.g. `x-post-reads-month`, `youtube-units-day`. */
  budget: string;
  /** The budget's period, e.g. `2026-11` or `2026-11-30`. */
  period: string;
  used: number;
  limit: number;
}

/** Default share of a budget at which BudgetNearlySpent fires. */
export const BUDGET_WARNING_SHARE = 0.8;

/**
 * BudgetNearlySpent when `used / limit` reached `threshold`, else nothing. One event per (budget, period,
 * threshold): the id leaves out `used`, so every later reading of the same period repeats the same id.
 */
export const budgetNearlySpentEvent = (
  reading: BudgetReading,
  stage: string,
  nowMs: number,
  threshold = BUDGET_WARNING_SHARE,
): CampaignEvent | undefined => {
  const ratio = reading.used / reading.limit;
  if (!(reading.limit > 0) || ratio < threshold) return undefined;
  return {
    detailType: 'BudgetNearlySpent',
    detail: {
      eventId: eventIdOf(
        'BudgetNearlySpent',
        stage,
        reading.platform,
        reading.budget,
        reading.period,
        threshold,
      ),
      version: EVENT_VERSION,
      stage,
      emittedAt: new Date(nowMs).toISOString(),
      ...reading,
      ratio,
      threshold,
    },
  };
};

/** The part of a poll summary that says whether the poller is behind. */
export interface PollOutcome {
  platform: Platform;
  pollId: string;
  stoppedReason: string;
  searchesResumable: number;
  lateReadsResumable: number;
  failures: readonly string[];
}

/**
 * PollerFallingBehind when a cycle stopped before finishing (deadline, budget, rate limit, platform down) or
 * left searches to resume: posts wait for a later cycle. A complete or disabled cycle is not behind.
 */
export const pollerBehindEvent = (
  summary: PollOutcome,
  stage: string,
  nowMs: number,
): CampaignEvent | undefined => {
  const stoppedEarly = summary.stoppedReason !== 'complete' && summary.stoppedReason !== 'disabled';
  if (!stoppedEarly && summary.searchesResumable === 0) return undefined;
  return {
    detailType: 'PollerFallingBehind',
    detail: {
      eventId: eventIdOf('PollerFallingBehind', stage, summary.pollId),
      version: EVENT_VERSION,
      stage,
      emittedAt: new Date(nowMs).toISOString(),
      platform: summary.platform,
      pollId: summary.pollId,
      stoppedReason: summary.stoppedReason,
      searchesResumable: summary.searchesResumable,
      lateReadsResumable: summary.lateReadsResumable,
      failures: summary.failures.length,
    },
  };
};
