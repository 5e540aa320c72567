import { describe, expect, it } from 'vitest';
import { clockMsOf, realMsOf, scaledClock, systemClock } from '../../../functions/poll/clock';
import { cycleIndexAt, isDue, type RefreshPolicy } from '../../../functions/poll/tracked';
import { rateToMs } from '../../../shared/topology';

/** A wall clock the test moves by hand; sleeps are recorded and move it too. */
const manualWallClock = (start: number) => {
  const wall = {
    t: start,
    slept: [] as number[],
    now: () => wall.t,
    sleep: async (ms: number) => {
      wall.slept.push(ms);
      wall.t += ms;
    },
    random: () => 0.5,
  };
  return wall;
};

const REAL_START = Date.parse('2025-06-01T08:00:00Z');

describe('scaledClock (the twin --speed simulated clock)', () => {
  it('runs speed times faster than the wall clock from its anchor', () => {
    const wall = manualWallClock(REAL_START);
    const resumeAt = Date.parse('2025-06-01T12:00:00Z');
    const clock = scaledClock(60, { real: REAL_START, simulated: resumeAt }, wall);
    expect(clock.now()).toBe(resumeAt);
    wall.t += 4 * 60_000; // 4 real minutes
    expect(clock.now()).toBe(resumeAt + 4 * 3_600_000); // 4 simulated hours
    expect(clock.speed).toBe(60);
  });

  it('starts at the wall clock when no anchor is given', () => {
    const wall = manualWallClock(REAL_START);
    const clock = scaledClock(30, undefined, wall);
    expect(clock.now()).toBe(REAL_START);
    wall.t += 1_000;
    expect(clock.now()).toBe(REAL_START + 30_000);
  });

  it('sleeps simulated time: a backoff of 6 s at speed 60 waits 100 ms of real time', async () => {
    const wall = manualWallClock(REAL_START);
    const clock = scaledClock(60, undefined, wall);
    const before = clock.now();
    await clock.sleep(6_000);
    expect(wall.slept).toEqual([100]);
    expect(clock.now() - before).toBe(6_000);
  });

  it('converts real-time limits (Lambda deadline, HTTP timeouts) to and from clock time', () => {
    const clock = scaledClock(60, undefined, manualWallClock(REAL_START));
    expect(clockMsOf(clock, 50_000)).toBe(3_000_000);
    expect(realMsOf(clock, 3_000_000)).toBe(50_000);
    expect(clockMsOf(systemClock, 50_000)).toBe(50_000);
    expect(realMsOf(systemClock, 50_000)).toBe(50_000);
  });

  it('refuses a speed that is not above 0', () => {
    expect(() => scaledClock(0)).toThrow(RangeError);
  });

  it('at speed 60, advances the refresh policy cycle index by one per scheduled tick', () => {
    const periodMs = rateToMs('rate(5 minutes)');
    const tickMs = periodMs / 60; // the twin's timer period for this schedule
    const wall = manualWallClock(REAL_START + 1_234);
    const clock = scaledClock(60, undefined, wall);
    const indexes: number[] = [];
    for (let tick = 0; tick < 48; tick++) {
      indexes.push(cycleIndexAt(clock.now(), periodMs));
      wall.t += tickMs;
    }
    // 48 ticks = 4 real minutes = 4 simulated hours = 48 five-minute cycles, one apart.
    for (let i = 1; i < indexes.length; i++) expect(indexes[i]).toBe((indexes[i - 1] ?? 0) + 1);
    expect(clock.now() - REAL_START - 1_234).toBe(4 * 3_600_000);
  });

  it('at speed 60, refreshes a two-day-old post once every four ticks, as AWS does every 20 minutes', () => {
    const periodMs = rateToMs('rate(5 minutes)');
    const policy: RefreshPolicy = { periodMs, maxIntervalMs: 6 * 3_600_000 };
    const wall = manualWallClock(REAL_START);
    const clock = scaledClock(60, undefined, wall);
    const publishedMs = clock.now() - 2.5 * 86_400_000;
    const post = { postId: 'old-post', publishedAt: new Date(publishedMs).toISOString(), publishedMs };
    const due: boolean[] = [];
    for (let tick = 0; tick < 40; tick++) {
      due.push(isDue(post, clock.now(), policy));
      wall.t += periodMs / 60;
    }
    expect(due.filter(Boolean)).toHaveLength(10);
    const first = due.indexOf(true);
    due.forEach((d, i) => {
      expect(d).toBe((i - first) % 4 === 0);
    });
  });
});
