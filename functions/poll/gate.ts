import {
  PermanentPlatformError,
  type PlatformAdapter,
  QuotaExhaustedError,
  RateLimitedError,
  type RateLimitState,
  TransientPlatformError,
} from '../../shared/platforms/adapter';
import { type Clock, fullJitterDelay, realMsOf } from './clock';
import type { PollTuning } from './tuning';

/** Why a cycle stopped before finishing its work. */
export type StopReason = 'deadline' | 'budget' | 'rate-limited' | 'platform-unavailable';

/** Thrown by the gate when the cycle must stop; the poller saves its resume points and returns. */
export class CycleStop extends Error {
  override name = 'CycleStop';
  constructor(
    readonly reason: StopReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The endpoint a call is about to use, for adapters that keep rate-limit readings per endpoint (X limits
 * recent search and post lookup apart): a used-up search window does not hold back refreshes.
 */
export type GateEndpoint = 'search' | 'lookup';

/** The tuning the gate applies; the field docs are on PollTuning. */
export type GateTuning = Pick<
  PollTuning,
  | 'maxTransientRetries'
  | 'backoffBaseMs'
  | 'backoffCapMs'
  | 'maxRateLimitWaits'
  | 'rateLimitFallbackMs'
  | 'maxConsecutiveFailures'
>;

export interface GateOptions extends GateTuning {
  adapter: PlatformAdapter;
  clock: Clock;
  /** API requests this cycle may make (every attempt counts, retries included). */
  budget: number;
  /** Epoch ms on the clock after which no request may start (Lambda deadline minus the safety margin). */
  deadline: number;
}

/**
 * Every platform request of a cycle goes through one gate: it keeps the request budget, never starts a
 * request after the deadline, waits out rate-limit windows that fit in the remaining time, retries
 * transient failures with full-jitter backoff, and stops the cycle when the platform looks down.
 */
export class RequestGate {
  apiCalls = 0;
  private consecutiveFailures = 0;

  constructor(private readonly options: GateOptions) {}

  /** Clock ms before the deadline. */
  timeLeft(): number {
    return this.options.deadline - this.options.clock.now();
  }

  budgetLeft(): number {
    return this.options.budget - this.apiCalls;
  }

  /**
   * Runs one platform operation on `endpoint`; each attempt needs `requests` of the budget (YouTube's search
   * page is two HTTP requests) and, when the adapter counts its requests, is charged what it really sent
   * (Instagram's refresh asks once per roster account). Throws CycleStop when the cycle must end,
   * PermanentPlatformError as is, and the last TransientPlatformError once retries are spent.
   */
  async call<T>(
    operation: (signal: AbortSignal) => Promise<T>,
    requests = 1,
    endpoint?: GateEndpoint,
  ): Promise<T> {
    const { clock } = this.options;
    let transientRetries = 0;
    let rateLimitWaits = 0;
    for (;;) {
      await this.waitForRateLimitWindow(endpoint);
      if (this.timeLeft() <= 0) throw new CycleStop('deadline', 'no time left before the Lambda deadline');
      if (this.budgetLeft() < requests)
        throw new CycleStop('budget', `request budget of ${this.options.budget} spent`);
      try {
        const result = await this.charged(requests, () =>
          operation(AbortSignal.timeout(Math.max(1, realMsOf(clock, this.timeLeft())))),
        );
        this.consecutiveFailures = 0;
        return result;
      } catch (e) {
        // A spent quota bucket lasts until its period ends: the caller stops only the work drawing on it.
        if (e instanceof QuotaExhaustedError) throw e;
        if (e instanceof RateLimitedError) {
          rateLimitWaits++;
          const retryAt =
            e.retryAt ??
            clock.now() +
              fullJitterDelay(
                rateLimitWaits,
                this.options.rateLimitFallbackMs / 2,
                this.options.rateLimitFallbackMs,
                clock,
              );
          const wait = Math.max(0, retryAt - clock.now());
          if (rateLimitWaits > this.options.maxRateLimitWaits || wait >= this.timeLeft())
            throw new CycleStop(
              'rate-limited',
              `rate limited until ${new Date(retryAt).toISOString()}: ${e.message}`,
            );
          await clock.sleep(wait);
          continue;
        }
        if (e instanceof PermanentPlatformError) {
          this.recordFailure(e);
          throw e;
        }
        if (!isTransient(e)) throw e;
        if (this.timeLeft() <= 0) throw new CycleStop('deadline', 'request cut off at the Lambda deadline');
        transientRetries++;
        if (transientRetries > this.options.maxTransientRetries) {
          this.recordFailure(e as Error);
          throw e;
        }
        const backoff = fullJitterDelay(
          transientRetries,
          this.options.backoffBaseMs,
          this.options.backoffCapMs,
          clock,
        );
        if (backoff >= this.timeLeft())
          throw new CycleStop('deadline', 'no time left to retry before the deadline');
        await clock.sleep(backoff);
      }
    }
  }

  /** Charges `requests`, or what the adapter's request count says the operation really sent. */
  private async charged<T>(requests: number, operation: () => Promise<T>): Promise<T> {
    const { adapter } = this.options;
    const sentBefore = adapter.requestCount?.();
    this.apiCalls += requests;
    try {
      return await operation();
    } finally {
      if (sentBefore !== undefined && adapter.requestCount)
        this.apiCalls += adapter.requestCount() - sentBefore - requests;
    }
  }

  /**
   * The reading that governs `endpoint` when the adapter keeps readings per endpoint: the endpoint's own, else
   * the one of requests without an endpoint (all of them on single-window platforms); otherwise the
   * adapter's most constraining reading.
   */
  private rateLimitFor(endpoint: GateEndpoint | undefined): RateLimitState {
    const { adapter } = this.options;
    const byEndpoint = endpoint ? adapter.rateLimitsByEndpoint?.() : undefined;
    if (!byEndpoint || !endpoint) return adapter.rateLimit();
    return byEndpoint[endpoint] ?? byEndpoint[''] ?? {};
  }

  /** The last reading says the window is used up: wait for its reset if that fits in the time left. */
  private async waitForRateLimitWindow(endpoint: GateEndpoint | undefined): Promise<void> {
    const { clock } = this.options;
    const state = this.rateLimitFor(endpoint);
    if (state.remaining !== 0 || state.resetAt === undefined) return;
    const wait = state.resetAt - clock.now();
    if (wait <= 0) return;
    if (wait >= this.timeLeft())
      throw new CycleStop(
        'rate-limited',
        `rate-limit window exhausted until ${new Date(state.resetAt).toISOString()}, past the deadline`,
      );
    await clock.sleep(wait);
  }

  private recordFailure(error: Error): void {
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= this.options.maxConsecutiveFailures)
      throw new CycleStop(
        'platform-unavailable',
        `${this.consecutiveFailures} operations failed in a row; last: ${error.message}`,
      );
  }
}

/** Platform 5xx/timeouts, and aborts of our own per-request timeout. */
const isTransient = (e: unknown): boolean =>
  e instanceof TransientPlatformError ||
  (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'));

/** A platform operation that failed for good (after the gate's retries); the cycle carries on without it. */
export const isPlatformFailure = (e: unknown): e is Error =>
  e instanceof PermanentPlatformError || isTransient(e);
