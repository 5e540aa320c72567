import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_PLATFORM_CREDENTIALS,
  type PlatformApi,
  PlatformStore,
  startPlatformApi,
} from '../../infra/local/platform-api';
import { ObservationSchema } from '../../shared/observation';
import { PLATFORMS, type Platform } from '../../shared/platform';
import { createAdapter } from '../../shared/platforms';
import {
  PermanentPlatformError,
  type PlatformAdapter,
  RateLimitedError,
  TransientPlatformError,
} from '../../shared/platforms/adapter';
import { tally } from './support/figures';
import { scenarioSeed, sized } from './support/seeds';

/**
 * Platform payload fuzzing through the real adapters over HTTP: the local platform API serves its normal
 * answer, mutated at random (a field set to junk or removed, an item replaced, the whole body replaced).
 * An adapter either returns a page -- every observation valid, every bad item a reject with a reason, the
 * other items of the page still counted -- or throws one of the three typed platform errors the poller
 * knows how to handle. Never a TypeError, never a crash.
 */

const figures = tally('platform payload fuzzing through the adapters');
let api: PlatformApi;
const adapters = new Map<Platform, PlatformAdapter>();
const ids = new Map<Platform, string[]>();

const ROUTES: Record<Platform, { search: RegExp; refresh: RegExp }> = {
  x: { search: /^\/2\/tweets\/search\/recent$/, refresh: /^\/2\/tweets$/ },
  mastodon: { search: /^\/api\/v1\/timelines\/tag\//, refresh: /^\/api\/v1\/statuses/ },
  bluesky: { search: /searchPosts$/, refresh: /getPosts$/ },
  reddit: { search: /^\/search/, refresh: /^\/api\/info/ },
  youtube: { search: /^\/youtube\/v3\/(search|videos)$/, refresh: /^\/youtube\/v3\/videos$/ },
  instagram: { search: /recent_media|ig_hashtag_search|business_discovery|fields=/, refresh: /.*/ },
};

/** Where each platform's search answer keeps its list of posts. */
const ITEMS: Partial<Record<Platform, (body: unknown) => unknown[] | undefined>> = {
  x: (b) => (b as { data?: unknown[] }).data,
  mastodon: (b) => (Array.isArray(b) ? b : undefined),
  bluesky: (b) => (b as { posts?: unknown[] }).posts,
  reddit: (b) => (b as { data?: { children?: unknown[] } }).data?.children,
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    '',
    -1,
    0,
    1.5,
    2 ** 60,
    true,
    [],
    {},
    'not-a-date',
    '2026-99-99T00:00:00Z',
    '💥',
  ),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

type Mutation = { path: number[]; action: 'delete' | 'set'; value: Json };

/** Applies a mutation addressed by indexes into the sorted keys at each level (so any body can take it). */
const mutate = (body: unknown, m: Mutation): unknown => {
  if (m.path.length === 0) return m.action === 'set' ? m.value : null;
  let node: unknown = body;
  for (let depth = 0; depth < m.path.length; depth++) {
    if (node === null || typeof node !== 'object') return body;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node).sort();
    if (keys.length === 0) return body;
    const key = keys[(m.path[depth] ?? 0) % keys.length] as string | number;
    const container = node as Record<string | number, unknown>;
    if (depth === m.path.length - 1) {
      if (m.action === 'delete') {
        if (Array.isArray(container) && typeof key === 'number') container.splice(key, 1);
        else delete container[key];
      } else container[key] = m.value;
      return body;
    }
    node = container[key];
  }
  return body;
};

const mutation = fc.record({
  path: fc.array(fc.nat(50), { maxLength: 6 }),
  action: fc.constantFrom<'delete' | 'set'>('delete', 'set'),
  value: junk,
});

const expectTypedOutcome = async (
  run: () => Promise<{ observations: unknown[]; rejects: { reason: string }[] }>,
) => {
  try {
    const page = await run();
    for (const o of page.observations) expect(ObservationSchema.safeParse(o).success).toBe(true);
    for (const r of page.rejects) expect(r.reason.length).toBeGreaterThan(0);
    return page;
  } catch (e) {
    const typed =
      e instanceof TransientPlatformError ||
      e instanceof RateLimitedError ||
      e instanceof PermanentPlatformError;
    expect(typed, `untyped error ${(e as Error)?.name}: ${(e as Error)?.message}`).toBe(true);
    return undefined;
  }
};

