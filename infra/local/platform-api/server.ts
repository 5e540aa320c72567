import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PLATFORMS, type Platform } from '../../../shared/platform';
import { FaultQueue } from './faults';
import { type HandlerContext, handleRequest, type LoggedRequest, PREFIX_PATHS, send } from './handler';
import { PlatformQuotas, type QuotaOptions } from './quotas';
import { RateLimiter } from './rate-limits';
import type { PlatformStore } from './store';
import { TokenStore } from './tokens';

export type { LoggedRequest } from './handler';

/**
 * A local server that speaks the six platforms' APIs over a `PlatformStore`, each under its own path prefix
 * with the real paths below it (X at `/x/2/tweets/search/recent`, so the X adapter's baseUrl is `<url>/x`).
 * It sends each platform's rate-limit headers, answers 429 when a platform's window is used up (X: each
 * endpoint's window), logs every request (tests count API calls with it) and fires queued faults.
 */

export interface PlatformApiOptions {
  store: PlatformStore;
  port?: number;
  host?: string;
  /** Server clock (token expiry, X's 7-day and Instagram's 24-hour windows, rate-limit windows). */
  now?: () => number;
  /** Requests per platform (X: per endpoint) per window before the server answers 429 (not YouTube: quotas). */
  rateLimit?: { limit: number; windowMs: number };
  /** Quotas and charges to enforce (YouTube buckets, X reads, Instagram hashtags/usage); none by default. */
  quotas?: QuotaOptions;
  /** Bluesky: the only app password createSession accepts; any non-empty password when omitted. */
  blueskyAppPassword?: string;
  /** Domain of the simulated Mastodon server (its accounts show a bare acct). Default mastodon.social. */
  mastodonDomain?: string;
  /** Called with one line per request, for the local twin's console. */
  log?: (line: string) => void;
}

export interface PlatformApi {
  url: string;
  port: number;
  /** The baseUrl to give each platform's adapter. */
  baseUrls: Record<Platform, string>;
  store: PlatformStore;
  requests: LoggedRequest[];
  faults: FaultQueue;
  /** The quotas enforced (and what was charged against them), when `quotas` was given. */
  quotas: PlatformQuotas | undefined;
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

/** The adapter's baseUrl below the prefix, matching the real base URLs' own paths. */
const BASE_SUFFIX: Record<Platform, string> = {
  x: '',
  mastodon: '',
  bluesky: '',
  youtube: '/youtube/v3',
  reddit: '',
  instagram: '/v23.0',
};

const listen = (server: ReturnType<typeof createServer>, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });

export const startPlatformApi = async (options: PlatformApiOptions): Promise<PlatformApi> => {
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  let origin = '';
  const ctx: HandlerContext = {
    origin: () => origin,
    now,
    store: options.store,
    behaviour: {
      blueskyAppPassword: options.blueskyAppPassword,
      mastodonDomain: options.mastodonDomain ?? 'mastodon.social',
    },
    sessions: new TokenStore(now),
    faults: new FaultQueue(),
    limiter: new RateLimiter(options.rateLimit ?? { limit: 100_000, windowMs: 15 * 60_000 }),
    ...(options.quotas ? { quotas: new PlatformQuotas(options.quotas) } : {}),
    requests: [],
    timers: new Set(),
    log: options.log,
  };
  const server = createServer((req, res) => {
    handleRequest(ctx, req, res).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      send(res, 500, {}, JSON.stringify({ error: 'internal', message }));
    });
  });
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;
  const baseUrls = Object.fromEntries(
    PLATFORMS.map((p) => [p, `${origin}${PREFIX_PATHS[p]}${BASE_SUFFIX[p]}`]),
  ) as Record<Platform, string>;
  const { requests, faults, sessions, timers } = ctx;
  return {
    url: origin,
    port,
    baseUrls,
    store: options.store,
    requests,
    faults,
    quotas: ctx.quotas,
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
