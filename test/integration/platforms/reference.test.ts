import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type PlatformApi,
  PlatformStore,
  platformPostId,
  startPlatformApi,
} from '../../../infra/local/platform-api';
import { adapterFor, caseOf, ids, resetApi, searchAll, seed, startApi } from './support';

/**
 * Behaviour the platforms' references document, against a local platform API that behaves that way
 * (docs/platforms.md lists each limit with its source).
 */

let api: PlatformApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => resetApi(api));

const allOf = async (a: ReturnType<typeof adapterFor>, tags: string[]) => {
  const found = [];
  for (const query of a.buildQueries(tags)) found.push(...(await searchAll(a, query)).observations);
  return found;
};
const minutesAgo = (n: number) => Date.now() - n * 60_000;

describe('Mastodon tag timeline', () => {
  const post = (tag: string, at = minutesAgo(1)) =>
    api.store.add({
      platform: 'mastodon',
      author: { handle: 'kol@mastodon.social' },
      hashtags: [tag],
      publishedAt: at,
    });

  it('ignores any[] past four tags in all, so the adapter packs at most four', async () => {
    const fifth = post('t5');
    for (const t of ['t1', 't2', 't3', 't4']) post(t);
    const answer = await fetch(
      `${api.baseUrls.mastodon}/api/v1/timelines/tag/t1?any[]=t2&any[]=t3&any[]=t4&any[]=t5`,
    );
    expect(((await answer.json()) as { id: string }[]).map((s) => s.id)).not.toContain(fifth.id);
    const found = await allOf(adapterFor(api, 'mastodon'), ['t1', 't2', 't3', 't4', 't5']);
    expect(found.map((o) => o.postId)).toContain(fifth.id);
  });

  it('still finds the other tags of a group whose path tag the server does not know', async () => {
    const known = [post('known1'), post('known2', minutesAgo(2))];
    const a = adapterFor(api, 'mastodon');
    const [query] = a.buildQueries(['neverused', 'known1', 'known2']);
    const run = await searchAll(a, query as string);
    expect(ids(run.observations)).toEqual(known.map((p) => p.id).sort());
  });

  it('keeps paging without the unknown path tag', async () => {
    const posts = Array.from({ length: 45 }, (_, i) => post('known', minutesAgo(i + 1)));
    const a = adapterFor(api, 'mastodon');
    const run = await searchAll(a, a.buildQueries(['neverused', 'known'])[0] as string);
    expect(ids(run.observations)).toEqual(posts.map((p) => p.id).sort());
    expect(run.pages).toBe(2);
  });

  it('counts quotes (Mastodon 4.5 quotes_count) as shares', async () => {
    api.store.add({
      platform: 'mastodon',
      author: { handle: 'kol@mastodon.social' },
      hashtags: ['q'],
      publishedAt: minutesAgo(1),
      counters: { shares: 3, quotes: 2 },
    });
    const run = await searchAll(adapterFor(api, 'mastodon'), '#q');
    expect(run.observations[0]?.counters.shares).toBe(5);
  });
});

describe('Instagram', () => {
  const c = caseOf('instagram');

  it('finds a newer media on a later recent_media page, which is not in chronological order', async () => {
    const a = adapterFor(api, 'instagram');
    const old = seed(api, c, 120, { newestMs: minutesAgo(300) });
    const first = await searchAll(a, 'nextidea');
    const fresh = seed(api, c, 30, { newestMs: minutesAgo(1) });
    const second = await searchAll(a, 'nextidea', { since: first.cursor, overlapMs: 0 });
    const seen = new Set(second.observations.map((o) => o.postId));
    for (const p of fresh) expect(seen.has(p.id)).toBe(true);
    expect(old.length).toBe(120);
  });

  it('refreshes a tracked media older than the 50 newest of its account by paging business_discovery', async () => {
    const posts = seed(api, c, 70, { newestMs: minutesAgo(1), spacingMs: 3_600_000 }).filter(
      (p) => p.author.handle === 'kol_0',
    );
    const oldest = posts[posts.length - 1];
    const a = adapterFor(api, 'instagram', { rosterHandles: ['kol_0'] });
    const before = a.requestCount?.() ?? 0;
    const result = await a.refresh([oldest?.id as string]);
    expect(result.missing).toEqual([]);
    expect(result.observations.map((o) => o.postId)).toEqual([oldest?.id]);
    // Each business_discovery call counts, not one per refresh.
    expect((a.requestCount?.() ?? 0) - before).toBe(
      api.requests.filter((r) => r.query.get('fields')?.startsWith('business_discovery')).length,
    );
  });

  it('counts every business_discovery call of a refresh batch', async () => {
    seed(api, c, 5);
    const a = adapterFor(api, 'instagram', { rosterHandles: ['kol_0', 'kol_1', 'kol_2'] });
    await a.refresh(['1790000000000001']);
    expect(a.requestCount?.()).toBe(api.requestsFor('instagram').length);
    expect(a.requestCount?.()).toBeGreaterThanOrEqual(3);
  });
});