beforeAll(async () => {
  const store = new PlatformStore();
  api = await startPlatformApi({ store });
  const now = Date.now();
  const roster = ['ada_ig', 'bo_ig'];
  for (const platform of PLATFORMS) {
    const authors = platform === 'instagram' ? roster : ['ada', 'bo', 'fan'];
    for (let i = 0; i < 8; i++)
      store.add({
        platform,
        author: { handle: authors[i % authors.length] ?? 'ada' },
        hashtags: ['NextIdea'],
        publishedAt: now - (i + 1) * 60_000,
        counters: { likes: i, shares: 1, comments: 2, views: 10 * i },
      });
    const adapter = createAdapter(platform, {
      baseUrl: api.baseUrls[platform],
      credentials: { ...LOCAL_PLATFORM_CREDENTIALS[platform] },
      rosterHandles: roster,
      timeoutMs: 2_000,
    });
    adapters.set(platform, adapter);
    // A clean first page: warms sessions and lookups, and gives the ids the faulty runs must still see.
    const page = await adapter.searchPage({
      query: adapter.buildQueries(['nextidea'])[0] ?? '#nextidea',
      overlapMs: 0,
    });
    ids.set(
      platform,
      page.observations.map((o) => o.postId),
    );
  }
});
afterAll(async () => {
  await api?.close();
});

const search = (platform: Platform) => {
  const adapter = adapters.get(platform) as PlatformAdapter;
  return adapter.searchPage({ query: adapter.buildQueries(['nextidea'])[0] ?? '#nextidea', overlapMs: 0 });
};

describe('Bad input: platform payloads through the adapters', () => {
  it('the clean pages see every post (the fuzz starts from good answers)', () => {
    for (const platform of PLATFORMS) expect(ids.get(platform)?.length, platform).toBeGreaterThan(0);
  });

  it('any mutation of a search or refresh answer gives a valid page or a typed platform error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PLATFORMS),
        fc.constantFrom<'search' | 'refresh'>('search', 'refresh'),
        mutation,
        async (platform, kind, m) => {
          figures.add('badInputsTried');
          api.faults.clear();
          api.faults.next(
            { kind: 'mutate', mutate: (body) => mutate(body, m) },
            { platform, path: ROUTES[platform][kind] },
          );
          const adapter = adapters.get(platform) as PlatformAdapter;
          await expectTypedOutcome(() =>
            kind === 'search'
              ? search(platform)
              : adapter.refresh((ids.get(platform) ?? []).slice(0, adapter.maxRefreshBatch)),
          );
        },
      ),
      { numRuns: sized(150, 800), seed: scenarioSeed('adapter payloads') },
    );
    api.faults.clear();
  });

  it('one broken item is rejected with its reason while the rest of its page still counts', async () => {
    const platforms = Object.keys(ITEMS) as Platform[];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...platforms), fc.nat(7), mutation, async (platform, index, m) => {
        figures.add('badInputsTried');
        let brokenId: string | undefined;
        api.faults.clear();
        api.faults.next(
          {
            kind: 'mutate',
            mutate: (body) => {
              const items = ITEMS[platform]?.(body) ?? [];
              const i = index % Math.max(1, items.length);
              const item = items[i] as Record<string, unknown> | undefined;
              const inner = (platform === 'reddit' ? item?.data : item) as
                | Record<string, unknown>
                | undefined;
              brokenId = inner ? String(inner.id ?? inner.uri ?? '') : undefined;
              // Reddit's item is the post inside its listing child ({ kind, data }).
              if (platform === 'reddit' && item) item.data = mutate(inner, m);
              else items[i] = mutate(item, m);
              return body;
            },
          },
          { platform, path: ROUTES[platform].search },
        );
        const page = await search(platform);
        const seen = new Set(page.observations.map((o) => o.postId));
        const untouched = (ids.get(platform) ?? []).filter((id) => !brokenId || !id.includes(brokenId));
        // Every other post of the page still counts; the broken one is an observation or a reject.
        for (const id of untouched)
          expect(seen.has(id), `${platform}: ${id} lost beside a broken item`).toBe(true);
        expect(page.observations.length + page.rejects.length).toBeGreaterThanOrEqual(untouched.length);
        for (const r of page.rejects) {
          expect(r.platform).toBe(platform);
          expect(r.reason).toMatch(/\S/);
        }
      }),
      { numRuns: sized(100, 500), seed: scenarioSeed('adapter items') },
    );
    api.faults.clear();
  });
});
