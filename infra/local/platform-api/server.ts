import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PLATFORMS, type Platform } from '../../../shared/platform';
import type { ApiBehaviour, ApiRequest, ApiResponse, PlatformRoutes, Sessions } from './context';
import { type Fault, FaultQueue } from './faults';
import { blueskyRoutes } from './platforms/bluesky';
import { instagramRoutes } from './platforms/instagram';
import { mastodonRoutes } from './platforms/mastodon';
import { redditRoutes } from './platforms/reddit';
import { xRoutes } from './platforms/x';
import { youtubeRoutes } from './platforms/youtube';
import type { PlatformStore } from './store';

/**
 * A local server that speaks the six platforms' APIs over a `PlatformStore`, each under its own path prefix
 * with the real paths below it (X at `/x/2/tweets/search/recent`, so the X adapter's baseUrl is `<url>/x`).
 * It sends each platform's rate-limit headers, answers 429 when a platform's window is used up, logs every
 * request (tests count API calls with it) and fires queued faults.
 */

export interface PlatformApiOptions {
  store: PlatformStore;
  port?: number;
  host?: string;
  /** Server clock (token expiry, X's 7-day and Instagram's 24-hour windows, rate-limit windows). */
  now?: () => number;
  /** Requests per platform per window before the server answers 429 (YouTube excepted: it has quotas). */
  rateLimit?: { limit: number; windowMs: number };
  /** Bluesky: the only app password createSession accepts; any non-empty password when omitted. */
  blueskyAppPassword?: string;
  /** Domain of the simulated Mastodon server (its accounts show a bare acct). Default mastodon.social. */
  mastodonDomain?: string;
  /** Called with one line per request, for the local twin's console. */
  log?: (line: string) => void;
}

export interface LoggedRequest {
  platform: Platform | undefined;
  method: string;
  /** Path below the platform prefix. */
  path: string;
  query: URLSearchParams;
  status: number;
  fault?: Fault['kind'];
  at: number;
}

export interface PlatformApi {
  url: string;
  port: number;
  /** The baseUrl to give each platform's adapter. */
  baseUrls: Record<Platform, string>;
  store: PlatformStore;
  requests: LoggedRequest[];
  faults: FaultQueue;
  /** Requests logged for one platform, optionally for one path. */
  requestsFor(platform: Platform, path?: string): LoggedRequest[];
  /** Expire the sessions issued so far (Bluesky access tokens, or also refresh tokens; Reddit tokens). */
  expireSessions(platform: 'bluesky' | 'reddit', options?: { refreshTokens?: boolean }): void;
  close(): Promise<void>;
}

/** Credentials the local server accepts, for adapters pointed at it (any non-empty values work). */
export const LOCAL_PLATFORM_CREDENTIALS = {
  x: { bearerToken: 'local-x-token' },
  mastodon: { bearerToken: 'local-mastodon-token' },
  bluesky: { identifier: 'demo.bsky.social', password: 'local-app-password' },
  youtube: { apiKey: 'local-youtube-key' },
  reddit: {
    clientId: 'local-client',
    clientSecret: 'local-secret',
    userAgent: 'server:kol-pulse-local:v0 (by /u/kolpulse)',
  },
  instagram: { bearerToken: 'local-instagram-token', businessAccountId: '17841400000000000' },
} as const;

const PREFIX_PATHS: Record<Platform, string> = {
  x: '/x',
  mastodon: '/mastodon',
  bluesky: '/bluesky',
  youtube: '/youtube',
  reddit: '/reddit',
  instagram: '/instagram',
};

/** The adapter's baseUrl below the prefix, matching the real base URLs' own paths. */
const BASE_SUFFIX: Record<Platform, string> = {
  x: '',
  mastodon: '',
  bluesky: '',
  youtube: '/youtube/v3',
  reddit: '',
  instagram: '/v23.0',
};

const ROUTES: Record<Platform, PlatformRoutes> = {
  x: xRoutes,
  mastodon: mastodonRoutes,
  bluesky: blueskyRoutes,
  youtube: youtubeRoutes,
  reddit: redditRoutes,
  instagram: instagramRoutes,
};

interface Token {
  platform: Platform;
  kind: 'access' | 'refresh';
  subject: string;
  expiresAt: number;
}

class TokenStore implements Sessions {
  readonly tokens = new Map<string, Token>();
  constructor(private readonly now: () => number) {}

  issue(platform: Platform, kind: 'access' | 'refresh', subject: string, ttlMs: number): string {
    const expiresAt = this.now() + ttlMs;
    const nonce = randomBytes(12).toString('base64url');
    const token =
      platform === 'bluesky'
        ? [
            Buffer.from(JSON.stringify({ typ: kind === 'access' ? 'at+jwt' : 'refresh+jwt', alg: 'HS256' })),
            Buffer.from(
              JSON.stringify({
                scope: kind === 'access' ? 'com.atproto.access' : 'com.atproto.refresh',
                sub: subject.split(' ')[0],
                iat: Math.floor(this.now() / 1000),
                exp: Math.floor(expiresAt / 1000),
                jti: nonce,
              }),
            ),
            Buffer.from('local-signature'),
          ]
            .map((b) => b.toString('base64url'))
            .join('.')
        : `${platform}-${kind}-${nonce}`;
    this.tokens.set(token, { platform, kind, subject, expiresAt });
    return token;
  }

