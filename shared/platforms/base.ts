import type { Platform } from '../platform';
import type {
  AdapterOptions,
  PlatformAdapter,
  RateLimitState,
  RefreshResult,
  SearchPage,
  SearchRequest,
} from './adapter';
import { trimBase } from './common';
import { PlatformHttp, type RateLimitReader } from './http';

/** What every adapter shares: its options, base URL, clock and the one HTTP wrapper that reads rate limits. */
export abstract class HttpPlatformAdapter implements PlatformAdapter {
  abstract readonly platform: Platform;
  abstract readonly maxPageSize: number;
  abstract readonly maxRefreshBatch: number;
  protected readonly baseUrl: string;
  protected readonly now: () => number;
  protected readonly http: PlatformHttp;

  constructor(
    protected readonly options: AdapterOptions,
    platform: Platform,
    defaultBaseUrl: string,
    readRateLimit?: RateLimitReader,
  ) {
    this.baseUrl = trimBase(options.baseUrl ?? defaultBaseUrl);
    this.now = options.now ?? Date.now;
    this.http = new PlatformHttp({
      platform,
      timeoutMs: options.timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      maxJsonDepth: options.maxJsonDepth,
      fetch: options.fetch,
      now: this.now,
      ...(readRateLimit ? { readRateLimit } : {}),
    });
  }

  abstract buildQueries(hashtags: readonly string[]): string[];
  abstract searchPage(request: SearchRequest): Promise<SearchPage>;
  abstract refresh(postIds: readonly string[], signal?: AbortSignal): Promise<RefreshResult>;

  rateLimit(): RateLimitState {
    return this.http.rateLimit();
  }

  rateLimitsByEndpoint(): Record<string, RateLimitState> {
    return this.http.rateLimitsByEndpoint();
  }

  requestCount(): number {
    return this.http.requestCount();
  }
}
