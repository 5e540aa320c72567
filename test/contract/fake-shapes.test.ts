import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_PLATFORM_CREDENTIALS,
  type PlatformApi,
  PlatformStore,
  startPlatformApi,
} from '../../infra/local/platform-api';
import type { Platform } from '../../shared/platform';
import { ENDPOINT_SCHEMAS } from '../../shared/platforms/schemas';

/**
 * The local platform API answers in the shapes the adapters' schemas (the same ones the documented examples
 * meet, see fixtures.test.ts) accept, so fake and adapter cannot drift apart together.
 */

let api: PlatformApi;
const ids: Partial<Record<Platform, string>> = {};
const get = async (platform: Platform, path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${api.baseUrls[platform]}${path}`, { headers });
  expect(response.status).toBe(200);
  return response.json() as Promise<unknown>;
};

beforeAll(async () => {
  api = await startPlatformApi({ store: new PlatformStore() });
  for (const platform of ['x', 'mastodon', 'bluesky', 'youtube', 'reddit', 'instagram'] as const) {
    const post = api.store.add({
      platform,
      author: { handle: platform === 'mastodon' ? 'kol@mastodon.social' : 'kol_0' },
      text: `${'long text '.repeat(30)}#shape`,
      publishedAt: Date.now() - 60_000,
      counters: { likes: 1, shares: 2, quotes: 3, comments: 4, views: 5 },
    });
    ids[platform] = post.id;
  }
});
afterAll(async () => {
  await api.close();
});