  check(platform: Platform, token: string | undefined, kind: 'access' | 'refresh') {
    if (!token) return { ok: false as const, reason: 'missing' as const };
    const found = this.tokens.get(token);
    if (!found || found.platform !== platform || found.kind !== kind)
      return { ok: false as const, reason: 'invalid' as const };
    if (found.expiresAt <= this.now()) return { ok: false as const, reason: 'expired' as const };
    return { ok: true as const, subject: found.subject };
  }

  expire(platform: Platform, refreshTokens: boolean): void {
    for (const token of this.tokens.values())
      if (token.platform === platform && (token.kind === 'access' || refreshTokens)) token.expiresAt = 0;
  }
}

interface Window {
  start: number;
  used: number;
}

const rateLimitHeaders = (
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

const tooManyRequests = (platform: Platform): unknown => {
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

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export const startPlatformApi = async (options: PlatformApiOptions): Promise<PlatformApi> => {
  const now = options.now ?? Date.now;
  const limits = options.rateLimit ?? { limit: 100_000, windowMs: 15 * 60_000 };
  const behaviour: ApiBehaviour = {
    blueskyAppPassword: options.blueskyAppPassword,
    mastodonDomain: options.mastodonDomain ?? 'mastodon.social',
  };
  const sessions = new TokenStore(now);
  const faults = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const windows = new Map<Platform, Window>();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  const windowFor = (platform: Platform, nowMs: number): Window => {
    let w = windows.get(platform);
    if (!w || nowMs >= w.start + limits.windowMs) {
      w = { start: nowMs, used: 0 };
      windows.set(platform, w);
    }
    return w;
  };

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, payload: string) => {
    if (res.destroyed) return;
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(payload)),
      ...headers,
    });
    res.end(payload);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const body = await readBody(req);
    const platform = PLATFORMS.find(
      (p) => url.pathname === PREFIX_PATHS[p] || url.pathname.startsWith(`${PREFIX_PATHS[p]}/`),
    );
    const nowMs = now();
    const entry: LoggedRequest = {
      platform,
      method: req.method ?? 'GET',
      path: platform ? url.pathname.slice(PREFIX_PATHS[platform].length) : url.pathname,
      query: url.searchParams,
      status: 0,
      at: nowMs,
    };
    requests.push(entry);
    const finish = (status: number) => {
      entry.status = status;
      options.log?.(
        `${entry.method} ${url.pathname} -> ${status}${entry.fault ? ` (fault: ${entry.fault})` : ''}`,
      );
    };
    if (!platform) {
      finish(404);
      send(res, 404, {}, JSON.stringify({ error: `no platform at ${url.pathname}` }));
      return;
    }

    const fault = faults.take(platform, entry.path);
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === 'reset') {
      finish(0);
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'before') fault.run(options.store);
    if (fault?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, fault.ms);
        timers.add(t);
      });
    }

    const window = windowFor(platform, nowMs);
    window.used += 1;
    const limited = platform !== 'youtube' && window.used > limits.limit;
    const rlHeaders = rateLimitHeaders(platform, limits.limit, window, limits.windowMs, nowMs);

    if (fault?.kind === 'status') {
      finish(fault.status);
      // Only the fault's own headers: tests choose whether a 429 carries Retry-After or reset headers.
      send(
        res,
        fault.status,
        { ...fault.headers },
        JSON.stringify(fault.body ?? { error: 'injected fault' }),
      );
      return;
    }
    if (fault?.kind === 'malformedJson') {
      finish(200);
      send(res, 200, rlHeaders, '{"data": [{"id": "1", "text": oops');
      return;
    }

    let answer: ApiResponse;
    if (limited) {
      const retryAfter = Math.max(1, Math.ceil((window.start + limits.windowMs - nowMs) / 1000));
      answer = {
        status: 429,
        body: tooManyRequests(platform),
        headers: { 'retry-after': String(retryAfter) },
      };
    } else {
      const apiRequest: ApiRequest = {
        platform,
        method: entry.method,
        path: entry.path,
        query: url.searchParams,
        headers: req.headers,
        body,
        nowMs,
        base: `${origin}${PREFIX_PATHS[platform]}`,
        store: options.store,
        sessions,
        options: behaviour,
      };
      answer = ROUTES[platform](apiRequest);
    }
    const payload = JSON.stringify(fault?.kind === 'mutate' ? fault.mutate(answer.body) : answer.body);
    const headers = { ...rlHeaders, ...answer.headers };
    finish(answer.status);
    if (fault?.kind === 'truncated') {
      res.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(payload)),
        ...headers,
      });
      res.write(payload.slice(0, Math.floor(payload.length / 2)));
      setImmediate(() => res.destroy());
      return;
    }
    send(res, answer.status, headers, payload);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      send(
        res,
        500,
        {},
        JSON.stringify({ error: 'internal', message: e instanceof Error ? e.message : String(e) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const baseUrls = Object.fromEntries(
    PLATFORMS.map((p) => [p, `${origin}${PREFIX_PATHS[p]}${BASE_SUFFIX[p]}`]),
  ) as Record<Platform, string>;

  return {
    url: origin,
    port,
    baseUrls,
    store: options.store,
    requests,
    faults,
    requestsFor: (platform, path) =>
      requests.filter((r) => r.platform === platform && (path === undefined || r.path.endsWith(path))),
    expireSessions: (platform, opts = {}) => sessions.expire(platform, opts.refreshTokens ?? false),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
