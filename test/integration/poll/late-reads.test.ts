import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatform } from '../../unit/poll/fake-platform';
import { idsOf, MINUTE, makeWorld, startEngines, T0, type World } from './harness';

const QUERY = 'nextidea';
const HOUR = 60 * MINUTE;
const HOURLY = '60m/24h';

/** Posts in publish order (so ids follow publish times), each visible from `visibleMs`. */
const addInOrder = (world: World, posts: { publishedMs: number; visibleMs?: number }[]) =>
  [...posts]
    .sort((a, b) => a.publishedMs - b.publishedMs)
    .map((p) => world.platform.addPost([QUERY], p.publishedMs, 0, p.visibleMs ?? p.publishedMs));

/** Search calls of late re-reads: they carry no cursor (the first search of a query is not one). */
const lateCalls = (world: World, from: number) =>
  world.platform
    .searchCalls()
    .slice(from)
    .filter((c) => c.since === undefined);

describe('poll cycle: late re-reads (dynalite + fauxqs)', () => {
  let engines: Awaited<ReturnType<typeof startEngines>>;
  beforeAll(async () => {
    engines = await startEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('catches a post 10 minutes late next cycle and one 3 hours late within the hour, cursor untouched', async () => {
    // Arrange: a post every 10 minutes over the last day; two more surface late with old ids and timestamps
    const world = await makeWorld(engines);
    addInOrder(
      world,
      Array.from({ length: 144 }, (_, i) => ({ publishedMs: T0 - i * 10 * MINUTE - MINUTE })),
    );
    const [tenMinutes, threeHours] = addInOrder(world, [
      { publishedMs: T0 + 2 * MINUTE, visibleMs: T0 + 12 * MINUTE },
      { publishedMs: T0 - 2 * HOUR, visibleMs: T0 + HOUR },
    ]).sort((a, b) => (a.visibleFromMs ?? 0) - (b.visibleFromMs ?? 0));
    addInOrder(world, [{ publishedMs: T0 + 7 * MINUTE }]);
    await world.poll();
    await world.drain();

    // Act: cycles every 5 minutes until two hours have passed, noting when each late post is first seen
    const seen = new Map<string, number>();
    for (let t = T0 + 5 * MINUTE; t <= T0 + 2 * HOUR; t += 5 * MINUTE) {
      world.clock.t = t;
      const summary = await world.poll();
      for (const o of (await world.drain()).observations) if (!seen.has(o.postId)) seen.set(o.postId, t);
      // the hourly layer: the 147 posts of the last 25 hours, in pages of 10
      if (t === T0 + HOUR)
        expect(summary).toMatchObject({ lateReadPages: 15, lateReadsCompleted: 1, lateReadsResumable: 0 });
    }

    // Assert: within the overlap's and the hourly layer's promises; the cursor is on the newest post
    expect(seen.get(FakePlatform.postId(tenMinutes?.id ?? 0))).toBe(T0 + 15 * MINUTE);
    const lateBy3h = seen.get(FakePlatform.postId(threeHours?.id ?? 0)) ?? Number.POSITIVE_INFINITY;
    expect(lateBy3h - (T0 + HOUR)).toBeLessThanOrEqual(HOUR + 5 * MINUTE);
    expect((await world.cursor(QUERY))?.since?.time).toBe(new Date(T0 + 7 * MINUTE).toISOString());
  });

  it('resumes a late re-read that the deadline cut short from its saved page, not from the top', async () => {
    // Arrange: 100 posts over the last 20 hours read by the first cycle; one surfaces 15 hours late
    const world = await makeWorld(engines, { pageSize: 10, latencyMs: 100 });
    const [hidden] = addInOrder(world, [{ publishedMs: T0 - 15 * HOUR, visibleMs: T0 + 30 * MINUTE }]);
    addInOrder(
      world,
      Array.from({ length: 100 }, (_, i) => ({ publishedMs: T0 - i * 12 * MINUTE - MINUTE })),
    );
    await world.poll();
    await world.drain();
    const hiddenId = FakePlatform.postId(hidden?.id ?? 0);

    // Act: the hourly layer is due; the deadline allows five requests (one search page, four late pages)
    world.clock.t = T0 + HOUR;
    const cut = await world.poll(10_000 + 500);
    const cutSent = await world.drain();
    const saved = await world.cursor(QUERY);

    // Assert: stopped with a resume point for the late re-read; the cursor did not move back
    expect(cut).toMatchObject({
      stoppedReason: 'deadline',
      pages: 1,
      lateReadPages: 4,
      lateReadCalls: 4,
      lateReadsCompleted: 0,
      lateReadsResumable: 1,
    });
    expect(idsOf(cutSent.observations)).not.toContain(hiddenId);
    expect(saved?.late?.running).toMatchObject({
      layers: [HOURLY],
      startedAt: new Date(T0 + HOUR).toISOString(),
      pageToken: expect.any(String),
    });
    expect(saved?.since?.time).toBe(new Date(T0 - MINUTE).toISOString());

    // Act: next cycle, with time enough
    world.clock.t = T0 + HOUR + 5 * MINUTE;
    const resumedFrom = world.platform.searchCalls().length;
    const resumed = await world.poll();
    const resumedSent = await world.drain();

    // Assert: it continued at the saved page, read the other 7 of the 11 pages, and caught the late post
    expect(lateCalls(world, resumedFrom)[0]?.pageToken).toBe(saved?.late?.running?.pageToken);
    expect(resumed).toMatchObject({ stoppedReason: 'complete', lateReadPages: 7, lateReadsCompleted: 1 });
    expect(idsOf(resumedSent.observations)).toContain(hiddenId);
    const after = await world.cursor(QUERY);
    expect(after?.late?.running).toBeUndefined();
    expect(after?.late?.lastRead?.[HOURLY]).toBe(new Date(T0 + HOUR).toISOString());
  });

  it('keeps the search and refresh shares of the budget while a late re-read takes its own', async () => {
    // Arrange: budget 20; after the first cycle a backlog of 500 posts and 150 hot tracked posts
    const world = await makeWorld(engines, { settings: { maxRequestsPerCycle: 20 }, maxRefreshBatch: 10 });
    world.platform.addPosts(30, QUERY, T0 - MINUTE, MINUTE);
    await world.poll();
    await world.drain();
    world.clock.t = T0 + HOUR;
    const backlog = world.platform.addPosts(500, QUERY, T0 + HOUR - MINUTE, 5_000);
    await world.track(
      backlog.slice(0, 150).map((p) => ({ postId: FakePlatform.postId(p.id), publishedMs: p.publishedMs })),
    );

    // Act
    const summary = await world.poll();

    // Assert: refresh keeps at most half the budget (the value planner spreads the 150 hot posts over
    // cycles to fit it), late re-reads 10 %, search the rest; nothing over budget
    expect(summary).toMatchObject({
      lateReadCalls: 2,
      lateReadPages: 2,
      apiCalls: 20,
      stoppedReason: 'budget',
      searchesResumable: 1,
      lateReadsResumable: 1,
    });
    expect(summary.refreshCalls).toBe(Math.ceil(summary.due / 10));
    expect(summary.refreshCalls).toBeLessThanOrEqual(10);
    expect(summary.pages).toBe(20 - 2 - summary.refreshCalls);
  });

  it('pages a feed that is not in time order to its end, in the search and in the late re-read', async () => {
    // Arrange: pages whose posts jump back and forth in time, older than the overlap on the first page
    const world = await makeWorld(engines);
    world.platform.addPosts(3, QUERY, T0 - MINUTE, MINUTE);
    await world.poll();
    await world.drain();
    const times = [T0 - 3 * HOUR, T0 + 2 * MINUTE, T0 - 5 * HOUR, T0 + MINUTE, T0 - 2 * HOUR];
    const shuffled = times.map(() => world.platform.addPost([QUERY], T0));
    const pages = shuffled.map((p, i) => ({
      ...world.platform.observationOf(p),
      publishedAt: new Date(times[i] ?? 0).toISOString(),
    }));
    world.platform.searchPage = async (request) => {
      world.platform.calls.push({
        op: 'search',
        query: request.query,
        since: request.since,
        pageToken: request.pageToken,
      });
      const at = Number(request.pageToken ?? 0);
      return {
        observations: [pages[at]].flatMap((o) => (o ? [o] : [])),
        rejects: [],
        ...(at + 1 < pages.length ? { nextPageToken: String(at + 1) } : {}),
        ...(at === 0 ? { newest: { id: pages[1]?.postId, time: pages[1]?.publishedAt } } : {}),
      };
    };

    // Act: an hour later the search and the hourly late re-read both run
    world.clock.t = T0 + HOUR;
    const summary = await world.poll();
    const sent = await world.drain();

    // Assert: every page of both was read, whatever the publish times said
    expect(summary).toMatchObject({ pages: 5, lateReadPages: 5, lateReadsCompleted: 1 });
    expect(idsOf(sent.observations)).toEqual(idsOf(pages));
  });
});