const bluesky = async () => {
  const session = (await (
    await fetch(`${api.baseUrls.bluesky}/xrpc/com.atproto.server.createSession`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(LOCAL_PLATFORM_CREDENTIALS.bluesky),
    })
  ).json()) as { accessJwt: string };
  return { authorization: `Bearer ${session.accessJwt}` };
};
const reddit = async () => {
  const token = (await (
    await fetch(`${api.baseUrls.reddit}/api/v1/access_token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('local-client:local-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    })
  ).json()) as { access_token: string };
  return { authorization: `Bearer ${token.access_token}` };
};
const youtubeChannel = async () => {
  const videos = (await get('youtube', `/videos?part=snippet&id=${ids.youtube}&key=k`)) as {
    items: { snippet: { channelId: string } }[];
  };
  return videos.items[0]?.snippet.channelId;
};
const ig = `access_token=t&user_id=${LOCAL_PLATFORM_CREDENTIALS.instagram.businessAccountId}`;
const igFields = 'id,caption,comments_count,like_count,media_type,permalink,timestamp';
const xFields = 'tweet.fields=created_at,public_metrics,entities,author_id,note_tweet&expansions=author_id';
const bearer = { authorization: 'Bearer t' };

const CALLS: { platform: Platform; endpoint: string; call: () => Promise<unknown> }[] = [
  {
    platform: 'x',
    endpoint: 'search',
    call: () => get('x', `/2/tweets/search/recent?query=%23shape&${xFields}`, bearer),
  },
  { platform: 'x', endpoint: 'lookup', call: () => get('x', `/2/tweets?ids=${ids.x},1&${xFields}`, bearer) },
  {
    platform: 'mastodon',
    endpoint: 'tagTimeline',
    call: () => get('mastodon', '/api/v1/timelines/tag/shape'),
  },
  {
    platform: 'bluesky',
    endpoint: 'searchPosts',
    call: async () => get('bluesky', '/xrpc/app.bsky.feed.searchPosts?q=%23shape', await bluesky()),
  },
  {
    platform: 'youtube',
    endpoint: 'search',
    call: () => get('youtube', '/search?part=snippet&type=video&q=%23shape&key=k'),
  },
  {
    platform: 'youtube',
    endpoint: 'videos',
    call: () => get('youtube', `/videos?part=snippet,statistics&id=${ids.youtube}&key=k`),
  },
  {
    platform: 'bluesky',
    endpoint: 'getProfiles',
    call: async () => get('bluesky', `/xrpc/app.bsky.actor.getProfiles?actors=kol_0`, await bluesky()),
  },
  {
    platform: 'youtube',
    endpoint: 'channels',
    call: async () => get('youtube', `/channels?part=statistics&id=${await youtubeChannel()}&key=k`),
  },
  {
    platform: 'reddit',
    endpoint: 'listing',
    call: async () => get('reddit', '/search?q=%23shape&sort=new', await reddit()),
  },
  {
    platform: 'instagram',
    endpoint: 'recentMedia',
    call: async () => {
      const search = (await get('instagram', `/ig_hashtag_search?q=shape&${ig}`)) as {
        data: { id: string }[];
      };
      return get('instagram', `/${search.data[0]?.id}/recent_media?fields=${igFields}&${ig}`);
    },
  },
  {
    platform: 'instagram',
    endpoint: 'businessDiscovery',
    call: () =>
      get(
        'instagram',
        `/${LOCAL_PLATFORM_CREDENTIALS.instagram.businessAccountId}?${ig}&fields=${encodeURIComponent(`business_discovery.username(kol_0){id,username,media.limit(50){${igFields}}}`)}`,
      ),
  },
];

describe.each(CALLS)('$platform $endpoint', ({ platform, endpoint, call }) => {
  it('answers in the shape the adapter parses, with at least one valid item', async () => {
    const schema = ENDPOINT_SCHEMAS[platform][endpoint];
    if (!schema) throw new Error(`no schema for ${platform} ${endpoint}`);
    const envelope = schema.envelope.parse(await call());
    const items = schema.items(envelope as never);
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(schema.item.safeParse(item).error).toBeUndefined();
  });
});

/** The follower fields reach needs, where and in the form each platform serves them (docs/platforms.md). */
const FOLLOWER_FIELDS: {
  platform: Platform;
  call: () => Promise<unknown>;
  count: (body: never) => unknown;
}[] = [
  {
    platform: 'x',
    call: () =>
      get(
        'x',
        `/2/tweets/search/recent?query=%23shape&${xFields}&user.fields=username,public_metrics`,
        bearer,
      ),
    count: (b: { includes: { users: { public_metrics: { followers_count: unknown } }[] } }) =>
      b.includes.users[0]?.public_metrics.followers_count,
  },
  {
    platform: 'mastodon',
    call: () => get('mastodon', '/api/v1/timelines/tag/shape'),
    count: (b: { account: { followers_count: unknown } }[]) => b[0]?.account.followers_count,
  },
  {
    platform: 'bluesky',
    call: async () => get('bluesky', '/xrpc/app.bsky.actor.getProfiles?actors=kol_0', await bluesky()),
    count: (b: { profiles: { followersCount: unknown }[] }) => b.profiles[0]?.followersCount,
  },
  {
    platform: 'youtube',
    call: async () => get('youtube', `/channels?part=statistics&id=${await youtubeChannel()}&key=k`),
    // A decimal string, like every YouTube statistic.
    count: (b: { items: { statistics: { subscriberCount: string } }[] }) =>
      Number(b.items[0]?.statistics.subscriberCount),
  },
  {
    platform: 'instagram',
    call: () =>
      get(
        'instagram',
        `/${LOCAL_PLATFORM_CREDENTIALS.instagram.businessAccountId}?${ig}&fields=${encodeURIComponent('business_discovery.username(kol_0){id,username,followers_count}')}`,
      ),
    count: (b: { business_discovery: { followers_count: unknown } }) => b.business_discovery.followers_count,
  },
];

describe.each(FOLLOWER_FIELDS)('$platform follower count', ({ platform, call, count }) => {
  it("serves the author's follower count the store holds", async () => {
    const author = api.store.get(platform, ids[platform] as string)?.author;
    expect(author?.followers).toEqual(expect.any(Number));
    expect(count((await call()) as never)).toBe(author?.followers);
  });
});

it('X serves public_metrics only when user.fields asks for it, as X does', async () => {
  const body = (await get('x', `/2/tweets/search/recent?query=%23shape&${xFields}`, bearer)) as {
    includes: { users: Record<string, unknown>[] };
  };
  expect(body.includes.users[0]).not.toHaveProperty('public_metrics');
});
