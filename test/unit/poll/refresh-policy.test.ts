import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  duePosts,
  isDue,
  type RefreshPolicy,
  refreshIntervalCycles,
  type TrackedPost,
  trackedDays,
} from '../../../functions/poll/tracked';

const PERIOD = 5 * 60_000;
const policy: RefreshPolicy = { periodMs: PERIOD, maxIntervalMs: 6 * 3_600_000 };
const T0 = Date.parse('2025-03-10T00:00:00Z');

const post = (id: string, ageMs: number, now = T0): TrackedPost => ({
  postId: id,
  publishedAt: new Date(now - ageMs).toISOString(),
  publishedMs: now - ageMs,
});

/** How many of `cycles` consecutive cycles (starting at T0) the post is due in, ageing as time passes. */
const dueCount = (p: TrackedPost, cycles: number) =>
  Array.from({ length: cycles }, (_, c) => isDue(p, T0 + c * PERIOD, policy)).filter(Boolean).length;

describe('refresh policy', () => {
  it('refreshes hot posts (under 24 h old) every cycle', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: DAY_MS - 1 }), (id, age) =>
        isDue(post(id, age), T0, policy),
      ),
    );
  });

  it('refreshes a post aged d days in exactly one of every 2^d cycles', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 5 }), (id, days) => {
        // Start mid-day so the post does not age into the next day during the window checked.
        const window = 2 ** days;
        const p = post(id, days * DAY_MS + 3_600_000);
        expect(window * PERIOD).toBeLessThan(DAY_MS - 3_600_000);
        expect(dueCount(p, window)).toBe(1);
      }),
    );
  });

  it('refreshes every tracked post at least once per maxIntervalMs', () => {
    const cyclesInCap = policy.maxIntervalMs / PERIOD;
    for (let days = 1; days <= 14; days++) {
      const interval = refreshIntervalCycles(days * DAY_MS, policy);
      expect(interval).toBeLessThanOrEqual(cyclesInCap);
      expect(dueCount(post(`old-${days}`, days * DAY_MS + 3_600_000), interval)).toBe(1);
    }
  });

  it('spreads older posts evenly over the cycles', () => {
    const posts = Array.from({ length: 8_000 }, (_, i) => post(`post-${i}`, 3 * DAY_MS + 3_600_000));
    const perCycle = Array.from({ length: 8 }, (_, c) => duePosts(posts, T0 + c * PERIOD, policy).length);
    expect(perCycle.reduce((a, b) => a + b, 0)).toBe(8_000);
    for (const n of perCycle) expect(Math.abs(n - 1_000)).toBeLessThan(150);
  });

  it('puts hot posts first, newest first', () => {
    const hot = [post('a', 3_600_000), post('b', 60_000)];
    const due = duePosts([...hot, post('c', 10 * DAY_MS)], T0, { periodMs: PERIOD, maxIntervalMs: PERIOD });
    expect(due.map((p) => p.postId)).toEqual(['b', 'a', 'c']);
  });

  it('lists every UTC publish day that can still be inside the tracking period', () => {
    const now = Date.parse('2025-03-10T05:00:00Z');
    const days = trackedDays(now, 7);
    expect(days[0]).toBe('2025-03-03');
    expect(days.at(-1)).toBe('2025-03-10');
    expect(days).toHaveLength(8);
  });
});