describe('YouTube videos.list', () => {
  it('is sent without maxResults, which the reference does not support with id', async () => {
    const [post] = seed(api, caseOf('youtube'), 1);
    const result = await adapterFor(api, 'youtube').refresh([post?.id as string]);
    expect(result.observations).toHaveLength(1);
    expect(api.requestsFor('youtube', '/videos')[0]?.query.has('maxResults')).toBe(false);
  });
});

describe('X', () => {
  it('reads hashtags past the 280th character from note_tweet', async () => {
    const post = api.store.add({
      platform: 'x',
      author: { handle: 'kol_a' },
      text: `${'long '.repeat(60)}#latetag`,
      publishedAt: minutesAgo(1),
    });
    const a = adapterFor(api, 'x');
    const run = await searchAll(a, '#latetag -is:retweet');
    expect(run.observations[0]?.hashtags).toContain('latetag');
    const refreshed = await a.refresh([post.id]);
    expect(refreshed.observations[0]?.hashtags).toContain('latetag');
  });

  it('keeps rate-limit readings per endpoint and reports the most constraining one', async () => {
    const own = await startPlatformApi({
      store: new PlatformStore(),
      rateLimit: { limit: 3, windowMs: 60_000 },
    });
    try {
      const [post] = seed(own, caseOf('x'), 1);
      const a = adapterFor(own, 'x');
      for (let i = 0; i < 3; i++) await searchAll(a, '#nextidea -is:retweet');
      // Search is used up; lookup has its own window on X.
      await expect(searchAll(a, '#nextidea -is:retweet')).rejects.toThrow(/429/);
      const refreshed = await a.refresh([post?.id as string]);
      expect(refreshed.observations).toHaveLength(1);
      const byEndpoint = a.rateLimitsByEndpoint?.() ?? {};
      expect(byEndpoint.search?.remaining).toBe(0);
      expect(byEndpoint.lookup?.remaining).toBe(2);
      expect(a.rateLimit().remaining).toBe(0);
    } finally {
      await own.close();
    }
  });
});

describe('Bluesky searchPosts', () => {
  it('pages on through an empty page that still carries a cursor', async () => {
    const c = caseOf('bluesky');
    const older = seed(api, c, 20, { newestMs: minutesAgo(200) });
    const hidden = seed(api, c, 100, { newestMs: minutesAgo(10) });
    for (const p of hidden) api.store.delete('bluesky', p.id);
    const run = await searchAll(adapterFor(api, 'bluesky'), '#nextidea');
    expect(ids(run.observations)).toEqual(older.map(platformPostId).sort());
  });
});

describe('late indexing', () => {
  it('shows a post in search only from its indexing time, with its old id and timestamp', async () => {
    const publishedAt = minutesAgo(30);
    const post = api.store.addLateIndexed(
      { platform: 'x', author: { handle: 'kol_a' }, hashtags: ['late'], publishedAt },
      Date.now() + 60_000,
    );
    const a = adapterFor(api, 'x');
    expect((await searchAll(a, '#late -is:retweet')).observations).toEqual([]);
    expect((await a.refresh([post.id])).observations).toHaveLength(1);
    api.store.update('x', post.id, { indexedAt: Date.now() });
    const run = await searchAll(a, '#late -is:retweet');
    expect(run.observations.map((o) => [o.postId, o.publishedAt])).toEqual([[post.id, post.publishedAt]]);
  });
});
