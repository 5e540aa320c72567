import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../functions/poll/tracked';
import { FakePlatform } from '../../unit/poll/fake-platform';
import { idsOf, MINUTE, makeWorld, startEngines, T0, type World } from './harness';

/** Posts the platform knows and the state table tracks (as the aggregate function leaves them). */
const trackedPosts = async (world: World, n: number, ageMs: (i: number) => number) => {
  const posts = Array.from({ length: n }, (_, i) => world.platform.addPost(['other'], T0 - ageMs(i), i));
  await world.track(posts.map((p) => ({ postId: FakePlatform.postId(p.id), publishedMs: p.publishedMs })));
  return posts;
};

describe('poll cycle: refresh and request budget (dynalite + fauxqs)', () => {
  let engines: Awaited<ReturnType<typeof startEngines>>;
  beforeAll(async () => {
    engines = await startEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('refreshes 10,000 hot tracked posts in exactly 100 calls of 100 ids: the minimum', async () => {
    // Arrange
    const world = await makeWorld(engines, { maxRefreshBatch: 100 });
    const posts = await trackedPosts(world, 10_000, (i) => 1_000 + i * 5_000); // all under 24 h old
    // Act
    const summary = await world.poll();
    const { observations } = await world.drain();
    // Assert
    const refreshCalls = world.platform.refreshCalls();
    expect(refreshCalls).toHaveLength(100);
    expect(refreshCalls.every((c) => c.ids?.length === 100)).toBe(true);
    expect(new Set(refreshCalls.flatMap((c) => c.ids ?? [])).size).toBe(10_000);
    // One search request (the campaign hashtag has no posts) plus the refresh batches, nothing else.
    expect(summary.apiCalls).toBe(world.platform.searchCalls().length + 100);
    expect(world.platform.searchCalls()).toHaveLength(1);
    expect(summary).toMatchObject({
      tracked: 10_000,
      due: 10_000,
      refreshed: 10_000,
      stoppedReason: 'complete',
    });
    expect(idsOf(observations)).toHaveLength(posts.length);
  });

  it('refreshes older posts less often, each exactly once over its interval', async () => {
    const world = await makeWorld(engines, { maxRefreshBatch: 100 });
    // Aged 2 days (+1 h), never seen changing: a quiet KOL-or-voice class, due every 8 cycles
    // (functions/poll/value.ts).
    const posts = await trackedPosts(world, 400, (i) => 2 * DAY_MS + 3_600_000 + i * 1_000);
    const perCycle: number[] = [];
    const refreshedIds: string[] = [];
    for (let cycle = 0; cycle < 8; cycle++) {
      world.clock.t = T0 + cycle * 5 * MINUTE;
      const before = world.platform.refreshCalls().length;
      const summary = await world.poll();
      const calls = world.platform.refreshCalls().slice(before);
      refreshedIds.push(...calls.flatMap((c) => c.ids ?? []));
      perCycle.push(summary.due);
      // API calls per cycle: the minimum for the due posts.
      expect(calls).toHaveLength(Math.ceil(summary.due / 100));
    }
    await world.drain();
    expect(refreshedIds.sort()).toEqual(posts.map((p) => FakePlatform.postId(p.id)).sort());
    expect(Math.max(...perCycle)).toBeLessThan(posts.length / 2);
  });

  it('stops refreshing posts that left the tracking period', async () => {
    const world = await makeWorld(engines, { settings: { trackingDays: 2 } });
    await trackedPosts(world, 5, () => 3 * DAY_MS);
    const fresh = await trackedPosts(world, 5, () => 3_600_000);
    const summary = await world.poll();
    expect(summary.tracked).toBe(5);
    expect(
      world.platform
        .refreshCalls()
        .flatMap((c) => c.ids ?? [])
        .sort(),
    ).toEqual(fresh.map((p) => FakePlatform.postId(p.id)).sort());
  });

  it('reports posts the platform no longer returns as missing', async () => {
    const world = await makeWorld(engines);
    const posts = await trackedPosts(world, 10, () => 3_600_000);
    for (const p of posts.slice(0, 3)) p.deleted = true;
    const summary = await world.poll();
    expect(summary).toMatchObject({ refreshed: 7, missing: 3 });
  });

  it('splits the budget fairly: round-robin over queries, a share kept for refresh', async () => {
    // Arrange: three queries (two tags each) with 5 pages of posts each, and 3 refresh batches due
    const world = await makeWorld(engines, {
      tags: ['#a', '#b', '#c', '#d', '#e', '#f'],
      settings: { maxRequestsPerCycle: 10 },
    });
    for (const tag of ['a', 'c', 'e']) world.platform.addPosts(50, tag, T0 - MINUTE);
    await trackedPosts(world, 250, () => 3_600_000);
    const pagesPerQuery = new Map<string, number>();
    const countPages = (from: number) => {
      for (const c of world.platform.searchCalls().slice(from))
        pagesPerQuery.set(c.query ?? '', (pagesPerQuery.get(c.query ?? '') ?? 0) + 1);
    };

    // Act: one cycle
    const summary = await world.poll();
    countPages(0);

    // Assert: the budget is spent, refresh got its batches, each query got its turn
    expect(summary).toMatchObject({
      apiCalls: 10,
      refreshCalls: 3,
      stoppedReason: 'budget',
      searchesResumable: 3,
    });
    expect([...pagesPerQuery.values()].sort()).toEqual([2, 2, 3]);

    // Act: the next cycle starts the round-robin at another query and resumes every search
    world.clock.t = T0 + 5 * MINUTE;
    const searchesBefore = world.platform.searchCalls().length;
    await world.poll();
    countPages(searchesBefore);
    const pages = [...pagesPerQuery.values()];
    expect(Math.max(...pages) - Math.min(...pages)).toBeLessThanOrEqual(1);
    // Each query's first page of this cycle resumes its saved search (refresh now spreads the quieter
    // posts, so the cycle may go on to start fresh searches after them).
    expect(
      world.platform
        .searchCalls()
        .slice(searchesBefore, searchesBefore + 3)
        .every((c) => c.pageToken),
    ).toBe(true);
  });

  it('gives refresh the whole budget when no campaign is active', async () => {
    const world = await makeWorld(engines, {
      settings: { maxRequestsPerCycle: 4 },
      campaignStart: '2025-04-01',
    });
    await trackedPosts(world, 350, () => 3_600_000);
    const summary = await world.poll();
    expect(summary).toMatchObject({ queries: 0, refreshCalls: 4, apiCalls: 4, stoppedReason: 'complete' });
  });
});
