import { describe, expect, it } from 'vitest';
import { MemoryBudgetLedger } from '../../../functions/poll/budget-ledger';
import { CycleBudget } from '../../../functions/poll/cycle-budget';
import { fingerprintOf, SentFilter } from '../../../functions/poll/post-records';
import { duePosts } from '../../../functions/poll/tracked';
import { planValueRefreshes, type ValueCandidate } from '../../../functions/poll/value';
import { paceAllowance, periodOf, resolveBudget } from '../../../shared/budget';
import { ConfigError, parseConfig } from '../../../shared/config';
import type { Observation } from '../../../shared/observation';

const campaign = { id: 'launch', name: 'Launch', hashtags: ['#launch'], start: '2025-01-01' };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('budget configuration', () => {
  it('defaults to the published limits and narrows them with the user settings', () => {
    const config = parseConfig({
      campaigns: [campaign],
      platforms: { x: { budget: { usdPerMonth: 300 } }, youtube: { budget: { requestsPerHour: 500 } } },
    });
    const x = resolveBudget('x', config.platforms.x?.budget);
    expect(x.quotas.map((q) => [q.name, q.limit, q.period])).toEqual([
      ['reads', 2_000_000, 'month'],
      ['usd', 60_000, 'month'],
    ]);
    const yt = resolveBudget('youtube', config.platforms.youtube?.budget);
    expect(yt.quotas.map((q) => [q.name, q.limit, q.timeZone])).toEqual([
      ['search', 100, 'America/Los_Angeles'],
      ['units', 10_000, 'America/Los_Angeles'],
      ['requests', 500, 'UTC'],
    ]);
  });

  it.each([
    [
      { youtube: { budget: { quotas: { serch: { limit: 50 } } } } },
      'platforms.youtube.budget.quotas.serch: unknown quota "serch"',
    ],
    [
      { youtube: { budget: { usdPerMonth: 10 } } },
      'platforms.youtube.budget.usdPerMonth: youtube charges nothing',
    ],
    [{ x: { budget: { usdPerMonth: -1 } } }, 'platforms.x.budget.usdPerMonth:'],
    [{ x: { budget: { requestsPerHour: 0 } } }, 'platforms.x.budget.requestsPerHour:'],
    [{ reddit: { budget: { dollars: 5 } } }, 'platforms.reddit.budget: Unrecognized key: "dollars"'],
  ])('names the bad budget field %#', (platforms, message) => {
    expect(() => parseConfig({ campaigns: [campaign], platforms })).toThrow(ConfigError);
    expect(() => parseConfig({ campaigns: [campaign], platforms })).toThrow(message);
  });
});

describe('pacing', () => {
  const search = resolveBudget('youtube').quotas[0];
  if (!search) throw new Error('no search quota');

  it('resets YouTube quotas at midnight Pacific time, DST included', () => {
    expect(new Date(periodOf(search, Date.parse('2025-07-01T12:00:00Z')).end).toISOString()).toBe(
      '2025-07-02T07:00:00.000Z',
    );
    expect(new Date(periodOf(search, Date.parse('2025-12-01T12:00:00Z')).end).toISOString()).toBe(
      '2025-12-02T08:00:00.000Z',
    );
  });

  it('spreads a daily quota over the day: never past the pace line, all of it by the end', () => {
    const start = periodOf(search, Date.parse('2025-07-01T12:00:00Z')).start;
    let used = 0;
    let spentBeforeNoonPt = 0;
    for (let t = start; t < start + DAY; t += 5 * MIN) {
      used += paceAllowance(search, used, t, 5 * MIN);
      expect(used).toBeLessThanOrEqual(Math.ceil((100 * (t + 5 * MIN - start)) / DAY));
      if (t < start + DAY / 2) spentBeforeNoonPt = used;
    }
    expect(used).toBe(100);
    expect(spentBeforeNoonPt).toBe(50);
  });
});

