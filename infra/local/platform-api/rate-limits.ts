import type { Platform } from '../../../shared/platform';

/**
 * Rate-limit windows of the local server, with each platform's headers and 429 body. X limits each endpoint
 * apart (recent search and post lookup have their own windows); the other platforms count one window each.
 */

export interface RateLimitOptions {
  /** Requests per window before the server answers 429 (YouTube excepted: it has quotas). */
  limit: number;
  windowMs: number;
}

export interface Window {
  start: number;
  used: number;
}

export const rateLimitHeaders = (
  platform: Platform,
  limit: number,
  window: Window,
  windowMs: number,
  nowMs: number,
): Record<string, string> => {
  const remaining = Math.max(0, limit - window.used);
  const resetMs = window.start + windowMs;
  switch (platform) {
    case 'x':
      return {
        'x-rate-limit-limit': String(limit),
        'x-rate-limit-remaining': String(remaining),
        'x-rate-limit-reset': String(Math.ceil(resetMs / 1000)),
      };
    case 'mastodon':
      return {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': String(remaining),
        'X-RateLimit-Reset': new Date(resetMs).toISOString(),
      };
    case 'bluesky':
      return {
        'RateLimit-Limit': String(limit),
        'RateLimit-Remaining': String(remaining),
        'RateLimit-Reset': String(Math.ceil(resetMs / 1000)),
        'RateLimit-Policy': `${limit};w=${Math.round(windowMs / 1000)}`,
      };
    case 'reddit':
      return {
        'X-Ratelimit-Used': String(window.used),
        'X-Ratelimit-Remaining': `${remaining}.0`,
        'X-Ratelimit-Reset': String(Math.max(0, Math.ceil((resetMs - nowMs) / 1000))),
      };
    case 'instagram': {
      const percent = Math.min(100, Math.round((window.used / limit) * 100));
      return { 'X-App-Usage': JSON.stringify({ call_count: percent, total_cputime: 1, total_time: 1 }) };
    }
    case 'youtube':
      return {};
  }
};

export const tooManyRequests = (platform: Platform): unknown => {
  switch (platform) {
    case 'x':
      return { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 };
    case 'bluesky':
      return { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' };
    case 'instagram':
      return { error: { message: 'Application request limit reached', type: 'OAuthException', code: 4 } };
    default:
      return { error: 'Too Many Requests' };
  }
};

const PER_ENDPOINT: ReadonlySet<Platform> = new Set(['x']);

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  constructor(readonly options: RateLimitOptions) {}

  /** Counts one request and says whether it is over the limit, with the headers to send either way. */
  take(platform: Platform, path: string, nowMs: number) {
    const key = PER_ENDPOINT.has(platform) ? `${platform} ${path}` : platform;
    let window = this.windows.get(key);
    if (!window || nowMs >= window.start + this.options.windowMs) {
      window = { start: nowMs, used: 0 };
      this.windows.set(key, window);
    }
    window.used += 1;
    const { limit, windowMs } = this.options;
    return {
      limited: platform !== 'youtube' && window.used > limit,
      headers: rateLimitHeaders(platform, limit, window, windowMs, nowMs),
      retryAfterSeconds: Math.max(1, Math.ceil((window.start + windowMs - nowMs) / 1000)),
    };
  }
}
