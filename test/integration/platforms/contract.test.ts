import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PlatformApi, platformPostId } from '../../../infra/local/platform-api';
import { RateLimitedError, TransientPlatformError } from '../../../shared/platforms/adapter';
import { adapterFor, CASES, ids, type PlatformCase, resetApi, searchAll, seed, startApi } from './support';

/** The same contract for every adapter, against the local server that speaks each platform's API. */

describe.each(CASES)('$platform adapter contract', (c) => {
  let api: PlatformApi;
  const roster = [0, 1, 2, 3, 4].map((i) => c.handle(i));
  const adapter = () => adapterFor(api, c.platform, { rosterHandles: roster });
  const searches = () => api.requestsFor(c.platform).filter((r) => c.searchPath.test(r.path));

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api.close();
  });
  beforeEach(() => resetApi(api));

  it('pages newest-first through every post with one search request per page and yields the newest as cursor', async () => {
    // Arrange
    const posts = seed(api, c, 130);
    const a = adapter();
    // Act
    const run = await searchAll(a, a.buildQueries(['NextIdea'])[0] as string);
    // Assert
    expect(ids(run.observations)).toEqual(posts.map(platformPostId).sort());
    expect(run.rejects).toEqual([]);
    expect(searches()).toHaveLength(Math.ceil(posts.length / a.maxPageSize));
    if (c.chronological === false)
      expect(Date.parse(run.cursor?.time ?? '')).toBeLessThanOrEqual(Date.parse(posts[0]?.publishedAt ?? ''));
    else expect(run.cursor).toEqual({ id: platformPostId(posts[0] as never), time: posts[0]?.publishedAt });
  });

  it('reads only what is new on the next cycle and stops at the cursor', async () => {
    const old = seed(api, c, 120, { newestMs: Date.now() - 3_600_000 });
    const a = adapter();
    const query = a.buildQueries(['nextidea'])[0] as string;
    const first = await searchAll(a, query);
    const fresh = seed(api, c, 3, { newestMs: Date.now() - 1_000 });
    api.requests.length = 0;

    const since = c.chronological === false ? { time: old[0]?.publishedAt } : first.cursor;
    const second = await searchAll(a, query, { since, overlapMs: 0 });

    // The boundary post itself is read again (a harmless duplicate), nothing older.
    expect(ids(second.observations)).toEqual(
      [...fresh, old[0]].map((p) => platformPostId(p as never)).sort(),
    );
    // A feed out of time order is read whole: the new posts may sit on any page.
    expect(searches()).toHaveLength(c.chronological === false ? Math.ceil(123 / a.maxPageSize) : 1);
    if (c.chronological !== false) expect(second.cursor?.id).toBe(platformPostId(fresh[0] as never));
  });

  it('re-reads the overlap window behind the cursor and nothing older', async () => {
    const posts = seed(api, c, 10);
    const a = adapter();
    const query = a.buildQueries(['nextidea'])[0] as string;
    const first = await searchAll(a, query);

    const again = await searchAll(a, query, { since: first.cursor, overlapMs: 3.5 * 60_000 });

    expect(ids(again.observations)).toEqual(posts.slice(0, 4).map(platformPostId).sort());
  });

  it('stops paging at notBefore', async () => {
    const posts = seed(api, c, 60);
    const a = adapter();
    const run = await searchAll(a, a.buildQueries(['nextidea'])[0] as string, {
      notBefore: posts[9]?.publishedAt,
    });
    expect(ids(run.observations)).toEqual(posts.slice(0, 10).map(platformPostId).sort());
  });

  it('misses no post when new posts arrive between two pages, and finds them next cycle', async () => {
    const posts = seed(api, c, 120, { newestMs: Date.now() - 600_000 });
    const a = adapter();
    const query = a.buildQueries(['nextidea'])[0] as string;
    const firstPage = await a.searchPage({ query, overlapMs: 0 });
    let inserted: ReturnType<typeof seed> = [];
    api.faults.next(
      { kind: 'before', run: () => (inserted = seed(api, c, 5, { newestMs: Date.now() - 1_000 })) },
      { platform: c.platform, path: c.searchPath },
    );
    const seen = [...firstPage.observations];
    let token = firstPage.nextPageToken;
    while (token) {
      const page = await a.searchPage({ query, overlapMs: 0, pageToken: token });
      seen.push(...page.observations);
      token = page.nextPageToken;
    }
    const seenIds = new Set(seen.map((o) => o.postId));
    expect(posts.map(platformPostId).filter((id) => !seenIds.has(id))).toEqual([]);

    const next = await searchAll(a, query, { since: firstPage.newest, overlapMs: 0 });
    const nextIds = new Set(next.observations.map((o) => o.postId));
    expect(inserted).toHaveLength(5);
    expect(inserted.map(platformPostId).filter((id) => !nextIds.has(id))).toEqual([]);
  });

  it('rejects a malformed item with the reason and still counts the rest of the page', async () => {
    seed(api, c, 5);
    api.faults.next(
      { kind: 'mutate', mutate: c.breakFirstItem },
      { platform: c.platform, path: c.itemsPath },
    );
    const a = adapter();
    const run = await searchAll(a, a.buildQueries(['nextidea'])[0] as string);
    expect(run.observations).toHaveLength(4);
    expect(run.rejects).toHaveLength(1);
    expect(run.rejects[0]?.platform).toBe(c.platform);
    expect(run.rejects[0]?.reason).toMatch(/\S/);
    expect(run.rejects[0]?.item).toBeTypeOf('object');
  });

  it('refreshes counters by id and reports deleted posts as missing', async () => {
    const posts = seed(api, c, 3, { counters: { likes: 1, comments: 1, views: 1 } });
    const [kept, gone, other] = posts.map(platformPostId) as [string, string, string];
    api.store.update(c.platform, posts[0]?.id as string, { counters: { likes: 500, comments: 40 } });
    api.store.delete(c.platform, posts[1]?.id as string);

    const result = await adapter().refresh([kept, gone, other]);

    expect(ids(result.observations)).toEqual([kept, other].sort());
    expect(result.missing).toEqual([gone]);
    const refreshed = result.observations.find((o) => o.postId === kept);
    expect(refreshed?.counters.comments).toBe(40);
    expect(refreshed?.counters.likes).toBe(500);
  });

  it('turns 429 with Retry-After into RateLimitedError retrying at that time', async () => {
    api.faults.next(
      { kind: 'status', status: 429, headers: { 'retry-after': '120' } },
      { platform: c.platform, path: c.searchPath },
    );
    const a = adapter();
    const before = Date.now();
    const error = await a
      .searchPage({ query: a.buildQueries(['nextidea'])[0] as string, overlapMs: 0 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAt).toBeGreaterThanOrEqual(before + 119_000);
    expect(error.retryAt).toBeLessThanOrEqual(Date.now() + 121_000);
  });

  it('turns 429 with no hint into RateLimitedError with an unknown retry time', async () => {
    api.faults.next({ kind: 'status', status: 429 }, { platform: c.platform, path: c.searchPath });
    const a = adapter();
    const error = await a
      .searchPage({ query: a.buildQueries(['nextidea'])[0] as string, overlapMs: 0 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAt).toBeUndefined();
  });

  it.each([500, 502, 503])('turns %i into TransientPlatformError', async (status) => {
    api.faults.next({ kind: 'status', status }, { platform: c.platform, path: c.searchPath });
    const a = adapter();
    const error = await a
      .searchPage({ query: a.buildQueries(['nextidea'])[0] as string, overlapMs: 0 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(TransientPlatformError);
    expect(error.status).toBe(status);
  });

  it.each([
    ['a response slower than the timeout', { kind: 'delay', ms: 1_500 }, /timed out/],
    ['a connection reset', { kind: 'reset' }, /failed/],
    ['a body that is not JSON', { kind: 'malformedJson' }, /not valid JSON/],
    ['a truncated body', { kind: 'truncated' }, /failed|not valid JSON/],
  ] as const)('turns %s into TransientPlatformError', async (_, fault, message) => {
    seed(api, c, 3);
    const a = adapterFor(api, c.platform, { rosterHandles: roster, timeoutMs: 300 });
    // Warm up sessions and lookups so the fault hits the search request itself.
    const query = a.buildQueries(['nextidea'])[0] as string;
    await a.searchPage({ query, overlapMs: 0 });
    api.faults.next(fault, { platform: c.platform, path: c.searchPath });
    const error = await a.searchPage({ query, overlapMs: 0 }).catch((e) => e);
    expect(error).toBeInstanceOf(TransientPlatformError);
    expect(error.message).toMatch(message);
  });

  it('reports rate-limit readings from the response headers', async () => {
    seed(api, c, 3);
    const a = adapter();
    await a.searchPage({ query: a.buildQueries(['nextidea'])[0] as string, overlapMs: 0 });
    const state = a.rateLimit();
    if (c.platform === 'youtube') expect(state).toEqual({});
    else expect(state.remaining).toBeGreaterThan(0);
  });

  it('packs many hashtags into few queries that together find a post of every tag', async () => {
    const tags = Array.from({ length: 12 }, (_, i) => `campaigntag${i}`);
    const posts = tags.map((tag, i) =>
      api.store.add({
        platform: c.platform,
        author: { handle: c.handle(i % 5) },
        text: `Tagged post ${i}`,
        hashtags: [tag],
        publishedAt: Date.now() - (i + 1) * 60_000,
      }),
    );
    seed(api, c, 3, { tag: 'unrelated' });
    const a = adapter();
    const queries = a.buildQueries(tags.map((t) => `#${t.toUpperCase()}`));
    const found = new Set<string>();
    for (const query of queries)
      for (const o of (await searchAll(a, query)).observations) found.add(o.postId);
    expect(queries.length).toBeLessThanOrEqual(tags.length);
    expect([...found].sort()).toEqual(posts.map(platformPostId).sort());
  });
});

const sharedApi = () => {
  const holder: { api?: PlatformApi } = {};
  beforeAll(async () => {
    holder.api = await startApi();
  });
  afterAll(async () => {
    await holder.api?.close();
  });
  beforeEach(() => resetApi(holder.api as PlatformApi));
  return () => holder.api as PlatformApi;
};

describe.each(CASES.filter((c) => c.hideable))('$platform hidden counters', (c) => {
  const getApi = sharedApi();
  const adapter = () => adapterFor(getApi(), c.platform);

  it('leaves a counter the platform hides unknown instead of zero', async () => {
    const hideable = c.hideable as NonNullable<PlatformCase['hideable']>;
    const [hidden, shown] = seed(getApi(), c, 2);
    getApi().store.update(c.platform, hidden?.id as string, { hidden: [hideable.stored] });
    const a = adapter();
    const run = await searchAll(a, a.buildQueries(['nextidea'])[0] as string);
    const byId = new Map(run.observations.map((o) => [o.postId, o]));
    expect(byId.get(platformPostId(hidden as never))?.counters).not.toHaveProperty(hideable.observed);
    expect(byId.get(platformPostId(shown as never))?.counters[hideable.observed]).toBeTypeOf('number');
  });
});

describe.each(CASES.filter((c) => c.resetHeaders))('$platform rate-limit reset headers', (c) => {
  const getApi = sharedApi();
  const adapter = () => adapterFor(getApi(), c.platform);

  it('turns 429 without Retry-After into RateLimitedError at the reset header', async () => {
    const resetMs = Math.floor((Date.now() + 300_000) / 1000) * 1000;
    getApi().faults.next(
      { kind: 'status', status: 429, headers: c.resetHeaders?.(resetMs, Date.now()) },
      { platform: c.platform, path: c.searchPath },
    );
    const a = adapter();
    const error = await a
      .searchPage({ query: a.buildQueries(['nextidea'])[0] as string, overlapMs: 0 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(Math.abs(error.retryAt - resetMs)).toBeLessThanOrEqual(2_000);
    expect(a.rateLimit().remaining).toBe(0);
  });

  it('reads the reset time from every response', async () => {
    seed(getApi(), c, 3);
    const a = adapter();
    await a.searchPage({ query: a.buildQueries(['nextidea'])[0] as string, overlapMs: 0 });
    expect(a.rateLimit().resetAt).toBeGreaterThan(Date.now());
    expect(a.rateLimit().resetAt).toBeLessThanOrEqual(Date.now() + 16 * 60_000);
  });
});