describe('cycle budget', () => {
  it('reserves at most what is left, spends within it and gives the rest back', async () => {
    const ledger = new MemoryBudgetLedger();
    const budget = resolveBudget('youtube', { quotas: { search: { limit: 10 } } });
    const now = Date.parse('2025-07-01T07:00:00Z') + 12 * HOUR; // noon PT: half the day gone
    const spend = await CycleBudget.open(ledger, budget, now, 5 * MIN, { requests: 2, reads: 0 });
    expect(spend.affords('search', { requests: 2, reads: 0 })).toBe(true);
    for (let i = 0; i < 5; i++) spend.charge('search', { requests: 2, reads: 0 });
    expect(spend.affords('search', { requests: 2, reads: 0 })).toBe(false);
    // the units bucket is separate: refresh goes on
    expect(spend.affords('lookup', { requests: 1, reads: 0 })).toBe(true);
    spend.exhaust('search');
    expect(spend.affords('lookup', { requests: 1, reads: 0 })).toBe(true);
    await spend.settle(ledger, now);
    expect((await ledger.used(budget.quotas, now)).search).toBe(10);
  });
});

const obs = (postId: string, observedAt: number, likes: number): Observation => ({
  platform: 'x',
  postId,
  author: { id: 'u1', handle: 'kol' },
  hashtags: ['launch'],
  publishedAt: '2025-07-01T00:00:00.000Z',
  observedAt: new Date(observedAt).toISOString(),
  counters: { likes },
});

describe('no-op observations', () => {
  const t0 = Date.parse('2025-07-01T01:00:00Z');

  it('sends a post first, then only when it differs from the last one sent, in time order', () => {
    const filter = new SentFilter(new Map(), 'k', new Set(['kol']), false);
    expect(filter.filter([obs('a', t0, 1)], t0)).toHaveLength(1);
    expect(filter.filter([obs('a', t0 + MIN, 1)], t0)).toHaveLength(0);
    expect(filter.filter([obs('a', t0 + 2 * MIN, 2)], t0)).toHaveLength(1);
    // an older snapshot than the last sent may fall on another day: it goes
    expect(filter.filter([obs('a', t0 - HOUR, 2)], t0)).toHaveLength(1);
    expect(filter.suppressed).toBe(1);
    expect(filter.record('a')).toMatchObject({ changes: 2, kol: true, sentAt: t0 + 2 * MIN });
  });

  it('sends again when the hashtags, the author or the campaigns change', () => {
    const a = obs('a', t0, 1);
    expect(fingerprintOf({ ...a, hashtags: ['other'] }, 'k')).not.toBe(fingerprintOf(a, 'k'));
    expect(fingerprintOf(a, 'k2')).not.toBe(fingerprintOf(a, 'k'));
    expect(fingerprintOf({ ...a, counters: { likes: 1, views: 0 } }, 'k')).not.toBe(fingerprintOf(a, 'k'));
    expect(fingerprintOf({ ...a, observedAt: new Date(t0 + DAY).toISOString() }, 'k')).toBe(
      fingerprintOf(a, 'k'),
    );
  });

  it('X: counts a post read once per UTC day', () => {
    const filter = new SentFilter(new Map(), 'k', new Set(), true);
    expect(filter.unreadToday(['a', 'a', 'b'], t0)).toBe(2);
    filter.filter([obs('a', t0, 1)], t0);
    expect(filter.unreadToday(['a', 'b'], t0)).toBe(1);
    expect(filter.unreadToday(['a', 'b'], t0 + DAY)).toBe(2);
  });
});

