import type { Observation } from '../observation';
import type { Platform } from '../platform';

/**
 * One interface for every platform (docs/platforms.md). Adapters speak the platform's documented API
 * through `baseUrl`, parse its JSON with zod and map items onto observations. They hold no state between
 * calls except rate-limit readings and, for Bluesky, the session.
 */

/** Newest post seen by a search, the point the next cycle pages back to. */
export interface SearchCursor {
  /** Platform post id of the newest post seen (X since_id, Mastodon min_id, Reddit fullname...). */
  id?: string;
  /** publishedAt (ISO) of the newest post seen, for time-based APIs and for the overlap window. */
  time?: string;
}

export interface SearchRequest {
  /** A query built by `buildQueries`. */
  query: string;
  /** Cursor saved after the previous complete search; undefined on the first cycle. */
  since?: SearchCursor;
  /** Re-read this far behind `since` (duplicates are harmless downstream). */
  overlapMs: number;
  /** Earliest publish time of interest (campaign start, platform search window). */
  notBefore?: string;
  /** Page token from the previous page of this same search. */
  pageToken?: string;
  signal?: AbortSignal;
}

/** An item the adapter could not turn into an observation; the rest of its page still counts. */
export interface RejectedItem {
  platform: Platform;
  reason: string;
  /** The raw item, truncated for storage. */
  item: unknown;
}

export interface SearchPage {
  observations: Observation[];
  rejects: RejectedItem[];
  /** Token for the next (older) page; undefined when the search reached `since` or ran out. */
  nextPageToken?: string;
  /** Newest post on this page, so the first page of a search yields the next cursor. */
  newest?: SearchCursor;
}

export interface RefreshResult {
  observations: Observation[];
  rejects: RejectedItem[];
  /** Ids the platform no longer returns (deleted or hidden posts). */
  missing: string[];
}

export interface RateLimitState {
  /** Requests left in the current window, when the platform says. */
  remaining?: number;
  /** Epoch ms when the window resets, when the platform says. */
  resetAt?: number;
}

export interface PlatformAdapter {
  readonly platform: Platform;
  /** Largest page the search endpoint serves. */
  readonly maxPageSize: number;
  /** Largest number of ids one refresh request takes. */
  readonly maxRefreshBatch: number;
  /**
   * HTTP requests one `searchPage` call makes in the steady state, for request budgets (default 1). YouTube
   * needs 2: search.list carries no statistics, so each page is hydrated with one videos.list call.
   * Session creation (Bluesky, Reddit), Instagram lookups and follower-count lookups (Bluesky getProfiles,
   * YouTube channels.list: once a day per author, shared/platforms/followers.ts) come on top, rarely.
   */
  readonly searchPageRequests?: number;
  /** Combines normalised hashtags into as few search queries as the platform allows. */
  buildQueries(hashtags: readonly string[]): string[];
  searchPage(request: SearchRequest): Promise<SearchPage>;
  /** Current counters for up to `maxRefreshBatch` known post ids. */
  refresh(postIds: readonly string[], signal?: AbortSignal): Promise<RefreshResult>;
  /** The most constraining rate-limit reading over the endpoints the adapter uses. */
  rateLimit(): RateLimitState;
  /**
   * Readings per endpoint, for platforms that limit each endpoint apart (X: `search` and `lookup`); other
   * adapters keep one reading under ''.
   */
  rateLimitsByEndpoint?(): Record<string, RateLimitState>;
  /**
   * HTTP requests the adapter has sent since it was created, lookups and sessions included. A caller that
   * budgets requests reads it before and after a call: one `refresh` or `searchPage` may send several
   * (Instagram business_discovery per roster account, Mastodon's retry without an unknown path tag).
   */
  requestCount?(): number;
}

/** The platform asked us to slow down (HTTP 429, YouTube quotaExceeded). */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    readonly platform: Platform,
    /** When the request may be retried (epoch ms), from Retry-After or the reset header. */
    readonly retryAt: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One of the platform's quota buckets is spent until `retryAt` (YouTube 403 `quotaExceeded` on search.list
 * or on the units bucket, X's monthly post-read cap). Only work that draws on `quota` must stop: the poller
 * goes on with operations that draw on other buckets.
 */
export class QuotaExhaustedError extends RateLimitedError {
  override name = 'QuotaExhaustedError';
  constructor(
    platform: Platform,
    /** The quota's name in the platform's budget (shared/budget.ts). */
    readonly quota: string,
    retryAt: number | undefined,
    message: string,
  ) {
    super(platform, retryAt, message);
  }
}

/** A failure worth retrying later (5xx, timeout, connection reset, truncated or malformed body). */
export class TransientPlatformError extends Error {
  override name = 'TransientPlatformError';
  constructor(
    readonly platform: Platform,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A failure retrying will not fix (401/403 other than quota, 400): needs an operator. */
export class PermanentPlatformError extends Error {
  override name = 'PermanentPlatformError';
  constructor(
    readonly platform: Platform,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Credentials per platform, from Secrets Manager (AWS) or env/local file (local twin). Never logged. */
export interface PlatformCredentials {
  /** X API v2 app bearer token; YouTube/Instagram access token or API key; Reddit OAuth token. */
  bearerToken?: string;
  apiKey?: string;
  /** Bluesky handle + app password; Reddit client id/secret + username/password for script apps. */
  identifier?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  /** Instagram: the business account id that runs hashtag searches and business_discovery. */
  businessAccountId?: string;
  userAgent?: string;
}

export interface AdapterOptions {
  baseUrl?: string;
  credentials: PlatformCredentials;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Largest response body read, in bytes (default 10 MiB); a larger 2xx body is a PermanentPlatformError. */
  maxBodyBytes?: number;
  /** Deepest JSON nesting parsed (default 64); a deeper 2xx body is a PermanentPlatformError. */
  maxJsonDepth?: number;
  /** Injected clock for tests. */
  now?: () => number;
  fetch?: typeof fetch;
  /** Needed by Instagram to attribute posts: the roster's handles on the platform. */
  rosterHandles?: readonly string[];
  /**
   * How far back tracked posts go (ms, default 30 days). Instagram refresh pages each roster account's media
   * back this far to find older tracked posts.
   */
  trackingWindowMs?: number;
}
