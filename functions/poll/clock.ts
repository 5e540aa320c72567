import { setTimeout as delay } from 'node:timers/promises';

/** Time, waiting and randomness, injected so tests can run a cycle on a simulated clock. */
export interface Clock {
  now(): number;
  /** Waits `ms` of this clock's time. */
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
  /**
   * This clock's ms per real ms: 1 in AWS, the twin's `--speed` on its simulated clock. Limits that stay in
   * real time (the Lambda deadline, HTTP timeouts) are converted with it.
   */
  speed?: number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms) => {
    if (ms > 0) await delay(ms);
  },
  random: () => Math.random(),
};

/** The clock time that passes during `realMs` real ms. */
export const clockMsOf = (clock: Pick<Clock, 'speed'>, realMs: number): number => realMs * (clock.speed ?? 1);

/** The real ms that pass during `clockMs` of the clock's time. */
export const realMsOf = (clock: Pick<Clock, 'speed'>, clockMs: number): number =>
  clockMs / (clock.speed ?? 1);

/** Where a scaled clock starts: the real instant and the simulated instant that corresponds to it. */
export interface ClockAnchor {
  real: number;
  simulated: number;
}

/**
 * A clock running `speed` times faster than `base` from `anchor`:
 * `now = anchor.simulated + (base.now() − anchor.real) × speed`; a sleep of `ms` simulated ms takes
 * `ms / speed` on `base`. The local twin's pollers, demo platform and aggregate share one, so a twin at
 * speed 60 for 4 minutes behaves like 4 hours in AWS.
 */
export const scaledClock = (
  speed: number,
  anchor?: ClockAnchor,
  base: Pick<Clock, 'now' | 'sleep' | 'random'> = systemClock,
): Clock => {
  if (!(speed > 0)) throw new RangeError(`clock speed must be above 0, got ${speed}`);
  const start = anchor ?? { real: base.now(), simulated: base.now() };
  return {
    now: () => start.simulated + (base.now() - start.real) * speed,
    sleep: (ms) => base.sleep(ms / speed),
    random: () => base.random(),
    speed,
  };
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
