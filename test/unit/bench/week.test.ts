import { describe, expect, it } from 'vitest';
import { ageOnlyPlanner, type RefreshPlanner, shippedPolicy } from '../../../bench/lib/refresh-planner';
import { StalenessSampler } from '../../../bench/lib/staleness';
import { generateWeekReplay, weekCycles } from '../../../bench/lib/week';
import { duePosts } from '../../../functions/poll/tracked';
import type { Observation } from '../../../shared/observation';

const small = { scale: 0.0003, seed: 7, days: 1 } as const;

const sentInOrder = (observations: readonly Observation[]) => {
  // First delivery of each snapshot, in the order the poller sent them (duplicates come back later).
  const seen = new Set<string>();
  return observations.filter((o) => {
    const key = `${o.postId}|${o.observedAt}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

describe('bench week replay', () => {
  it('refreshes exactly what the planner chooses from the shipped policy, within the budget', () => {
    // Arrange: a planner that records what it was offered and returns the age-only choice.
    const calls: { offered: number; due: number; chosen: number; budget: number }[] = [];
    const spy: RefreshPlanner = (tracked, context) => {
      const chosen = ageOnlyPlanner(tracked, context);
      calls.push({
        offered: tracked.length,
        due: duePosts(tracked, context.now, context.policy).length,
        chosen: chosen.length,
        budget: context.budget,
      });
      return chosen;
    };
    // Act
    const replay = generateWeekReplay({ ...small, planner: spy });
    // Assert: one call per platform and cycle; never more than the budget; all due posts while they fit.
    expect(calls.length).toBe(6 * replay.stats.cycles);
    for (const c of calls) {
      expect(c.chosen).toBe(Math.min(c.due, c.budget));
    }
    expect(replay.stats.refreshes).toBe(calls.reduce((n, c) => n + c.chosen, 0));
    expect(replay.stats.posts).toBeGreaterThan(0);
  });

  it('drops re-reads whose counters did not change when suppression is on, and sends them when off', () => {
    const on = generateWeekReplay({ ...small, suppressUnchanged: true });
    const off = generateWeekReplay({ ...small, suppressUnchanged: false });
    // Same seed, same reads; only what is sent differs.
    expect(off.stats.reads).toBe(on.stats.reads);
    expect(off.stats.suppressed).toBe(0);
    expect(on.stats.suppressed).toBeGreaterThan(0);
    expect(on.stats.snapshots).toBe(on.stats.reads - on.stats.suppressed);
    const last = new Map<string, string>();
    for (const o of sentInOrder(on.messages.flatMap((m) => m.observations)).sort((a, b) =>
      a.observedAt.localeCompare(b.observedAt),
    )) {
      const counters = JSON.stringify(o.counters);
      expect(last.get(o.postId)).not.toBe(counters);
      last.set(o.postId, counters);
    }
  });

  it('is deterministic per seed and streams the same messages it collects', () => {
    const a = generateWeekReplay(small);
    const { cycles } = weekCycles(small);
    let streamed = 0;
    let next = cycles.next();
    while (!next.done) {
      streamed += next.value.messages.length;
      next = cycles.next();
    }
    expect(streamed).toBe(a.messages.length);
    expect(next.value.deliveries).toBe(a.stats.deliveries);
    expect(generateWeekReplay(small).messages.map((m) => m.body)).toEqual(a.messages.map((m) => m.body));
  });

  it('holds two campaigns sharing a hashtag and unattributed Instagram posts', () => {
    const replay = generateWeekReplay({ ...small, scale: 0.005 });
    expect(replay.config.campaigns.map((c) => c.id)).toEqual(['nextidea', 'tencentai']);
    expect(replay.stats.postsInBothCampaigns).toBeGreaterThan(0);
    expect(replay.stats.unattributedInstagramPosts).toBeGreaterThan(0);
    expect(replay.stats.duplicateDeliveries).toBeGreaterThan(0);
    expect(replay.stats.outOfOrderSnapshots).toBeGreaterThan(0);
  });

  it('the shipped policy refreshes hot posts every cycle and day-old posts every second cycle', () => {
    const policy = shippedPolicy(5 * 60_000);
    const now = Date.parse('2026-11-10T12:00:00Z');
    const hot = { postId: 'a', publishedMs: now - 3_600_000, publishedAt: '' };
    const old = { postId: 'b', publishedMs: now - 30 * 3_600_000, publishedAt: '' };
    const dueNow =
      duePosts([hot, old], now, policy).length + duePosts([hot, old], now + 300_000, policy).length;
    expect(dueNow).toBe(3);
  });
});

describe('staleness sampler', () => {
  it('gives the median and p95 in whole minutes, hot posts apart', () => {
    const sampler = new StalenessSampler();
    for (let m = 0; m < 100; m++) sampler.add(m * 60_000 + 30_000, m < 50 ? 3_600_000 : 3 * 86_400_000);
    const s = sampler.summary();
    expect(s.samples).toBe(100);
    expect(s.medianMinutes).toBe(49);
    expect(s.p95Minutes).toBe(94);
    expect(s.hot).toEqual({ samples: 50, medianMinutes: 24, p95Minutes: 47 });
  });
});
