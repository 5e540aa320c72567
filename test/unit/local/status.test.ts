import { describe, expect, it } from 'vitest';
import {
  errorCount,
  formatStatusLine,
  newCounters,
  observationsIn,
  type StatusSnapshot,
  throttledProbe,
} from '../../../infra/local/status';

const snapshot = (over: Partial<StatusSnapshot> = {}): StatusSnapshot => {
  const counters = { ...newCounters(), ...over };
  return {
    uptimeSeconds: 12,
    queueDepth: 3,
    dlqDepth: 0,
    rollupItems: 12_345,
    ...counters,
    errors: errorCount(counters),
    ...over,
  };
};

describe('Twin status', () => {
  it('counts the observations of an events message and nothing for other bodies', () => {
    expect(observationsIn(JSON.stringify({ version: 1, platform: 'x', observations: [{}, {}, {}] }))).toBe(3);
    expect(observationsIn('not json')).toBe(0);
    expect(observationsIn('null')).toBe(0);
  });

  it('adds poll, aggregate and trigger errors', () => {
    const counters = {
      ...newCounters(),
      pollErrors: 1,
      pollFailures: 2,
      aggregateFailures: 3,
      triggerErrors: 4,
    };
    expect(errorCount(counters)).toBe(10);
  });

  it('fits one line with every figure, marks the demo and shows the last error only when there are errors', () => {
    const quiet = formatStatusLine(
      snapshot({ pollsRun: 7, observationsQueued: 40, observationsApplied: 38 }),
    );
    expect(quiet).toBe(
      'up 12s | polls 7 | obs queued 40 applied 38 | queue 3 | dlq 0 | rollups 12.3k | errors 0',
    );
    expect(quiet).not.toContain('\n');
    expect(formatStatusLine(snapshot({ budget: { x: 0.423, youtube: 0.05 } }))).toContain(
      '| budget x 42% youtube 5%',
    );

    const demo = formatStatusLine(
      snapshot({
        demo: { posts: 5, frozen: true },
        pollErrors: 1,
        lastError: 'kol-pulse-local-poll-x: boom',
      }),
    );
    expect(demo.startsWith('DEMO ')).toBe(true);
    expect(demo).toContain('demo settled');
    expect(demo).toContain('errors 1');
    expect(demo.endsWith('(last: kol-pulse-local-poll-x: boom)')).toBe(true);
  });
});

describe('Twin status: the throttled rollup count', () => {
  it('probes again only once factor times the last probe duration has passed', async () => {
    let clock = 0;
    let calls = 0;
    const probe = throttledProbe(
      async () => {
        calls++;
        clock += 100; // each probe takes 100 ms
        return calls;
      },
      20,
      () => clock,
    );
    expect(await probe()).toBe(1);
    clock += 1_000; // 1.1 s after the first probe started: under 20 x 100 ms
    expect(await probe()).toBe(1);
    clock += 1_000; // 2.1 s
    expect(await probe()).toBe(2);
    expect(calls).toBe(2);
  });
});
