import type { IncomingHttpHeaders } from 'node:http';
import { normalizeHashtag } from '../../../shared/hashtags';
import type { Platform } from '../../../shared/platform';
import { newestFirst, type PlatformStore, type StoredPost } from './store';

/** What a platform route sees of a request, and what it answers. */

export interface Sessions {
  /** Bluesky JWTs and Reddit bearer tokens issued by this server. */
  issue(platform: Platform, kind: 'access' | 'refresh', subject: string, ttlMs: number): string;
  check(
    platform: Platform,
    token: string | undefined,
    kind: 'access' | 'refresh',
  ): { ok: true; subject: string } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };
}

export interface ApiRequest {
  platform: Platform;
  method: string;
  /** Path below the platform prefix, e.g. `/2/tweets/search/recent`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  nowMs: number;
  /** Public base URL of this platform on this server (what an adapter uses as baseUrl). */
  base: string;
  store: PlatformStore;
  sessions: Sessions;
  options: ApiBehaviour;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type PlatformRoutes = (request: ApiRequest) => ApiResponse;

/** Knobs of the simulated platforms. */
export interface ApiBehaviour {
  /** Bluesky: the app password createSession accepts; any non-empty one when undefined. */
  blueskyAppPassword?: string;
  /** Local domain of the simulated Mastodon server: its accounts show a bare `acct`. */
  mastodonDomain: string;
}

export const bearer = (headers: IncomingHttpHeaders): string | undefined => {
  const value = headers.authorization;
  const match = typeof value === 'string' ? /^Bearer\s+(.+)$/i.exec(value) : null;
  return match?.[1]?.trim() || undefined;
};

/** Opaque, stable paging token pointing after a post (stays valid when newer posts arrive). */
export const encodeAfter = (post: StoredPost): string =>
  Buffer.from(JSON.stringify([Date.parse(post.publishedAt), post.seq])).toString('base64url');

export const decodeAfter = (token: string): [number, number] | undefined => {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number'))
      return [value[0] as number, value[1] as number];
  } catch {
    // not one of ours
  }
  return undefined;
};

/** True when `post` comes after (is older than) the position in newest-first order. */
export const isAfter = (post: StoredPost, position: [number, number]): boolean => {
  const t = Date.parse(post.publishedAt);
  return t < position[0] || (t === position[0] && post.seq < position[1]);
};

export const positionOf = (post: StoredPost): [number, number] => [Date.parse(post.publishedAt), post.seq];

/** A search term: `#tag` matches the post's hashtags, a word matches its text. */
export const termMatches = (post: StoredPost, term: string): boolean => {
  const trimmed = term.trim().replace(/^"|"$/g, '');
  if (trimmed === '') return true;
  if (/^[#＃]/.test(trimmed)) return post.hashtags.includes(normalizeHashtag(trimmed));
  return post.text.toLowerCase().includes(trimmed.toLowerCase());
};

export const sortNewestFirst = (posts: StoredPost[]): StoredPost[] => posts.sort(newestFirst);

export const intParam = (query: URLSearchParams, name: string): number | undefined => {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) ? n : Number.NaN;
};

export const json = (status: number, body: unknown, headers?: Record<string, string>): ApiResponse => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

/** First line of a text, for titles (YouTube, Reddit). */
export const titleOf = (text: string, max: number): string => {
  const first = text.split('\n')[0] ?? '';
  return first.length > max ? first.slice(0, max) : first;
};