describe('value planner', () => {
  const now = Date.parse('2025-07-08T12:00:00Z');
  const policy = { periodMs: 5 * MIN, maxIntervalMs: 6 * HOUR };
  const post = (i: number, ageMs: number, history?: ValueCandidate['history']): ValueCandidate => ({
    postId: `p${i}`,
    publishedAt: new Date(now - ageMs).toISOString(),
    publishedMs: now - ageMs,
    ...(history ? { history } : {}),
  });

  it('refreshes moving posts before quiet ones, KOLs before voices, and old quiet ones last', () => {
    const moving = post(1, 3 * DAY, { changedAt: now - 10 * MIN, changes: 9, kol: false });
    const hot = post(2, HOUR, { changedAt: now - MIN, changes: 3, kol: false });
    const quietKol = post(3, 3 * DAY, { changedAt: now - 2 * DAY, changes: 2, kol: true });
    const quietVoice = post(4, 5 * DAY, { changedAt: now - 4 * DAY, changes: 1, kol: false });
    // Over 8 cycles with room for everything, each gets refreshed at its own cadence
    const counts = new Map<string, number>();
    for (let c = 0; c < 8; c++) {
      const plan = planValueRefreshes(
        [moving, hot, quietKol, quietVoice],
        now + c * policy.periodMs,
        policy,
        100,
        {
          requests: 10,
        },
      );
      for (const p of plan.due) counts.set(p.postId, (counts.get(p.postId) ?? 0) + 1);
    }
    expect(counts.get('p2')).toBe(8); // hot and moving: every cycle
    expect(counts.get('p1')).toBe(2); // moving voice: every 4 cycles
    expect(counts.get('p3')).toBe(1); // quiet KOL aged 3 days: every 8
    expect(counts.get('p4') ?? 0).toBeLessThanOrEqual(1); // quiet voice aged 5 days: every 64
  });

  it('under shortage stretches old quiet posts first and keeps hot moving posts every cycle', () => {
    const hot = Array.from({ length: 100 }, (_, i) =>
      post(i, HOUR, { changedAt: now - MIN, changes: 2, kol: false }),
    );
    const old = Array.from({ length: 1000 }, (_, i) =>
      post(1000 + i, 5 * DAY, { changedAt: now - 3 * DAY, changes: 1, kol: false }),
    );
    const plan = planValueRefreshes([...hot, ...old], now, policy, 100, { requests: 1 });
    expect(plan.stretch).toBeGreaterThan(0);
    expect(
      plan.due
        .slice(0, 100)
        .map((p) => p.postId)
        .sort(),
    ).toEqual(hot.map((p) => p.postId).sort());
    expect(plan.due.length).toBeLessThanOrEqual(100);
  });

  it('defers different posts of one class from cycle to cycle when the budget is short', () => {
    // 50 hot moving posts, 12 a cycle: stretched to every 4th cycle, about 12.5 due a cycle.
    const moving = Array.from({ length: 50 }, (_, i) =>
      post(i, HOUR, { changedAt: now - MIN, changes: 2, kol: false }),
    );
    const planAt = (cycle: number) =>
      planValueRefreshes(moving, now + cycle * policy.periodMs, policy, 12, { requests: 1 });
    const short = [0, 1, 2, 3].find((c) => planAt(c).deferred > 0);
    expect(short).toBeDefined();
    const cycle = short ?? 0;
    // Four cycles later the same posts are due again; the ones left out before go first this time.
    const before = planAt(cycle).due.map((p) => p.postId);
    const after = planAt(cycle + 4).due.map((p) => p.postId);
    expect(planAt(cycle + 4).deferred).toBe(planAt(cycle).deferred);
    expect(new Set(after)).not.toEqual(new Set(before));
  });

  it('X: posts already read today are free, so they go first when reads run short', () => {
    const today = new Date(now).toISOString().slice(0, 10);
    const read = post(1, HOUR, { changedAt: now - MIN, changes: 2, kol: false, readDay: today });
    const unread = post(2, HOUR, { changedAt: now - MIN, changes: 2, kol: false });
    const plan = planValueRefreshes([unread, read], now, policy, 100, { requests: 5, reads: 0 });
    expect(plan.due.map((p) => p.postId)).toEqual(['p1']);
  });

  it('the age-only policy is still exported for comparison', () => {
    expect(duePosts([post(1, HOUR)], now, policy)).toHaveLength(1);
  });
});
