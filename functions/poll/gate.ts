import {
  PermanentPlatformError,
  type PlatformAdapter,
  RateLimitedError,
  TransientPlatformError,
} from '../../shared/platforms/adapter';
import { type Clock, fullJitterDelay } from './clock';
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
  /** Epoch ms after which no request may start (Lambda deadline minus the safety margin). */
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

  timeLeft(): number {
    return this.options.deadline - this.options.clock.now();
  }

  budgetLeft(): number {
    return this.options.budget - this.apiCalls;
  }

  /**
   * Runs one platform operation; each attempt costs `requests` of the budget (YouTube's search page is two
   * HTTP requests). Throws CycleStop when the cycle must end, PermanentPlatformError as is, and the last
   * TransientPlatformError once retries are spent.
   */
  async call<T>(operation: (signal: AbortSignal) => Promise<T>, requests = 1): Promise<T> {
    const { clock } = this.options;
    let transientRetries = 0;
    let rateLimitWaits = 0;
    for (;;) {
      await this.waitForRateLimitWindow();
      if (this.timeLeft() <= 0) throw new CycleStop('deadline', 'no time left before the Lambda deadline');
      if (this.budgetLeft() < requests)
        throw new CycleStop('budget', `request budget of ${this.options.budget} spent`);
      this.apiCalls += requests;
      try {
        const result = await operation(AbortSignal.timeout(Math.max(1, this.timeLeft())));
        this.consecutiveFailures = 0;
        return result;
      } catch (e) {
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

  /** The adapter's last reading says the window is used up: wait for its reset if that fits in the time left. */
  private async waitForRateLimitWindow(): Promise<void> {
    const { adapter, clock } = this.options;
    const state = adapter.rateLimit();
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
