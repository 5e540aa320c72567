import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PollSendError } from '../../../functions/poll/app';
import { REJECT_TTL_SECONDS } from '../../../functions/poll/rejects';
import { FakePlatform } from '../../unit/poll/fake-platform';
import { idsOf, MINUTE, makeWorld, postIds, startEngines, T0 } from './harness';

const QUERY = 'nextidea';

describe('poll cycle: search (dynalite + fauxqs)', () => {
  let engines: Awaited<ReturnType<typeof startEngines>>;
  beforeAll(async () => {
    engines = await startEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('pages back to the cursor, then reads only new posts and the overlap window', async () => {
    // Arrange: 25 posts a minute apart, pages of 10
    const world = await makeWorld(engines);
    const old = world.platform.addPosts(25, QUERY, T0 - MINUTE, MINUTE);

    // Act: first cycle
    const first = await world.poll();
    const firstSent = await world.drain();

    // Assert: everything read, cursor on the newest post, no resume point
    expect(first).toMatchObject({
      pages: 3,
      searchesCompleted: 1,
      observationsSent: 25,
      stoppedReason: 'complete',
    });
    expect(idsOf(firstSent.observations)).toEqual(postIds(old));
    const cursor = await world.cursor(QUERY);
    expect(cursor?.since).toEqual({
      id: FakePlatform.postId(old.at(-1)?.id ?? 0),
      time: new Date(T0 - MINUTE).toISOString(),
    });
    expect(cursor?.resume).toBeUndefined();

    // Act: next cycle, three new posts
    world.clock.t = T0 + 5 * MINUTE;
    const fresh = [1, 2, 3].map((m) => world.platform.addPost([QUERY], T0 + m * MINUTE));
    await world.poll();
    const second = await world.drain();

    // Assert: new posts read; of the old ones only those within the 10-minute overlap were re-read
    expect(idsOf(second.observations)).toEqual(expect.arrayContaining(postIds(fresh)));
    for (const o of second.observations)
      expect(Date.parse(o.publishedAt)).toBeGreaterThanOrEqual(T0 - 11 * MINUTE);
    expect((await world.cursor(QUERY))?.since?.id).toBe(FakePlatform.postId(fresh[2]?.id ?? 0));
  });

  it('re-reads the overlap window so a late-indexed post is not missed (and would be without it)', async () => {
    for (const overlapMinutes of [10, 0]) {
      const world = await makeWorld(engines, { settings: { overlapMinutes } });
      world.platform.addPosts(5, QUERY, T0 - MINUTE, MINUTE);
      await world.poll();
      await world.drain();
      // A post published 3 minutes before the cursor shows up in search only now.
      const late = world.platform.addPost([QUERY], T0 - 4 * MINUTE);
      world.clock.t = T0 + 5 * MINUTE;
      await world.poll();
      const seen = idsOf((await world.drain()).observations);
      if (overlapMinutes > 0) expect(seen).toContain(FakePlatform.postId(late.id));
      else expect(seen).not.toContain(FakePlatform.postId(late.id));
    }
  });

  it('picks up posts published while it was paging in the next cycle', async () => {
    const world = await makeWorld(engines);
    const old = world.platform.addPosts(25, QUERY, T0 - MINUTE, MINUTE);
    const during: number[] = [];
    world.platform.beforeCall = (call) => {
      if (call.pageToken && during.length === 0)
        during.push(...world.platform.addPosts(5, QUERY, world.clock.now()).map((p) => p.id));
    };
    await world.poll();
    const first = idsOf((await world.drain()).observations);
    world.platform.beforeCall = undefined;
    world.clock.t = T0 + 5 * MINUTE;
    await world.poll();
    const second = idsOf((await world.drain()).observations);

    expect(first).toEqual(postIds(old));
    expect(second).toEqual(expect.arrayContaining(during.map(FakePlatform.postId)));
  });

  it('keeps the cursor when a page fails halfway through a search, and resumes there next cycle', async () => {
    // Arrange: the second page fails with 503 on every retry
    const world = await makeWorld(engines);
    const posts = world.platform.addPosts(35, QUERY, T0 - MINUTE, MINUTE);
    let failed = false;
    world.platform.beforeCall = (call) => {
      if (call.pageToken && !failed) {
        failed = true;
        world.platform.faults.push(...Array.from({ length: 4 }, () => ({ kind: 'transient' as const })));
      }
    };
    // Act
    const first = await world.poll();
    const firstIds = idsOf((await world.drain()).observations);
    const saved = await world.cursor(QUERY);
    // Assert: page 1 went out, the cursor did not move, the failed page is the resume point
    expect(first.failures).toHaveLength(1);
    expect(firstIds).toHaveLength(10);
    expect(saved?.since).toBeUndefined();
    expect(saved?.resume?.pageToken).toBe(world.platform.searchCalls()[1]?.pageToken);

    // Act: next cycle
    world.clock.t = T0 + 5 * MINUTE;
    const second = await world.poll();
    const secondIds = idsOf((await world.drain()).observations);
    // Assert: it starts at the failed page and, with the first cycle, covers every post
    const secondCalls = world.platform.searchCalls().slice(first.pages + 4);
    expect(secondCalls[0]?.pageToken).toBe(saved?.resume?.pageToken);
    expect(second.failures).toEqual([]);
    expect([...new Set([...firstIds, ...secondIds])].sort()).toEqual(postIds(posts));
    expect((await world.cursor(QUERY))?.since?.id).toBe(FakePlatform.postId(posts.at(-1)?.id ?? 0));
  });

  it('does not advance the cursor when the observations cannot be sent, and loses nothing', async () => {
    const world = await makeWorld(engines, { tuning: { sendMaxAttempts: 2 } });
    const posts = world.platform.addPosts(25, QUERY, T0 - MINUTE, MINUTE);
    let failing = true;
    const name = `failSends-${world.queues.events}`;
    engines.sqs.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (failing && context.commandName === 'SendMessageBatchCommand')
          throw new Error('ServiceUnavailable');
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await expect(world.poll()).rejects.toBeInstanceOf(PollSendError);
      expect(await world.cursor(QUERY)).toBeUndefined();

      failing = false;
      world.clock.t = T0 + 5 * MINUTE;
      await world.poll();
      expect(idsOf((await world.drain()).observations)).toEqual(postIds(posts));
      expect((await world.cursor(QUERY))?.since).toBeDefined();
    } finally {
      engines.sqs.client.middlewareStack.remove(name);
    }
  });

  it('re-reads after dying between sending and saving the cursor: nothing lost, nothing sent twice', async () => {
    const world = await makeWorld(engines);
    const posts = world.platform.addPosts(25, QUERY, T0 - MINUTE, MINUTE);
    let crash = true;
    const name = `crashOnCursor-${world.tables.state}`;
    engines.dynamo.doc.middlewareStack.add(
      (next, context) => async (args) => {
        // The document client marshals before the base client's stack runs: match the marshalled key.
        const isCursorWrite =
          /^Put(Item)?Command$/.test(context.commandName ?? '') &&
          JSON.stringify(args.input).includes('CURSOR#');
        if (crash && isCursorWrite) throw new Error('process killed');
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await expect(world.poll()).rejects.toThrow('process killed');
      const sent = (await world.drain()).observations;
      expect(idsOf(sent)).toEqual(postIds(posts));
      expect(await world.cursor(QUERY)).toBeUndefined();

      crash = false;
      world.clock.t = T0 + 5 * MINUTE;
      const again = await world.poll();
      // The page is read again, but every post equals the observation already sent for it: nothing to send.
      expect(again.searchObservations).toBe(posts.length);
      expect(again.suppressed).toBe(posts.length);
      expect(idsOf((await world.drain()).observations)).toEqual([]);
      expect((await world.cursor(QUERY))?.since).toBeDefined();
    } finally {
      engines.dynamo.doc.middlewareStack.remove(name);
    }
  });

  it('records malformed items as rejects with a TTL and still sends the rest of the page', async () => {
    const world = await makeWorld(engines);
    const posts = world.platform.addPosts(8, QUERY, T0 - MINUTE, MINUTE);
    world.platform.malformedOnNextPage = 2;
    const summary = await world.poll();
    expect(summary.rejects).toBe(2);
    expect(idsOf((await world.drain()).observations)).toEqual(postIds(posts));
    const records = await world.rejectRecords('2025-03-10');
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r).toMatchObject({ platform: 'x', kind: 'reject', source: 'poll' });
      expect(String(r.reason)).toMatch(/author/);
      expect(String(r.raw)).toMatch(/no author/);
      expect(r.expiresAt).toBe(Math.floor(world.clock.now() / 1000) + REJECT_TTL_SECONDS);
    }
    // The same bad items read again (overlap) overwrite their records instead of piling up.
    world.platform.malformedOnNextPage = 2;
    await world.poll();
    expect(await world.rejectRecords('2025-03-10')).toHaveLength(2);
  });

  it('stops cleanly before the Lambda deadline and resumes from the saved page next cycle', async () => {
    // Arrange: 100 ms per request; 10 s safety margin + 250 ms leaves room for three pages
    const world = await makeWorld(engines, { latencyMs: 100 });
    const posts = world.platform.addPosts(50, QUERY, T0 - MINUTE, MINUTE);
    // Act
    const first = await world.poll(10_250);
    const firstIds = idsOf((await world.drain()).observations);
    const saved = await world.cursor(QUERY);
    // Assert
    expect(first).toMatchObject({ stoppedReason: 'deadline', pages: 3, searchesResumable: 1 });
    expect(firstIds).toHaveLength(30);
    expect(saved?.since).toBeUndefined();
    expect(saved?.resume?.pageToken).toBeDefined();

    world.clock.t = T0 + 5 * MINUTE;
    const callsBefore = world.platform.searchCalls().length;
    const second = await world.poll();
    const secondIds = idsOf((await world.drain()).observations);
    expect(world.platform.searchCalls()[callsBefore]?.pageToken).toBe(saved?.resume?.pageToken);
    expect(second.stoppedReason).toBe('complete');
    expect([...new Set([...firstIds, ...secondIds])].sort()).toEqual(postIds(posts));
    // The resumed search did not re-read the pages the first cycle had already sent.
    expect(secondIds.filter((id) => firstIds.includes(id)).length).toBeLessThanOrEqual(11);
  });

  it('restarts a search from its cursor when the platform rejects a saved resume token', async () => {
    const world = await makeWorld(engines, { latencyMs: 100 });
    const posts = world.platform.addPosts(50, QUERY, T0 - MINUTE, MINUTE);
    await world.poll(10_250); // stops at the deadline with a resume point
    const firstIds = idsOf((await world.drain()).observations);
    world.clock.t = T0 + 60 * MINUTE;
    world.platform.faults.push({ kind: 'permanent', status: 400 }); // "next_token is invalid"
    const second = await world.poll();
    const secondIds = idsOf((await world.drain()).observations);
    expect(second).toMatchObject({ stoppedReason: 'complete', failures: [] });
    expect(world.platform.searchCalls().at(-second.pages)?.pageToken).toBeUndefined();
    expect([...new Set([...firstIds, ...secondIds])].sort()).toEqual(postIds(posts));
    expect((await world.cursor(QUERY))?.resume).toBeUndefined();
  });

  it('honours a 429 reset that fits in the time left, and stops to resume when it does not', async () => {
    const world = await makeWorld(engines);
    world.platform.addPosts(25, QUERY, T0 - MINUTE, MINUTE);
    let limited = 0;
    const retryAts = [T0 + 30_000, T0 + 3_600_000];
    world.platform.beforeCall = (call) => {
      if (call.pageToken && limited < retryAts.length && world.platform.faults.length === 0)
        world.platform.faults.push({ kind: 'rate-limited', retryAt: retryAts[limited++] });
    };
    const first = await world.poll();
    expect(first.stoppedReason).toBe('rate-limited');
    // The first 429 was waited out (30 s), the second (an hour) was not.
    expect(world.clock.sleeps).toContain(30_000 - 2 * 100);
    expect(world.clock.now()).toBeLessThan(T0 + 120_000);
    const saved = await world.cursor(QUERY);
    expect(saved?.resume?.pageToken).toBeDefined();

    world.clock.t = T0 + 3_600_000;
    const second = await world.poll();
    expect(second.stoppedReason).toBe('complete');
    expect(idsOf((await world.drain()).observations)).toHaveLength(25);
  });

  it('backs off and retries on 5xx, completing the cycle', async () => {
    const world = await makeWorld(engines);
    world.platform.addPosts(15, QUERY, T0 - MINUTE, MINUTE);
    world.platform.faults.push({ kind: 'transient', status: 502 }, { kind: 'transient', status: 503 });
    const summary = await world.poll();
    expect(summary).toMatchObject({ stoppedReason: 'complete', pages: 2, apiCalls: 4, failures: [] });
    expect(world.clock.sleeps).toHaveLength(2);
    expect(idsOf((await world.drain()).observations)).toHaveLength(15);
  });

  it('packs many pages into few messages, each under 256 KiB', async () => {
    const world = await makeWorld(engines, { pageSize: 100 });
    const longTag = '腾讯'.repeat(120);
    for (let i = 0; i < 3_000; i++) world.platform.addPost([QUERY, longTag, `t${i}`], T0 - 3 * MINUTE + i);
    const summary = await world.poll();
    const { bodies, observations } = await world.drain();
    expect(summary.pages).toBe(30);
    expect(observations).toHaveLength(3_000);
    expect(bodies.length).toBeLessThan(summary.pages);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(256 * 1024);
  });
});
