import { describe, expect, it } from 'vitest';
import { summariseBody } from '../../../shared/json-summary';
import {
  PermanentPlatformError,
  RateLimitedError,
  TransientPlatformError,
} from '../../../shared/platforms/adapter';
import { jsonNestsDeeperThan } from '../../../shared/platforms/body';
import {
  describeUrl,
  PlatformHttp,
  parseResetHeader,
  parseRetryAfter,
  readRateLimitHeaders,
} from '../../../shared/platforms/http';

const NOW = Date.parse('2025-03-01T12:00:00Z');

/** A fetch that answers one canned response and records what it was asked. */
const fetchAnswering = (status: number, body: string, headers: Record<string, string> = {}) => {
  const calls: { url: string; init?: RequestInit }[] = [];
  const impl = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return new Response(body, { status, headers });
  }) as typeof fetch;
  return { impl, calls };
};

const client = (impl: typeof fetch) =>
  new PlatformHttp({ platform: 'x', fetch: impl, now: () => NOW, timeoutMs: 500 });

describe('Function: parseResetHeader', () => {
  it('reads epoch seconds (X, Bluesky)', () => {
    expect(parseResetHeader('1740834000', NOW)).toBe(1_740_834_000_000);
  });
  it('reads seconds until the reset (Reddit), also with a fraction', () => {
    expect(parseResetHeader('42', NOW)).toBe(NOW + 42_000);
    expect(parseResetHeader('1.5', NOW)).toBe(NOW + 1_500);
  });
  it('reads an ISO 8601 timestamp (Mastodon)', () => {
    expect(parseResetHeader('2025-03-01T12:05:00.000Z', NOW)).toBe(NOW + 300_000);
  });
  it('ignores absent, empty and unreadable values', () => {
    expect(parseResetHeader(null, NOW)).toBeUndefined();
    expect(parseResetHeader('  ', NOW)).toBeUndefined();
    expect(parseResetHeader('soon', NOW)).toBeUndefined();
  });
});

describe('Function: parseRetryAfter', () => {
  it('reads delay seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(NOW + 120_000);
  });
  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:10:00 GMT', NOW)).toBe(NOW + 600_000);
  });
  it('ignores what is neither', () => {
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe('Function: readRateLimitHeaders', () => {
  it.each([
    [{ 'x-rate-limit-remaining': '7', 'x-rate-limit-reset': '1740834000' }, 7, 1_740_834_000_000],
    [{ 'X-RateLimit-Remaining': '299', 'X-RateLimit-Reset': '2025-03-01T12:05:00Z' }, 299, NOW + 300_000],
    [{ 'X-Ratelimit-Remaining': '598.0', 'X-Ratelimit-Reset': '300' }, 598, NOW + 300_000],
    [{ 'RateLimit-Remaining': '2999', 'RateLimit-Reset': '1740834000' }, 2999, 1_740_834_000_000],
  ])('reads %j', (headers, remaining, resetAt) => {
    expect(readRateLimitHeaders(new Headers(headers), NOW)).toEqual({ remaining, resetAt });
  });
  it('says nothing when the platform sends nothing', () => {
    expect(readRateLimitHeaders(new Headers(), NOW)).toEqual({});
  });
});

describe('Class: PlatformHttp', () => {
  it('returns the parsed body and keeps the rate-limit reading', async () => {
    const { impl } = fetchAnswering(200, '{"ok":true}', { 'x-rate-limit-remaining': '3' });
    const http = client(impl);
    const response = await http.request({ url: 'https://api.example/2/x' });
    expect(response.body).toEqual({ ok: true });
    expect(http.rateLimit()).toEqual({ remaining: 3 });
  });

  it('keeps query-string secrets out of error messages', async () => {
    const { impl } = fetchAnswering(400, '{"error":"bad"}');
    const error = await client(impl)
      .request({ url: 'https://api.example/v1/search?key=SECRET-KEY&access_token=SECRET-TOKEN' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentPlatformError);
    expect(String((error as Error).message)).not.toMatch(/SECRET/);
    expect(describeUrl('https://api.example/v1/search?key=SECRET')).toBe('api.example/v1/search');
  });

  it('prefers Retry-After over the reset header on 429', async () => {
    const { impl } = fetchAnswering(429, '{}', { 'retry-after': '30', 'x-rate-limit-reset': '1740834000' });
    const error = await client(impl)
      .request({ url: 'https://api.example/' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAt).toBe(NOW + 30_000);
  });

  it('treats 408 as transient and other 4xx as permanent', async () => {
    await expect(
      client(fetchAnswering(408, '').impl).request({ url: 'https://a.example/' }),
    ).rejects.toBeInstanceOf(TransientPlatformError);
    await expect(
      client(fetchAnswering(404, '').impl).request({ url: 'https://a.example/' }),
    ).rejects.toBeInstanceOf(PermanentPlatformError);
  });

  it('lets the adapter classify an error response before the generic mapping', async () => {
    const { impl } = fetchAnswering(403, '{"reason":"quota"}');
    const custom = new Error('classified');
    const error = await client(impl)
      .request({
        url: 'https://a.example/',
        classifyError: (r) => ((r.body as { reason?: string }).reason ? custom : undefined),
      })
      .catch((e: unknown) => e);
    expect(error).toBe(custom);
  });

  it('turns a network failure into a transient error', async () => {
    const impl = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') });
    }) as typeof fetch;
    const error = await client(impl)
      .request({ url: 'https://a.example/' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientPlatformError);
    expect((error as Error).message).toMatch(/ECONNRESET/);
  });

  it("rethrows the caller's abort instead of calling it a platform failure", async () => {
    const controller = new AbortController();
    const impl = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    const pending = client(impl).request({ url: 'https://a.example/', signal: controller.signal });
    const reason = new Error('poll cycle ends');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('Function: summariseBody', () => {
  const deep = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = { a: value };
    return value;
  };

  it('summarises a 100,000-deep body without throwing, in at most 300 characters', () => {
    const summary = summariseBody(deep(100_000), '');
    expect(summary.length).toBeLessThanOrEqual(303);
    expect(summary.startsWith('{"a":{"a":')).toBe(true);
  });

  it('survives a cyclic body', () => {
    const cyclic: Record<string, unknown> = { error: 'x' };
    cyclic.self = cyclic;
    expect(summariseBody(cyclic, '')).toMatch(/^\{"error":"x","self":\{/);
  });

  it('reads like JSON for an ordinary error body, and cuts long ones', () => {
    const body = { errors: [{ code: 88, message: 'Rate limit exceeded' }], ok: false, n: null };
    expect(summariseBody(body, '')).toBe(JSON.stringify(body));
    expect(summariseBody({ m: 'x'.repeat(1000) }, '')).toBe(`{"m":"${'x'.repeat(294)}...`);
    expect(summariseBody(undefined, 'plain text')).toBe('plain text');
  });
});

describe('Function: jsonNestsDeeperThan', () => {
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan('[[[1]]]', 3)).toBe(false);
    expect(jsonNestsDeeperThan('[[[[1]]]]', 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":"[[[[{{{{\\"[[["}', 1)).toBe(false);
  });
});
