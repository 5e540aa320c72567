import {
  LOCAL_PLATFORM_CREDENTIALS,
  type PlatformApi,
  PlatformStore,
  type StoredCounters,
  startPlatformApi,
} from '../../../infra/local/platform-api';
import type { Observation } from '../../../shared/observation';
import type { Platform } from '../../../shared/platform';
import { createAdapter } from '../../../shared/platforms';
import type {
  AdapterOptions,
  PlatformAdapter,
  RejectedItem,
  SearchCursor,
} from '../../../shared/platforms/adapter';

/** What differs between platforms in the shared contract suite. */
export interface PlatformCase {
  platform: Platform;
  /** Search endpoint path below the platform prefix. */
  searchPath: RegExp;
  /** The path whose JSON holds the items of a search page (YouTube: videos.list hydrates search.list). */
  itemsPath: RegExp;
  refreshPath: RegExp;
  handle(i: number): string;
  /** Removes a required field from the first item of a page body. */
  breakFirstItem(body: unknown): unknown;
  /** The platform's reset header for a window ending at `resetMs`, or undefined when it sends none. */
  resetHeaders?: (resetMs: number, nowMs: number) => Record<string, string>;
  /**
   * False when search pages are not newest first (Instagram recent_media): the adapter reads the whole window
   * every cycle, and a first page's newest post is not the newest of the search.
   */
  chronological?: false;
  /** A store counter the platform can hide, and the observation counter it feeds. */
  hideable?: { stored: keyof StoredCounters; observed: keyof Observation['counters'] };
}

type Json = Record<string, unknown> & { [k: string]: unknown };
const first = (list: unknown): Json => (list as Json[])[0] as Json;

export const CASES: PlatformCase[] = [
  {
    platform: 'x',
    searchPath: /^\/2\/tweets\/search\/recent$/,
    itemsPath: /^\/2\/tweets\/search\/recent$/,
    refreshPath: /^\/2\/tweets$/,
    handle: (i) => `kol_${i}`,
    breakFirstItem: (body) => {
      delete first((body as Json).data).created_at;
      return body;
    },
    resetHeaders: (resetMs) => ({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': String(resetMs / 1000),
    }),
    hideable: { stored: 'views', observed: 'views' },
  },
  {
    platform: 'mastodon',
    searchPath: /^\/api\/v1\/timelines\/tag\//,
    itemsPath: /^\/api\/v1\/timelines\/tag\//,
    refreshPath: /^\/api\/v1\/statuses$/,
    handle: (i) => `kol${i}@mastodon.social`,
    breakFirstItem: (body) => {
      delete first(body).created_at;
      return body;
    },
    resetHeaders: (resetMs) => ({
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': new Date(resetMs).toISOString(),
    }),
  },
  {
    platform: 'bluesky',
    searchPath: /app\.bsky\.feed\.searchPosts$/,
    itemsPath: /app\.bsky\.feed\.searchPosts$/,
    refreshPath: /app\.bsky\.feed\.getPosts$/,
    handle: (i) => `kol${i}.bsky.social`,
    breakFirstItem: (body) => {
      delete first((body as Json).posts).author;
      return body;
    },
    resetHeaders: (resetMs) => ({ 'RateLimit-Remaining': '0', 'RateLimit-Reset': String(resetMs / 1000) }),
    hideable: { stored: 'likes', observed: 'likes' },
  },
  {
    platform: 'youtube',
    searchPath: /^\/youtube\/v3\/search$/,
    itemsPath: /^\/youtube\/v3\/videos$/,
    refreshPath: /^\/youtube\/v3\/videos$/,
    handle: (i) => `Channel ${i}`,
    breakFirstItem: (body) => {
      delete first((body as Json).items).snippet;
      return body;
    },
    hideable: { stored: 'likes', observed: 'likes' },
  },
  {
    platform: 'reddit',
    searchPath: /^\/search$/,
    itemsPath: /^\/search$/,
    refreshPath: /^\/api\/info$/,
    handle: (i) => `kol_${i}`,
    breakFirstItem: (body) => {
      delete (first(((body as Json).data as Json).children).data as Json).permalink;
      return body;
    },
    resetHeaders: (resetMs, nowMs) => ({
      'X-Ratelimit-Remaining': '0.0',
      'X-Ratelimit-Reset': String(Math.round((resetMs - nowMs) / 1000)),
    }),
    hideable: { stored: 'likes', observed: 'likes' },
  },
  {
    platform: 'instagram',
    chronological: false,
    searchPath: /\/recent_media$/,
    itemsPath: /\/recent_media$/,
    refreshPath: /^\/v\d+\.\d+\/\d+$/,
    handle: (i) => `kol_${i}`,
    breakFirstItem: (body) => {
      delete first((body as Json).data).timestamp;
      return body;
    },
    hideable: { stored: 'likes', observed: 'likes' },
  },
];

