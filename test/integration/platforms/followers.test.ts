import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlatformApi } from '../../../infra/local/platform-api';
import type { Platform } from '../../../shared/platform';
import { RateLimitedError } from '../../../shared/platforms/adapter';
import { BLUESKY_PROFILES_PER_REQUEST } from '../../../shared/platforms/bluesky';
import { YOUTUBE_CHANNELS_PER_REQUEST } from '../../../shared/platforms/youtube';
import { adapterFor, caseOf, resetApi, searchAll, startApi } from './support';

/** Each adapter's follower count (reach), against the local platform API that serves it as the platform does. */

let api: PlatformApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => resetApi(api));

const DAY_MS = 24 * 3600 * 1000;
const query = (platform: Platform) => (platform === 'instagram' ? 'nextidea' : '#nextidea');

/** One post per author, a minute apart, newest first. */
const seedAuthors = (platform: Platform, followers: (number | null)[]) =>
  followers.map((count, i) =>
    api.store.add({
      platform,
      author: { handle: caseOf(platform).handle(i), followers: count },
      hashtags: ['nextidea'],
      publishedAt: Math.floor((Date.now() - 60_000 * (i + 1)) / 1000) * 1000,
    }),
  );

const followersByAuthor = async (platform: Platform, extra = {}) => {
  const a = adapterFor(api, platform, extra);
  const run = await searchAll(a, query(platform));
  return new Map(run.observations.map((o) => [o.author.id, o.author.followers]));
};

describe.each(['x', 'mastodon', 'bluesky', 'youtube', 'instagram'] as const)('%s', (platform) => {
  it("carries each author's follower count, a known 0 included", async () => {
    const posts = seedAuthors(platform, [52_000, 0, 7]);
    const extra = platform === 'instagram' ? { rosterHandles: posts.map((p) => p.author.handle) } : {};
    const got = await followersByAuthor(platform, extra);
    expect(got).toEqual(new Map(posts.map((p) => [p.author.id, p.author.followers])));
    expect([...got.values()].sort((x = 0, y = 0) => x - y)).toEqual([0, 7, 52_000]);
  });
});

describe('Reddit', () => {
  it('gives no follower count: followers stay unknown (absent), never 0', async () => {
    seedAuthors('reddit', [900]);
    const got = await followersByAuthor('reddit');
    expect([...got.values()]).toEqual([undefined]);
    expect(
      (await searchAll(adapterFor(api, 'reddit'), '#nextidea')).observations[0]?.author,
    ).not.toHaveProperty('followers');
  });
});

describe('X', () => {
  it('asks for public_metrics through the author expansion, with no extra request', async () => {
    seedAuthors('x', [10, 20]);
    await followersByAuthor('x');
    const requests = api.requestsFor('x');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.query.get('expansions')).toBe('author_id');
    expect(requests[0]?.query.get('user.fields')?.split(',')).toContain('public_metrics');
  });
});

describe('Bluesky', () => {
  it('looks authors up with getProfiles, 25 actors a request, once a day per author', async () => {
    seedAuthors(
      'bluesky',
      Array.from({ length: 30 }, (_, i) => 100 + i),
    );
    let now = Date.now();
    const a = adapterFor(api, 'bluesky', { now: () => now });
    const first = await searchAll(a, '#nextidea');
    expect(
      first.observations.every((o) => o.author.followers === 100 + Number(o.author.handle.slice(3, -12))),
    ).toBe(true);
    const lookups = () => api.requestsFor('bluesky', 'app.bsky.actor.getProfiles');
    expect(lookups().map((r) => r.query.getAll('actors').length)).toEqual([BLUESKY_PROFILES_PER_REQUEST, 5]);
    // The same authors within the day: no lookup.
    await searchAll(a, '#nextidea');
    expect(lookups()).toHaveLength(2);
    // A day later the counts are read again (and show the change).
    api.store.setFollowers('bluesky', first.observations[0]?.author.id as string, 5_000);
    now += DAY_MS;
    const later = await searchAll(a, '#nextidea');
    expect(lookups()).toHaveLength(4);
    expect(later.observations[0]?.author.followers).toBe(5_000);
  });

  it('leaves followers unknown when a lookup fails for good, and asks again next page', async () => {
    seedAuthors('bluesky', [42]);
    const a = adapterFor(api, 'bluesky');
    api.faults.next(
      { kind: 'status', status: 400, body: { error: 'InvalidRequest', message: 'no' } },
      { platform: 'bluesky', path: /getProfiles/ },
    );
    const failed = await searchAll(a, '#nextidea');
    expect(failed.observations).toHaveLength(1);
    expect(failed.observations[0]?.author.followers).toBeUndefined();
    const retried = await searchAll(a, '#nextidea');
    expect(retried.observations[0]?.author.followers).toBe(42);
  });

  it('lets a rate-limited lookup fail the page, so the poller retries it like any request', async () => {
    seedAuthors('bluesky', [42]);
    const a = adapterFor(api, 'bluesky');
    api.faults.next({ kind: 'status', status: 429 }, { platform: 'bluesky', path: /getProfiles/ });
    await expect(a.searchPage({ query: '#nextidea', overlapMs: 0 })).rejects.toBeInstanceOf(RateLimitedError);
  });
});

describe('YouTube', () => {
  it('reads subscriberCount with one channels.list (50 ids, counted in requestCount); hidden counts stay unknown', async () => {
    const posts = seedAuthors(
      'youtube',
      Array.from({ length: 52 }, (_, i) => (i === 3 ? null : 1_000 + i)),
    );
    const a = adapterFor(api, 'youtube');
    const before = a.requestCount?.() ?? 0;
    const run = await searchAll(a, '#nextidea');
    const lookups = api.requestsFor('youtube', '/channels');
    expect(lookups.map((r) => r.query.get('id')?.split(',').length)).toEqual([
      YOUTUBE_CHANNELS_PER_REQUEST,
      2,
    ]);
    expect(lookups.every((r) => r.query.get('part') === 'statistics')).toBe(true);
    // Two search pages (search.list + videos.list each) plus two channels.list.
    expect((a.requestCount?.() ?? 0) - before).toBe(run.pages * 2 + 2);
    const got = new Map(run.observations.map((o) => [o.author.id, o.author.followers]));
    for (const [i, p] of posts.entries()) expect(got.get(p.author.id)).toBe(i === 3 ? undefined : 1_000 + i);
    // A hidden count is remembered as unknown too: not asked again within the day.
    await searchAll(a, '#nextidea');
    expect(api.requestsFor('youtube', '/channels')).toHaveLength(2);
  });
});
