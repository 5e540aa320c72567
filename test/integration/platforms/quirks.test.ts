import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type PlatformApi,
  PlatformStore,
  platformPostId,
  startPlatformApi,
  youtubeQuotaExceededBody,
} from '../../../infra/local/platform-api';
import { INSTAGRAM_UNATTRIBUTED } from '../../../shared/platforms';
import { PermanentPlatformError, RateLimitedError } from '../../../shared/platforms/adapter';
import { dayOf } from '../../../shared/time';
import { adapterFor, caseOf, ids, resetApi, searchAll, seed, startApi } from './support';

/** Each platform's own quirks, against the local platform API. */

let api: PlatformApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => resetApi(api));

const counters = { likes: 10, shares: 3, quotes: 2, comments: 4, views: 1000 };

describe('X', () => {
  it('counts shares as retweets plus quotes, views as impressions, and reads hashtags in any script', async () => {
    const post = api.store.add({
      platform: 'x',
      author: { handle: 'kol_a' },
      text: 'Launch day #腾讯NextIdea',
      hashtags: ['nextidea'],
      publishedAt: Date.now() - 60_000,
      counters,
    });
    const a = adapterFor(api, 'x');
    const [o] = (await searchAll(a, a.buildQueries(['nextidea'])[0] as string)).observations;
    expect(o?.counters).toEqual({ likes: 10, shares: 5, comments: 4, views: 1000 });
    expect(o?.hashtags).toEqual(expect.arrayContaining(['nextidea', '腾讯nextidea']));
    expect(o?.author).toEqual({ id: post.author.id, handle: 'kol_a', followers: post.author.followers });
    expect(o?.url).toBe(`https://x.com/kol_a/status/${post.id}`);
  });

  it('keeps start_time inside the 7-day recent-search window when the cursor is older', async () => {
    const a = adapterFor(api, 'x');
    const since = { id: '1', time: new Date(Date.now() - 10 * 86_400_000).toISOString() };
    await a.searchPage({ query: '#nextidea -is:retweet', since, overlapMs: 600_000 });
    const startTime = api.requestsFor('x', '/2/tweets/search/recent')[0]?.query.get('start_time');
    expect(Date.parse(startTime as string)).toBeGreaterThanOrEqual(Date.now() - 7 * 86_400_000);
  });
});