export const caseOf = (platform: string): PlatformCase => {
  const found = CASES.find((c) => c.platform === platform);
  if (!found) throw new Error(`no platform case for ${platform}`);
  return found;
};

export const startApi = (): Promise<PlatformApi> => startPlatformApi({ store: new PlatformStore() });

/** Forget the posts, queued faults and request log of the previous test. */
export const resetApi = (api: PlatformApi): void => {
  api.store.clear();
  api.faults.clear();
  api.requests.length = 0;
};

export const adapterFor = (
  api: PlatformApi,
  platform: Platform,
  extra: Partial<AdapterOptions> = {},
): PlatformAdapter =>
  createAdapter(platform, {
    baseUrl: api.baseUrls[platform],
    credentials: { ...LOCAL_PLATFORM_CREDENTIALS[platform] },
    timeoutMs: 2_000,
    ...extra,
  });

export interface SearchRun {
  observations: Observation[];
  rejects: RejectedItem[];
  pages: number;
  cursor: SearchCursor | undefined;
}

/** Pages one query newest-first until the adapter says stop, like a poll cycle does. */
export const searchAll = async (
  adapter: PlatformAdapter,
  query: string,
  options: { since?: SearchCursor; overlapMs?: number; notBefore?: string } = {},
): Promise<SearchRun> => {
  const run: SearchRun = { observations: [], rejects: [], pages: 0, cursor: undefined };
  let pageToken: string | undefined;
  do {
    const page = await adapter.searchPage({
      query,
      since: options.since,
      overlapMs: options.overlapMs ?? 0,
      notBefore: options.notBefore,
      pageToken,
    });
    run.pages += 1;
    if (run.pages === 1) run.cursor = page.newest;
    run.observations.push(...page.observations);
    run.rejects.push(...page.rejects);
    pageToken = page.nextPageToken;
    if (run.pages > 100) throw new Error('search did not stop paging');
  } while (pageToken);
  return run;
};

/** Seeds `count` posts carrying `tag`, one a minute going back from `newestMs`, authors rotating over 5 handles. */
export const seed = (
  api: PlatformApi,
  c: PlatformCase,
  count: number,
  options: { tag?: string; newestMs?: number; spacingMs?: number; counters?: Partial<StoredCounters> } = {},
) => {
  // Whole seconds: some platforms (Instagram) publish times to the second.
  const newest = Math.floor((options.newestMs ?? Date.now() - 60_000) / 1000) * 1000;
  const spacing = options.spacingMs ?? 60_000;
  return Array.from({ length: count }, (_, i) =>
    api.store.add({
      platform: c.platform,
      author: { handle: c.handle(i % 5) },
      text: `Post ${i} about the launch`,
      hashtags: [options.tag ?? 'nextidea'],
      publishedAt: newest - i * spacing,
      counters: options.counters ?? { likes: i, shares: 1, comments: 2, views: 100 + i },
    }),
  );
};

export const ids = (observations: readonly Observation[]): string[] =>
  observations.map((o) => o.postId).sort();
