import { describe, expect, it } from 'vitest';
import { CycleStop, type GateOptions, RequestGate } from '../../../functions/poll/gate';
import { PermanentPlatformError, TransientPlatformError } from '../../../shared/platforms/adapter';
import { FakeClock, FakePlatform } from './fake-platform';

const T0 = Date.parse('2025-03-01T12:00:00Z');

const setup = (overrides: Partial<GateOptions> = {}, random = 0.5) => {
  const clock = new FakeClock(T0, random);
  const platform = new FakePlatform(clock);
  platform.addPosts(3, 'tag', T0 - 60_000);
  const gate = new RequestGate({
    adapter: platform,
    clock,
    budget: 100,
    deadline: T0 + 60_000,
    maxTransientRetries: 3,
    backoffBaseMs: 250,
    backoffCapMs: 8_000,
    maxRateLimitWaits: 3,
    rateLimitFallbackMs: 10_000,
    maxConsecutiveFailures: 3,
    ...overrides,
  });
  const search = () => gate.call(() => platform.searchPage({ query: 'tag', overlapMs: 0 }));
  return { clock, platform, gate, search };
};

const stopReason = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CycleStop);
  return (error as CycleStop).reason;
};

describe('RequestGate', () => {
  it('retries 5xx with full-jitter backoff that grows with each attempt, then succeeds', async () => {
    // Arrange: random() close to 1 shows the upper bound of each jittered wait
    const { platform, gate, clock, search } = setup({}, 0.999);
    platform.faults.push({ kind: 'transient' }, { kind: 'transient' }, { kind: 'transient' });
    // Act
    const page = await search();
    // Assert
    expect(page.observations).toHaveLength(3);
    expect(gate.apiCalls).toBe(4);
    expect(clock.sleeps).toHaveLength(3);
    clock.sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThan(Math.min(8_000, 250 * 2 ** (i + 1)));
    });
    expect(clock.sleeps[2]).toBeGreaterThan(clock.sleeps[0] ?? 0);
  });

  it('spreads retries out: with random() = 0 the jittered wait is zero', async () => {
    const { platform, clock, search } = setup({}, 0);
    platform.faults.push({ kind: 'transient' });
    await search();
    expect(clock.sleeps).toEqual([0]);
  });

  it('gives up after the bounded number of retries with the platform error', async () => {
    const { platform, gate, search } = setup();
    platform.faults.push(...Array.from({ length: 10 }, () => ({ kind: 'transient' as const })));
    await expect(search()).rejects.toBeInstanceOf(TransientPlatformError);
    expect(gate.apiCalls).toBe(4);
  });

  it('waits until retryAt after a 429 that fits in the time left, then retries', async () => {
    const { platform, clock, search } = setup();
    const retryAt = T0 + 20_000;
    platform.faults.push({ kind: 'rate-limited', retryAt });
    await search();
    const retried = platform.calls[1];
    expect(retried?.failed).toBeUndefined();
    expect(clock.now()).toBeGreaterThanOrEqual(retryAt);
  });

  it('stops the cycle, without waiting, when retryAt is past the deadline', async () => {
    const { platform, clock, search } = setup();
    platform.faults.push({ kind: 'rate-limited', retryAt: T0 + 3_600_000 });
    expect(await stopReason(search())).toBe('rate-limited');
    expect(clock.sleeps).toEqual([]);
  });

  it('waits for the reset when the last reading says no requests remain', async () => {
    const { platform, clock, search } = setup();
    platform.rateLimitState = { remaining: 0, resetAt: T0 + 15_000 };
    await search();
    expect(platform.calls).toHaveLength(1);
    expect(clock.now()).toBeGreaterThanOrEqual(T0 + 15_000);
  });

  it('makes no request when the window resets only after the deadline', async () => {
    const { platform, search } = setup();
    platform.rateLimitState = { remaining: 0, resetAt: T0 + 120_000 };
    expect(await stopReason(search())).toBe('rate-limited');
    expect(platform.calls).toHaveLength(0);
  });

  it('never starts a request after the deadline', async () => {
    const { platform, clock, search } = setup();
    clock.t = T0 + 60_000;
    expect(await stopReason(search())).toBe('deadline');
    expect(platform.calls).toHaveLength(0);
  });

  it('counts every attempt against the budget and stops when it is spent', async () => {
    const { platform, gate, search } = setup({ budget: 2 });
    platform.faults.push({ kind: 'transient' });
    await search();
    expect(gate.apiCalls).toBe(2);
    expect(await stopReason(search())).toBe('budget');
    expect(platform.calls).toHaveLength(2);
  });

  it('charges operations that take several requests (YouTube search pages) at their cost', async () => {
    const { platform, gate } = setup({ budget: 3 });
    const page = () => gate.call(() => platform.searchPage({ query: 'tag', overlapMs: 0 }), 2);
    await page();
    expect(gate.apiCalls).toBe(2);
    expect(await stopReason(page())).toBe('budget');
    expect(platform.calls).toHaveLength(1);
  });

  it('charges what the adapter really sent when it counts its requests (Instagram refresh per account)', async () => {
    const { platform, gate } = setup({ budget: 5 });
    let sent = 0;
    platform.requestCount = () => sent;
    const refresh = (requests: number) =>
      gate.call(
        async () => {
          sent += requests;
          return platform.refresh(['p00000001']);
        },
        1,
        'lookup',
      );
    await refresh(3);
    expect(gate.apiCalls).toBe(3);
    await refresh(1);
    expect(gate.apiCalls).toBe(4);
    // A failed attempt is charged what it sent too.
    platform.faults.push({ kind: 'permanent' });
    await expect(refresh(1)).rejects.toBeInstanceOf(PermanentPlatformError);
    expect(gate.apiCalls).toBe(5);
    expect(await stopReason(refresh(1))).toBe('budget');
  });

  it('waits only on the window of the endpoint it is about to call (X: search apart from lookup)', async () => {
    const { platform, gate, clock, search } = setup();
    const readings = {
      search: { remaining: 0, resetAt: T0 + 120_000 },
      lookup: { remaining: 250, resetAt: T0 + 600_000 },
    };
    platform.rateLimitsByEndpoint = () => readings;
    platform.rateLimitState = readings.search; // the most constraining reading
    const refreshed = await gate.call(() => platform.refresh(['p00000001']), 1, 'lookup');
    expect(refreshed.observations).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    const searchPage = () =>
      gate.call(() => platform.searchPage({ query: 'tag', overlapMs: 0 }), 1, 'search');
    expect(await stopReason(searchPage())).toBe('rate-limited');
    // Without an endpoint the gate stays careful and goes by the most constraining reading.
    expect(await stopReason(search())).toBe('rate-limited');
    expect(platform.searchCalls()).toHaveLength(0);
  });

  it('waits on the shared window of adapters with one window, whatever the endpoint', async () => {
    const { platform, gate } = setup();
    platform.rateLimitsByEndpoint = () => ({ '': { remaining: 0, resetAt: T0 + 120_000 } });
    const refresh = () => gate.call(() => platform.refresh(['p00000001']), 1, 'lookup');
    expect(await stopReason(refresh())).toBe('rate-limited');
  });

  it('gives a request at most the real time left on a sped-up clock', async () => {
    const spedUp = Object.assign(new FakeClock(T0), { speed: 60 });
    const { platform, gate } = setup({ clock: spedUp, deadline: T0 + 60_000 });
    let timedOutAfter = 0;
    await gate.call(async (signal) => {
      const started = Date.now();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      timedOutAfter = Date.now() - started;
      return platform.refresh(['p00000001']);
    });
    // 60 s of simulated time before the deadline is 1 s of real time at speed 60.
    expect(timedOutAfter).toBeGreaterThanOrEqual(900);
    expect(timedOutAfter).toBeLessThan(5_000);
  });

  it('hands permanent errors to the caller without retrying', async () => {
    const { platform, gate, search } = setup();
    platform.faults.push({ kind: 'permanent' });
    await expect(search()).rejects.toBeInstanceOf(PermanentPlatformError);
    expect(gate.apiCalls).toBe(1);
  });

  it('stops the cycle when operations keep failing in a row', async () => {
    const { platform, search } = setup({ maxConsecutiveFailures: 2 });
    platform.faults.push({ kind: 'permanent' }, { kind: 'permanent' });
    await expect(search()).rejects.toBeInstanceOf(PermanentPlatformError);
    expect(await stopReason(search())).toBe('platform-unavailable');
  });
});