describe('Mastodon', () => {
  it('names local and remote authors user@instance', async () => {
    seed(api, caseOf('mastodon'), 1);
    api.store.add({
      platform: 'mastodon',
      author: { handle: 'bob@fosstodon.org' },
      hashtags: ['nextidea'],
      publishedAt: Date.now() - 1_000,
    });
    const a = adapterFor(api, 'mastodon');
    const run = await searchAll(a, a.buildQueries(['nextidea'])[0] as string);
    expect(run.observations.map((o) => o.author.handle).sort()).toEqual([
      'bob@fosstodon.org',
      'kol0@mastodon.social',
    ]);
  });

  it('covers four tags per request, the path tag included', async () => {
    const a = adapterFor(api, 'mastodon');
    const queries = a.buildQueries(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    expect(queries).toHaveLength(2);
    await a.searchPage({ query: queries[0] as string, overlapMs: 0 });
    const [request] = api.requestsFor('mastodon');
    expect(request?.path).toBe('/api/v1/timelines/tag/a1');
    expect(request?.query.getAll('any[]')).toEqual(['a2', 'a3', 'a4']);
  });
});

describe('Bluesky', () => {
  it('creates one app-password session and reuses it', async () => {
    seed(api, caseOf('bluesky'), 3);
    const a = adapterFor(api, 'bluesky');
    for (let i = 0; i < 3; i++) await a.searchPage({ query: '#nextidea', overlapMs: 0 });
    expect(api.requestsFor('bluesky', 'com.atproto.server.createSession')).toHaveLength(1);
  });

  it('refreshes an expired access token once and answers the same call', async () => {
    const posts = seed(api, caseOf('bluesky'), 3);
    const a = adapterFor(api, 'bluesky');
    await a.searchPage({ query: '#nextidea', overlapMs: 0 });
    api.expireSessions('bluesky');
    const result = await a.refresh(posts.map(platformPostId));
    expect(result.observations).toHaveLength(3);
    expect(api.requestsFor('bluesky', 'com.atproto.server.refreshSession')).toHaveLength(1);
    expect(api.requestsFor('bluesky', 'com.atproto.server.createSession')).toHaveLength(1);
  });

  it('creates a new session when the refresh token has expired too', async () => {
    seed(api, caseOf('bluesky'), 1);
    const a = adapterFor(api, 'bluesky');
    await a.searchPage({ query: '#nextidea', overlapMs: 0 });
    api.expireSessions('bluesky', { refreshTokens: true });
    const page = await a.searchPage({ query: '#nextidea', overlapMs: 0 });
    expect(page.observations).toHaveLength(1);
    expect(api.requestsFor('bluesky', 'com.atproto.server.createSession')).toHaveLength(2);
  });

  it('reports a refused app password as a permanent error', async () => {
    const strict = await startPlatformApi({
      store: new PlatformStore(),
      blueskyAppPassword: 'the-right-one',
    });
    try {
      const a = adapterFor(strict, 'bluesky', {
        credentials: { identifier: 'kol.bsky.social', password: 'wrong' },
      });
      const error = await a.searchPage({ query: '#nextidea', overlapMs: 0 }).catch((e) => e);
      expect(error).toBeInstanceOf(PermanentPlatformError);
      expect(error.status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('searches one hashtag per query, because the search has no OR', () => {
    expect(adapterFor(api, 'bluesky').buildQueries(['a', '#B', 'a'])).toEqual(['#a', '#b']);
  });

  it('dates a post whose client clock ran ahead at its indexing time', async () => {
    const [post] = seed(api, caseOf('bluesky'), 1);
    api.faults.next(
      {
        kind: 'mutate',
        mutate: (body) => {
          const posts = (body as { posts: { record: { createdAt: string } }[] }).posts;
          for (const p of posts) p.record.createdAt = '2099-01-01T00:00:00.000Z';
          return body;
        },
      },
      { platform: 'bluesky', path: /searchPosts$/ },
    );
    const page = await adapterFor(api, 'bluesky').searchPage({ query: '#nextidea', overlapMs: 0 });
    expect(page.observations[0]?.publishedAt).toBe(post?.publishedAt);
  });
});

describe('YouTube', () => {
  it('turns 403 quotaExceeded into RateLimitedError retrying at the next midnight Pacific Time', async () => {
    api.faults.next(
      { kind: 'status', status: 403, body: youtubeQuotaExceededBody() },
      { platform: 'youtube' },
    );
    const a = adapterFor(api, 'youtube');
    const error = await a.searchPage({ query: '#nextidea', overlapMs: 0 }).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    const tz = 'America/Los_Angeles';
    expect(error.retryAt).toBeGreaterThan(Date.now());
    expect(error.retryAt - Date.now()).toBeLessThanOrEqual(25 * 3_600_000);
    expect(dayOf(error.retryAt - 1, tz)).not.toBe(dayOf(error.retryAt, tz));
  });

  it('hydrates each search page with one videos.list call and reads string statistics', async () => {
    seed(api, caseOf('youtube'), 3, { counters });
    const a = adapterFor(api, 'youtube');
    // The first page also looks its channels' subscriber counts up (cached for a day after that).
    await a.searchPage({ query: '#nextidea', overlapMs: 0 });
    expect(api.requestsFor('youtube', '/channels')).toHaveLength(1);
    api.requests.length = 0;
    const page = await a.searchPage({ query: '#nextidea', overlapMs: 0 });
    expect(api.requests).toHaveLength(a.searchPageRequests ?? 1);
    expect(page.observations[0]?.counters).toEqual({ likes: 10, comments: 4, views: 1000 });
  });

  it('says which credential is missing', async () => {
    const a = adapterFor(api, 'youtube', { credentials: {} });
    await expect(a.searchPage({ query: '#nextidea', overlapMs: 0 })).rejects.toThrow(/apiKey/);
  });
});

describe('Reddit', () => {
  it('fetches one OAuth token for many calls and a new one when it is rejected', async () => {
    const posts = seed(api, caseOf('reddit'), 3, { counters });
    const a = adapterFor(api, 'reddit');
    await a.searchPage({ query: '#nextidea', overlapMs: 0 });
    await a.refresh(posts.map(platformPostId));
    expect(api.requestsFor('reddit', '/api/v1/access_token')).toHaveLength(1);
    api.expireSessions('reddit');
    const result = await a.refresh(posts.map(platformPostId));
    expect(result.observations[0]?.counters).toEqual({ likes: 10, shares: 3, comments: 4 });
    expect(api.requestsFor('reddit', '/api/v1/access_token')).toHaveLength(2);
  });

  it('reports a refused grant as a permanent error', async () => {
    const a = adapterFor(api, 'reddit', {
      credentials: { clientId: 'c', clientSecret: 's', identifier: 'user', password: '' },
    });
    api.faults.next({ kind: 'mutate', mutate: () => ({ error: 'invalid_grant' }) }, { platform: 'reddit' });
    await expect(a.searchPage({ query: '#nextidea', overlapMs: 0 })).rejects.toBeInstanceOf(
      PermanentPlatformError,
    );
  });

  it('rejects a listing child without its data and still counts the rest of the page', async () => {
    seed(api, caseOf('reddit'), 3, { counters });
    const a = adapterFor(api, 'reddit');
    api.faults.next(
      {
        kind: 'mutate',
        mutate: (body) => {
          const listing = body as { data: { children: { kind: string; data?: unknown }[] } };
          const [first] = listing.data.children;
          if (first) delete first.data;
          return listing;
        },
      },
      { platform: 'reddit', path: /\/search/ },
    );
    const page = await a.searchPage({ query: '#nextidea', overlapMs: 0 });
    expect(page.observations).toHaveLength(2);
    expect(page.rejects).toHaveLength(1);
  });

  it('stops cleanly where the listing ends, about 1000 items deep', async () => {
    seed(api, caseOf('reddit'), 1_050, { spacingMs: 1_000 });
    const a = adapterFor(api, 'reddit');
    const run = await searchAll(a, '#nextidea');
    expect(run.observations).toHaveLength(1_000);
    expect(run.pages).toBe(10);
  });
});

describe('Instagram', () => {
  const roster = ['kol_0', 'kol_1'];

  it('attributes roster media through business_discovery and marks the rest unattributed', async () => {
    const posts = seed(api, caseOf('instagram'), 5);
    const a = adapterFor(api, 'instagram', { rosterHandles: roster });
    const run = await searchAll(a, 'nextidea');
    const byId = new Map(run.observations.map((o) => [o.postId, o.author]));
    for (const post of posts) {
      const expected = roster.includes(post.author.handle)
        ? { id: post.author.id, handle: post.author.handle, followers: post.author.followers }
        : INSTAGRAM_UNATTRIBUTED;
      expect(byId.get(post.id)).toEqual(expected);
    }
  });

  it('looks a hashtag id up once and re-reads roster media only after the attribution TTL', async () => {
    seed(api, caseOf('instagram'), 5);
    let clock = Date.now();
    const a = adapterFor(api, 'instagram', { rosterHandles: roster, now: () => clock });
    await searchAll(a, 'nextidea');
    await searchAll(a, 'nextidea');
    expect(api.requestsFor('instagram', '/ig_hashtag_search')).toHaveLength(1);
    const discovery = () =>
      api.requests.filter((r) => r.query.get('fields')?.startsWith('business_discovery'));
    expect(discovery()).toHaveLength(roster.length);
    clock += 6 * 60_000;
    await searchAll(a, 'nextidea');
    expect(discovery()).toHaveLength(2 * roster.length);
  });

  it('keeps the access token out of page tokens', async () => {
    seed(api, caseOf('instagram'), 60);
    const page = await adapterFor(api, 'instagram').searchPage({ query: 'nextidea', overlapMs: 0 });
    expect(page.nextPageToken).toBeDefined();
    expect(page.nextPageToken).not.toMatch(/access_token|local-instagram-token/);
  });

  it('only sees media of the last 24 hours, as recent_media does', async () => {
    const recent = seed(api, caseOf('instagram'), 2);
    seed(api, caseOf('instagram'), 2, { newestMs: Date.now() - 30 * 3_600_000 });
    const run = await searchAll(adapterFor(api, 'instagram'), 'nextidea');
    expect(ids(run.observations)).toEqual(recent.map(platformPostId).sort());
  });
});
