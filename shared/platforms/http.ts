import { summariseBody } from '../json-summary';
import type { Platform } from '../platform';
import {
  PermanentPlatformError,
  RateLimitedError,
  type RateLimitState,
  TransientPlatformError,
} from './adapter';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_JSON_DEPTH, jsonNestsDeeperThan, readBoundedText } from './body';

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
  /** Largest response body read, in bytes (default 10 MiB). */
  maxBodyBytes?: number;
  /** Deepest JSON nesting parsed (default 64). */
  maxJsonDepth?: number;
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

const isAbortError = (e: unknown): boolean =>
  e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError');

export class PlatformHttp {
  readonly platform: Platform;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly readRateLimit: RateLimitReader;
  private readonly maxBodyBytes: number;
  private readonly maxJsonDepth: number;
  private readonly states = new Map<string, RateLimitState>();
  private requests = 0;

  constructor(options: PlatformHttpOptions) {
    this.platform = options.platform;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.readRateLimit = options.readRateLimit ?? readRateLimitHeaders;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxJsonDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
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
    const where = `${req.method ?? 'GET'} ${describeUrl(req.url)}`;
    const { response, body } = await this.send(req, where);
    const nowMs = this.now();
    const reading = this.readRateLimit(response.headers, nowMs);
    if (reading.remaining !== undefined || reading.resetAt !== undefined)
      this.states.set(req.endpoint ?? '', reading);

    const { status, headers } = response;
    if (status >= 200 && status < 300) {
      if (body.kind === 'json') return { status, headers, body: body.value };
      throw this.unreadableBody(where, status, body);
    }

    const parsed = body.kind === 'json' ? body.value : undefined;
    const classified = req.classifyError?.({ status, headers, body: parsed });
    if (classified) throw classified;

    const detail =
      body.kind === 'too-large' ? describeBody(body, this.limits()) : summariseBody(parsed, body.text);
    if (status === 429) {
      const retryAt = parseRetryAfter(headers.get('retry-after'), nowMs) ?? reading.resetAt;
      throw new RateLimitedError(
        this.platform,
        retryAt,
        `${where} answered 429 Too Many Requests: ${detail}`,
      );
    }
    if (status >= 500 || status === 408)
      throw new TransientPlatformError(this.platform, `${where} answered ${status}: ${detail}`, status);
    throw new PermanentPlatformError(this.platform, `${where} answered ${status}: ${detail}`, status);
  }

  /** Sends the request and reads its body within the timeout; network failures and timeouts are transient. */
  private async send(req: HttpRequest, where: string): Promise<{ response: Response; body: ReadBody }> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    this.requests += 1;
    try {
      const response = await this.fetchImpl(req.url, {
        method: req.method ?? 'GET',
        headers: { accept: 'application/json', ...req.headers },
        body: req.body,
        signal,
        redirect: 'follow',
      });
      // The timeout also bounds reading the body; a connection cut mid-body rejects here.
      const read = await readBoundedText(response, this.maxBodyBytes);
      return {
        response,
        body: read.tooLarge ? { kind: 'too-large' } : parseJson(read.text, this.maxJsonDepth),
      };
    } catch (e) {
      if (req.signal?.aborted) throw req.signal.reason ?? e;
      if (timeout.aborted || isAbortError(e))
        throw new TransientPlatformError(this.platform, `${where} timed out after ${this.timeoutMs} ms`);
      const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
      throw new TransientPlatformError(this.platform, `${where} failed: ${cause}`);
    }
  }

  /**
   * A 2xx body that is not usable JSON. A truncated or malformed body may read fine next time (transient); a
   * body over the size or depth limit will not, and retrying it would spend the cycle's budget and time on
   * the same page, so it is permanent: the poller gives up that one search or refresh batch for this cycle
   * and goes on with the rest.
   */
  private unreadableBody(where: string, status: number, body: Exclude<ReadBody, { kind: 'json' }>): Error {
    const message = `${where} answered ${status} with ${describeBody(body, this.limits())}`;
    return body.kind === 'invalid'
      ? new TransientPlatformError(this.platform, message, status)
      : new PermanentPlatformError(this.platform, message, status);
  }

  private limits(): BodyLimits {
    return { maxBodyBytes: this.maxBodyBytes, maxJsonDepth: this.maxJsonDepth };
  }
}

type ReadBody =
  | { kind: 'json'; value: unknown; text: string }
  | { kind: 'invalid'; text: string }
  | { kind: 'too-deep'; text: string }
  | { kind: 'too-large' };

interface BodyLimits {
  maxBodyBytes: number;
  maxJsonDepth: number;
}

const parseJson = (text: string, maxDepth: number): ReadBody => {
  if (text.trim() === '') return { kind: 'invalid', text };
  if (jsonNestsDeeperThan(text, maxDepth)) return { kind: 'too-deep', text };
  try {
    return { kind: 'json', value: JSON.parse(text), text };
  } catch {
    return { kind: 'invalid', text };
  }
};

const describeBody = (body: Exclude<ReadBody, { kind: 'json' }>, limits: BodyLimits): string => {
  switch (body.kind) {
    case 'too-large':
      return `a body over the ${limits.maxBodyBytes}-byte limit (not read)`;
    case 'too-deep':
      return `JSON nested deeper than ${limits.maxJsonDepth} levels (not parsed)`;
    case 'invalid':
      return `a body that is not valid JSON (${body.text.length} bytes)`;
  }
};
