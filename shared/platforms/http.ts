import type { Platform } from '../platform';
import {
  PermanentPlatformError,
  RateLimitedError,
  type RateLimitState,
  TransientPlatformError,
} from './adapter';

/**
 * The one HTTP wrapper every adapter uses. It makes exactly one request per call (no retries: backoff and
 * budgets are the poller's job), bounds it with a timeout, keeps the platform's rate-limit readings and maps
 * failures onto the three adapter error classes. It never logs, and error messages carry the URL path only,
 * so tokens and API keys in headers or query strings cannot leak into logs.
 */

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface ErrorResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Rate-limit bucket of the request, for platforms that limit each endpoint apart (X); one bucket if omitted. */
  endpoint?: string;
  /** Platform-specific reading of an error response, consulted before the generic status mapping. */
  classifyError?: (response: ErrorResponse) => Error | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export type RateLimitReader = (headers: Headers, nowMs: number) => RateLimitState;

export interface PlatformHttpOptions {
  platform: Platform;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Reads rate-limit state from response headers; defaults to `readRateLimitHeaders`. */
  readRateLimit?: RateLimitReader;
}

/** ISO 8601 or an HTTP date only: V8's Date.parse also accepts junk such as "-5". */
const parseDate = (value: string): number | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) && !/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} /.test(value))
    return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};

// Epoch seconds are above this (2001-09-09); smaller numbers are seconds from now (Reddit's X-Ratelimit-Reset).
const EPOCH_SECONDS_THRESHOLD = 1e9;

/**
 * Parses a rate-limit reset header into epoch ms. Platforms disagree on the format: X and Bluesky send epoch
 * seconds, Reddit sends seconds until the reset, Mastodon sends an ISO 8601 timestamp.
 */
export const parseResetHeader = (value: string | null, nowMs: number): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    return n >= EPOCH_SECONDS_THRESHOLD ? Math.round(n * 1000) : Math.round(nowMs + n * 1000);
  }
  return parseDate(trimmed);
};

/** Parses `Retry-After`: delay seconds or an HTTP date (RFC 9110 section 10.2.3). */
export const parseRetryAfter = (value: string | null, nowMs: number): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return nowMs + Number(trimmed) * 1000;
  return parseDate(trimmed);
};

const firstHeader = (headers: Headers, names: readonly string[]): string | null => {
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) return value;
  }
  return null;
};

const REMAINING_HEADERS = ['x-rate-limit-remaining', 'x-ratelimit-remaining', 'ratelimit-remaining'];
const RESET_HEADERS = ['x-rate-limit-reset', 'x-ratelimit-reset', 'ratelimit-reset'];

/** Reads the common rate-limit header families (X, Mastodon, Reddit, Bluesky / IETF draft). */
export const readRateLimitHeaders: RateLimitReader = (headers, nowMs) => {
  const state: RateLimitState = {};
  const remaining = firstHeader(headers, REMAINING_HEADERS);
  if (remaining !== null && remaining.trim() !== '') {
    const n = Number(remaining);
    // Reddit reports a float ("598.0").
    if (Number.isFinite(n) && n >= 0) state.remaining = Math.floor(n);
  }
  const resetAt = parseResetHeader(firstHeader(headers, RESET_HEADERS), nowMs);
  if (resetAt !== undefined) state.resetAt = resetAt;
  return state;
};

/** Path of a URL without its query string: safe to put in messages (keys and tokens live in the query). */
export const describeUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
};

const summarise = (body: unknown, text: string): string => {
  const raw = body === undefined ? text : JSON.stringify(body);
  return raw.length > 300 ? `${raw.slice(0, 300)}...` : raw;
};

const isAbortError = (e: unknown): boolean =>
  e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError');

export class PlatformHttp {
  readonly platform: Platform;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly readRateLimit: RateLimitReader;
  private readonly states = new Map<string, RateLimitState>();
  private requests = 0;

  constructor(options: PlatformHttpOptions) {
    this.platform = options.platform;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.readRateLimit = options.readRateLimit ?? readRateLimitHeaders;
  }

  /** The most constraining reading: fewest requests left, then the latest reset; stale windows skipped. */
  rateLimit(): RateLimitState {
    const nowMs = this.now();
    const all = [...this.states.values()];
    const live = all.filter((s) => s.resetAt === undefined || s.resetAt > nowMs);
    const [worst] = (live.length > 0 ? live : all).sort(
      (a, b) =>
        (a.remaining ?? Number.POSITIVE_INFINITY) - (b.remaining ?? Number.POSITIVE_INFINITY) ||
        (b.resetAt ?? 0) - (a.resetAt ?? 0),
    );
    return { ...worst };
  }

  /** Readings per endpoint (the key `HttpRequest.endpoint`, '' for requests without one). */
  rateLimitsByEndpoint(): Record<string, RateLimitState> {
    return Object.fromEntries([...this.states].map(([k, v]) => [k, { ...v }]));
  }

  /** HTTP requests sent so far, answered or not. */
  requestCount(): number {
    return this.requests;
  }

  /** One request; resolves with the parsed JSON body of a 2xx response, throws an adapter error otherwise. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? 'GET';
    const where = `${method} ${describeUrl(req.url)}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;

    let response: Response;
    let text: string;
    this.requests += 1;
    try {
      response = await this.fetchImpl(req.url, {
        method,
        headers: { accept: 'application/json', ...req.headers },
        body: req.body,
        signal,
        redirect: 'follow',
      });
      // The timeout also bounds reading the body; a connection cut mid-body rejects here.
      text = await response.text();
    } catch (e) {
      if (req.signal?.aborted) throw req.signal.reason ?? e;
      if (timeout.aborted || isAbortError(e))
        throw new TransientPlatformError(this.platform, `${where} timed out after ${this.timeoutMs} ms`);
      const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
      throw new TransientPlatformError(this.platform, `${where} failed: ${cause}`);
    }

    const nowMs = this.now();
    const reading = this.readRateLimit(response.headers, nowMs);
    if (reading.remaining !== undefined || reading.resetAt !== undefined)
      this.states.set(req.endpoint ?? '', reading);

    let body: unknown;
    let parsed = false;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
        parsed = true;
      } catch {
        body = undefined;
      }
    }

    if (response.status >= 200 && response.status < 300) {
      if (!parsed)
        throw new TransientPlatformError(
          this.platform,
          `${where} answered ${response.status} with a body that is not valid JSON (${text.length} bytes)`,
          response.status,
        );
      return { status: response.status, headers: response.headers, body };
    }

    const errorResponse: ErrorResponse = { status: response.status, headers: response.headers, body };
    const classified = req.classifyError?.(errorResponse);
    if (classified) throw classified;

    const detail = summarise(body, text);
    if (response.status === 429) {
      const retryAt = parseRetryAfter(response.headers.get('retry-after'), nowMs) ?? reading.resetAt;
      throw new RateLimitedError(
        this.platform,
        retryAt,
        `${where} answered 429 Too Many Requests: ${detail}`,
      );
    }
    if (response.status >= 500 || response.status === 408)
      throw new TransientPlatformError(
        this.platform,
        `${where} answered ${response.status}: ${detail}`,
        response.status,
      );
    throw new PermanentPlatformError(
      this.platform,
      `${where} answered ${response.status}: ${detail}`,
      response.status,
    );
  }
}
