import { GRACE_DAYS } from './campaigns';

export interface PollTuning {
  /** Time kept free before the Lambda deadline for sending the last messages and saving cursors. */
  safetyMarginMs: number;
  /** Retries of one operation after TransientPlatformError. */
  maxTransientRetries: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Waits for a rate-limit window in one operation before the cycle gives up. */
  maxRateLimitWaits: number;
  /** Wait after a 429 that carries no reset time (full jitter up to this). */
  rateLimitFallbackMs: number;
  /** Operations failing in a row (after their retries) before the platform is considered down. */
  maxConsecutiveFailures: number;
  /** Share of the request budget kept for refreshing tracked posts while searches still want pages. */
  refreshShare: number;
  /** Share of the request budget kept for late re-reads while one is under way (at least one page). */
  lateReadShare: number;
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
  lateReadShare: 0.1,
  maxRefreshIntervalMs: 6 * 3_600_000,
  graceDays: GRACE_DAYS,
  sendMaxAttempts: 5,
  maxMessageBytes: 256 * 1024,
};
