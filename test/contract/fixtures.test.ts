import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../shared/platform';
import { createAdapter } from '../../shared/platforms';
import { ENDPOINT_SCHEMAS } from '../../shared/platforms/schemas';

/**
 * The platforms' documented example responses (saved with their source in a sibling .meta.json) meet the
 * schemas the adapters parse with, and the adapters turn every item into an observation.
 */

const read = (path: string): unknown => JSON.parse(readFileSync(join(__dirname, path), 'utf8'));

interface Fixture {
  file: string;
  platform: Platform;
  endpoint: string;
  /** Drives the adapter over the fixture; resolves with observations and rejects. */
  run?: 'search' | 'refresh';
}

const FIXTURES: Fixture[] = [
  { file: 'x/search-recent.json', platform: 'x', endpoint: 'search', run: 'search' },
  { file: 'x/tweets-lookup.json', platform: 'x', endpoint: 'lookup', run: 'refresh' },
  { file: 'mastodon/tag-timeline.json', platform: 'mastodon', endpoint: 'tagTimeline', run: 'search' },
  { file: 'bluesky/search-posts.json', platform: 'bluesky', endpoint: 'searchPosts' },
  { file: 'bluesky/search-posts-empty-page.json', platform: 'bluesky', endpoint: 'searchPosts' },
  { file: 'youtube/search-list.json', platform: 'youtube', endpoint: 'search' },
  { file: 'youtube/videos-list.json', platform: 'youtube', endpoint: 'videos', run: 'refresh' },
  { file: 'reddit/search-listing.json', platform: 'reddit', endpoint: 'listing' },
  { file: 'instagram/recent-media.json', platform: 'instagram', endpoint: 'recentMedia' },
  { file: 'instagram/business-discovery.json', platform: 'instagram', endpoint: 'businessDiscovery' },
];

const CREDENTIALS = { bearerToken: 't', apiKey: 'k', businessAccountId: '17841405309211844' };

describe.each(FIXTURES)('$file', (f) => {
  it('names its official source and date', () => {
    const meta = read(f.file.replace(/\.json$/, '.meta.json')) as { source: string; retrieved: string };
    expect(meta.source).toMatch(/^https:\/\//);
    expect(meta.retrieved).toBe('2026-12-01');
  });

  it('meets the schema the adapter parses this endpoint with', () => {
    const schema = ENDPOINT_SCHEMAS[f.platform][f.endpoint];
    if (!schema) throw new Error(`no schema for ${f.platform} ${f.endpoint}`);
    const envelope = schema.envelope.parse(read(f.file));
    for (const item of schema.items(envelope as never))
      expect(schema.item.safeParse(item).error).toBeUndefined();
  });
});

describe.each(FIXTURES.filter((f) => f.run))('$file through its adapter', (f) => {
  it('is read by the adapter into observations without rejects', async () => {
    const body = readFileSync(join(__dirname, f.file), 'utf8');
    const adapter = createAdapter(f.platform, {
      credentials: CREDENTIALS,
      now: () => Date.parse('2026-12-01T00:00:00Z'),
      fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
    });
    const result =
      f.run === 'search'
        ? await adapter.searchPage({ query: adapter.buildQueries(['devsearch'])[0] as string, overlapMs: 0 })
        : await adapter.refresh(['1228393702244134912', 'TvWDY4Mm5GM']);
    expect(result.rejects).toEqual([]);
    expect(result.observations.length).toBeGreaterThan(0);
  });
});

it('reads hashtags of the full text of a long X post from note_tweet', async () => {
  // The documented example has no long post: note_tweet is added as the OpenAPI Tweet schema defines it
  // (note_tweet.text, note_tweet.entities.hashtags[].tag; xdevplatform/xdk latest-openapi.json).
  const body = read('x/search-recent.json') as { data: Record<string, unknown>[] };
  const [post] = body.data;
  if (!post) throw new Error('fixture has no post');
  post.text = 'Just started learning Python and loving it! #devsearch';
  post.note_tweet = {
    text: 'Just started learning Python and loving it! #devsearch, the whole text past 280 characters #longform',
    entities: {
      hashtags: [
        { start: 44, end: 54, tag: 'devsearch' },
        { start: 90, end: 99, tag: 'longform' },
      ],
    },
  };
  const adapter = createAdapter('x', {
    credentials: CREDENTIALS,
    fetch: async () => new Response(JSON.stringify(body)),
  });
  const page = await adapter.searchPage({ query: '#devsearch', overlapMs: 0 });
  expect(page.observations[0]?.hashtags).toEqual(['devsearch', 'longform']);
});

it('counts Mastodon quotes_count into shares', async () => {
  const body = readFileSync(join(__dirname, 'mastodon/tag-timeline.json'), 'utf8');
  const adapter = createAdapter('mastodon', { credentials: {}, fetch: async () => new Response(body) });
  const page = await adapter.searchPage({ query: '#cats', overlapMs: 0 });
  // The Status entity example: favourites 11, reblogs 6, quotes 2, replies 5.
  expect(page.observations[0]?.counters).toEqual({ likes: 11, shares: 8, comments: 5 });
});
