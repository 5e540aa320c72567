import { setTimeout as delay } from 'node:timers/promises';

/** Time, waiting and randomness, injected so tests can run a cycle on a simulated clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms) => {
    if (ms > 0) await delay(ms);
  },
  random: () => Math.random(),
};

/**
 * "Full jitter" backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform delay in
 * [0, min(cap, base * 2^attempt)), so retrying callers spread out instead of hammering in step.
 */
export const fullJitterDelay = (
  attempt: number,
  baseMs: number,
  capMs: number,
  clock: Pick<Clock, 'random'>,
) => Math.floor(clock.random() * Math.min(capMs, baseMs * 2 ** attempt));
