import { describe, expect, it } from 'vitest';
import { planRefreshes, planSearches } from '../../../functions/poll/plan';
import {
  completeSearch,
  cursorStateOf,
  laterCursor,
  mayRestartFromCursor,
  newerCursor,
  restartFromCursor,
} from '../../../functions/poll/query-run';
import { DEFAULT_TUNING } from '../../../functions/poll/tuning';
import { parseConfig } from '../../../shared/config';
import type { SearchPage } from '../../../shared/platforms/adapter';
import { FakeClock, FakePlatform, queryRun } from './fake-platform';
import { memoryWorld } from './memory-world';

const T0 = Date.parse('2025-03-10T12:00:00Z');
const HOUR = 3_600_000;

const run = queryRun;

describe('query run', () => {
  it('never moves a cursor backwards', () => {
    const later = { id: '2', time: '2025-03-10T11:00:00Z' };
    const earlier = { id: '1', time: '2025-03-10T10:00:00Z' };
    expect(laterCursor(later, earlier)).toBe(later);
    expect(laterCursor(earlier, later)).toBe(later);
    expect(laterCursor(undefined, earlier)).toBe(earlier);
    expect(laterCursor(later, undefined)).toBe(later);
  });

  it('follows a resumed search that completes with a fresh one from the new cursor', () => {
    const resumed = run();
    completeSearch(resumed, false);
    expect(resumed).toMatchObject({ since: { id: '9' }, pageToken: undefined, done: false, dirty: true });
    expect(resumed.startedThisCycle).toBe(true);
    completeSearch(resumed, false);
    expect(resumed.done).toBe(true);
  });

  it('marks a completed backfill search complete, so a repeated backfill skips it', () => {
    const backfill = run({ since: undefined });
    completeSearch(backfill, true);
    expect(cursorStateOf(backfill)).toEqual({
      query: 'q',
      since: { id: '9', time: '2025-03-10T11:00:00Z' },
      resume: undefined,
      complete: true,
    });
  });

  it('restarts from its cursor at most once after a rejected resume point', () => {
    const stale = run();
    expect(mayRestartFromCursor(stale)).toBe(true);
    restartFromCursor(stale);
    expect(cursorStateOf(stale)).toEqual({
      query: 'q',
      since: stale.since,
      resume: undefined,
      complete: undefined,
    });
    expect(mayRestartFromCursor(stale)).toBe(false);
  });
});

describe('cycle planning', () => {
  const config = parseConfig({
    campaigns: [{ id: 'c', name: 'C', hashtags: ['#a', '#b', '#c'], start: '2025-03-01' }],
    platforms: { x: { schedule: 'rate(5 minutes)', maxRequestsPerCycle: 10, overlapMinutes: 10 } },
  });
  const settings = config.platforms.x;
  if (!settings) throw new Error('the test configuration has x settings');
  const adapter = new FakePlatform(new FakeClock(T0), 10, 2, 2);
  const tracked = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      postId: `p${i}`,
      publishedAt: new Date(T0 - HOUR).toISOString(),
      publishedMs: T0 - HOUR,
    }));
  const deps = (posts: number) => ({
    config,
    settings,
    adapter,
    tuning: DEFAULT_TUNING,
    stores: { trackedPosts: async () => tracked(posts) },
  });

  it('packs the active hashtags into the adapter queries, with the overlap behind each cursor', () => {
    const plan = planSearches(deps(0), T0, undefined);
    expect(plan).toMatchObject({ campaigns: 1, queries: ['a OR b', 'c'], overlapMs: 10 * 60_000 });
    expect(plan.notBefore).toBe('2025-03-01T00:00:00.000Z');
    expect(planSearches(deps(0), T0, '2025-03-05T00:00:00Z')).toMatchObject({
      notBefore: '2025-03-05T00:00:00Z',
      overlapMs: 0,
    });
  });

  it('keeps at most the refresh share of the budget for refreshing while searches want pages', async () => {
    const searches = planSearches(deps(0), T0, undefined);
    // 20 hot posts in batches of 2 need 10 calls; half the budget of 10 is kept for them
    const refreshes = await planRefreshes(deps(20), T0, searches);
    expect(refreshes).toMatchObject({ tracked: 20, searchAllowance: 5 });
    expect(refreshes.due).toHaveLength(20);
    // 4 posts need 2 calls: search gets the other 8
    expect((await planRefreshes(deps(4), T0, searches)).searchAllowance).toBe(8);
  });

  it('refreshes nothing during a backfill', async () => {
    const searches = planSearches(deps(0), T0, '2025-03-05T00:00:00Z');
    expect(await planRefreshes(deps(20), T0, searches)).toEqual({
      tracked: 0,
      due: [],
      searchAllowance: 10,
      lateReserve: 0,
      deferred: 0,
    });
  });

  it('keeps the late-read share out of the search part while a late re-read is under way', async () => {
    const searches = planSearches(deps(0), T0, undefined);
    // budget 10: refresh keeps 5 of the 10 calls it wants, late re-reads 1, search gets the other 4
    expect(await planRefreshes(deps(20), T0, searches, true)).toMatchObject({
      searchAllowance: 4,
      lateReserve: 1,
    });
    expect(await planRefreshes(deps(20), T0, searches, false)).toMatchObject({
      searchAllowance: 5,
      lateReserve: 0,
    });
  });
});

