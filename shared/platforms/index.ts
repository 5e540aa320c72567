import type { Platform } from '../platform';
import type { AdapterOptions, PlatformAdapter } from './adapter';
import { BLUESKY_DEFAULT_BASE_URL, BlueskyAdapter } from './bluesky';
import { INSTAGRAM_DEFAULT_BASE_URL, InstagramAdapter } from './instagram';
import { MASTODON_DEFAULT_BASE_URL, MastodonAdapter } from './mastodon';
import { REDDIT_DEFAULT_BASE_URL, RedditAdapter } from './reddit';
import { X_DEFAULT_BASE_URL, XAdapter } from './x';
import { YOUTUBE_DEFAULT_BASE_URL, YouTubeAdapter } from './youtube';

export * from './adapter';
export { INSTAGRAM_UNATTRIBUTED } from './instagram';

const constructors: Record<Platform, new (options: AdapterOptions) => PlatformAdapter> = {
  x: XAdapter,
  mastodon: MastodonAdapter,
  bluesky: BlueskyAdapter,
  youtube: YouTubeAdapter,
  reddit: RedditAdapter,
  instagram: InstagramAdapter,
};

/** The platform's public API base URL, used when the configuration gives none. */
export const DEFAULT_BASE_URLS: Record<Platform, string> = {
  x: X_DEFAULT_BASE_URL,
  mastodon: MASTODON_DEFAULT_BASE_URL,
  bluesky: BLUESKY_DEFAULT_BASE_URL,
  youtube: YOUTUBE_DEFAULT_BASE_URL,
  reddit: REDDIT_DEFAULT_BASE_URL,
  instagram: INSTAGRAM_DEFAULT_BASE_URL,
};

/**
 * The adapter for a platform. Adapters keep rate-limit readings, sessions and lookup caches between calls:
 * create one per poll process (Lambda container) and reuse it.
 */
export const createAdapter = (platform: Platform, options: AdapterOptions): PlatformAdapter =>
  new constructors[platform](options);
