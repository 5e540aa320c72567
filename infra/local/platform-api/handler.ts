import type { IncomingMessage, ServerResponse } from 'node:http';
import { PLATFORMS, type Platform } from '../../../shared/platform';
import type { ApiBehaviour, ApiResponse, PlatformRoutes } from './context';
import type { Fault, FaultQueue } from './faults';
import { blueskyRoutes } from './platforms/bluesky';
import { instagramRoutes } from './platforms/instagram';
import { mastodonRoutes } from './platforms/mastodon';
import { redditRoutes } from './platforms/reddit';
import { xRoutes } from './platforms/x';
import { youtubeRoutes } from './platforms/youtube';
import type { PlatformQuotas } from './quotas';
import { type RateLimiter, tooManyRequests } from './rate-limits';
import type { PlatformStore } from './store';
import type { TokenStore } from './tokens';

/** One request of the local platform API: find the platform, fire a queued fault, apply limits, answer. */

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

export const PREFIX_PATHS: Record<Platform, string> = {
  x: '/x',
  mastodon: '/mastodon',
  bluesky: '/bluesky',
  youtube: '/youtube',
  reddit: '/reddit',
  instagram: '/instagram',
};

const ROUTES: Record<Platform, PlatformRoutes> = {
  x: xRoutes,
  mastodon: mastodonRoutes,
  bluesky: blueskyRoutes,
  youtube: youtubeRoutes,
  reddit: redditRoutes,
  instagram: instagramRoutes,
};

export interface HandlerContext {
  origin: () => string;
  now: () => number;
  store: PlatformStore;
  behaviour: ApiBehaviour;
  sessions: TokenStore;
  faults: FaultQueue;
  limiter: RateLimiter;
  /** Quotas and charges (YouTube buckets, X reads, Instagram hashtags and usage); none when omitted. */
  quotas?: PlatformQuotas;
  requests: LoggedRequest[];
  /** Pending fault delays, cleared on close. */
  timers: Set<NodeJS.Timeout>;
  log?: (line: string) => void;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export const send = (
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  payload: string,
): void => {
  if (res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
};

/** Headers and half the body, then a cut connection. */
const sendTruncated = (
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  payload: string,
) => {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.write(payload.slice(0, Math.floor(payload.length / 2)));
  setImmediate(() => res.destroy());
};

const wait = (ctx: HandlerContext, ms: number): Promise<void> =>
  new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      ctx.timers.delete(t);
      resolve();
    }, ms);
    ctx.timers.add(t);
  });

const logEntry = (ctx: HandlerContext, req: IncomingMessage, url: URL): LoggedRequest => {
  const platform = PLATFORMS.find(
    (p) => url.pathname === PREFIX_PATHS[p] || url.pathname.startsWith(`${PREFIX_PATHS[p]}/`),
  );
  const entry: LoggedRequest = {
    platform,
    method: req.method ?? 'GET',
    path: platform ? url.pathname.slice(PREFIX_PATHS[platform].length) : url.pathname,
    query: url.searchParams,
    status: 0,
    at: ctx.now(),
  };
  ctx.requests.push(entry);
  return entry;
};

/** The platform's own answer, or its 429 when the window is used up. */
const answerOf = (
  ctx: HandlerContext,
  req: IncomingMessage,
  url: URL,
  entry: LoggedRequest & { platform: Platform },
  body: string,
  limit: ReturnType<RateLimiter['take']>,
): ApiResponse => {
  const { platform } = entry;
  if (limit.limited)
    return {
      status: 429,
      body: tooManyRequests(platform),
      headers: { 'retry-after': String(limit.retryAfterSeconds) },
    };
  const refused = ctx.quotas?.refuse(platform, entry.path, url.searchParams, entry.at);
  if (refused) return refused;
  const answer = ROUTES[platform]({
    platform,
    method: entry.method,
    path: entry.path,
    query: url.searchParams,
    headers: req.headers,
    body,
    nowMs: entry.at,
    base: `${ctx.origin()}${PREFIX_PATHS[platform]}`,
    store: ctx.store,
    sessions: ctx.sessions,
    options: ctx.behaviour,
  });
  const usage = ctx.quotas?.charge(platform, answer, entry.at) ?? {};
  return { ...answer, headers: { ...answer.headers, ...usage } };
};

export const handleRequest = async (
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> => {
  const url = new URL(req.url ?? '/', ctx.origin());
  const body = await readBody(req);
  const entry = logEntry(ctx, req, url);
  const finish = (status: number) => {
    entry.status = status;
    ctx.log?.(`${entry.method} ${url.pathname} -> ${status}${entry.fault ? ` (fault: ${entry.fault})` : ''}`);
  };
  const { platform } = entry;
  if (!platform) {
    finish(404);
    send(res, 404, {}, JSON.stringify({ error: `no platform at ${url.pathname}` }));
    return;
  }
  const fault = ctx.faults.take(platform, entry.path);
  if (fault) entry.fault = fault.kind;
  if (fault?.kind === 'reset') {
    finish(0);
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'before') fault.run(ctx.store);
  if (fault?.kind === 'delay') await wait(ctx, fault.ms);

  const limit = ctx.limiter.take(platform, entry.path, entry.at);
  if (fault?.kind === 'status') {
    finish(fault.status);
    // Only the fault's own headers: tests choose whether a 429 carries Retry-After or reset headers.
    send(res, fault.status, { ...fault.headers }, JSON.stringify(fault.body ?? { error: 'injected fault' }));
    return;
  }
  if (fault?.kind === 'malformedJson' || fault?.kind === 'rawBody') {
    finish(200);
    send(
      res,
      200,
      limit.headers,
      fault.kind === 'rawBody' ? fault.body : '{"data": [{"id": "1", "text": oops',
    );
    return;
  }
  const answer = answerOf(ctx, req, url, { ...entry, platform }, body, limit);
  const payload = JSON.stringify(fault?.kind === 'mutate' ? fault.mutate(answer.body) : answer.body);
  const headers = { ...limit.headers, ...answer.headers };
  finish(answer.status);
  if (fault?.kind === 'truncated') sendTruncated(res, answer.status, headers, payload);
  else send(res, answer.status, headers, payload);
};