describe('search cursor over a feed that is not in time order (Instagram)', () => {
  it('becomes the newest post of all pages, not of the first page', async () => {
    const world = memoryWorld({ start: T0 });
    const firstPageNewest = { id: 'ig-older', time: new Date(T0 - 3 * HOUR).toISOString() };
    const laterPageNewest = { id: 'ig-newest', time: new Date(T0 - 5 * 60_000).toISOString() };
    const olderStill = { id: 'ig-oldest', time: new Date(T0 - 9 * HOUR).toISOString() };
    const first: SearchPage = {
      observations: [],
      rejects: [],
      newest: firstPageNewest,
      nextPageToken: 'second',
    };
    const pages: Record<string, SearchPage> = {
      second: { observations: [], rejects: [], newest: laterPageNewest, nextPageToken: 'third' },
      third: { observations: [], rejects: [], newest: olderStill },
    };
    world.platform.searchPage = async (request) => (request.pageToken && pages[request.pageToken]) || first;
    try {
      const { summary } = await world.poll();
      expect(summary.searchesCompleted).toBe(1);
      expect([...world.items.values()].map((item) => item.since)).toEqual([laterPageNewest]);
    } finally {
      world.close();
    }
  });

  it('keeps the first page cursor on a tie, whose id a time-ordered feed pages from', () => {
    const first = { id: '20', time: '2025-03-10T11:00:00Z' };
    expect(newerCursor(first, { id: '19', time: '2025-03-10T11:00:00Z' })).toBe(first);
    expect(newerCursor(first, { id: '18', time: '2025-03-10T10:00:00Z' })).toBe(first);
    expect(newerCursor(first, { id: '17' })).toBe(first);
    expect(newerCursor(undefined, first)).toBe(first);
    expect(newerCursor(first, undefined)).toBe(first);
  });
});

describe('post records that cannot be saved', () => {
  it('hold back neither the cursor nor the observations; the failure is logged', async () => {
    const world = memoryWorld({ start: T0 });
    const logged: string[] = [];
    const saves: number[] = [];
    world.deps.log = (level, message) => logged.push(`${level}: ${message}`);
    world.deps.stores.records = {
      load: async () => new Map(),
      save: async (records) => {
        saves.push(records.length);
        throw new Error('ValidationException: Item size has exceeded the maximum allowed size');
      },
    };
    world.platform.addPosts(5, 'launch', T0 - 60_000);
    try {
      const { sent } = await world.poll();
      expect(sent).toHaveLength(5);
      expect(saves).toEqual([5]);
      expect([...world.items.values()].map((item) => item.since?.id)).toEqual([expect.any(String)]);
      expect(logged).toContain('warn: could not save post records; their posts are sent again');
    } finally {
      world.close();
    }
  });
});
