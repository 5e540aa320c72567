import { createHash } from 'node:crypto';
import { normalizeHashtag } from '../../../../shared/hashtags';
import {
  type ApiRequest,
  type ApiResponse,
  decodeAfter,
  encodeAfter,
  intParam,
  isAfter,
  json,
} from '../context';
import { type StoredPost, visibleCounter } from '../store';

/**
 * Instagram Graph API: ig_hashtag_search, /{hashtag-id}/recent_media (last 24 hours, ≤ 50 per page, no author)
 * and /{ig-user-id}?fields=business_discovery.username(...){...}.
 */

const RECENT_WINDOW_MS = 24 * 3600 * 1000;
const MAX_LIMIT = 50;
const DEFAULT_LIMIT = 25;
const ALL_FIELDS = [
  'id',
  'caption',
  'comments_count',
  'like_count',
  'media_type',
  'media_url',
  'permalink',
  'timestamp',
];

const graphError = (
  status: number,
  code: number,
  message: string,
  type = 'OAuthException',
  subcode?: number,
): ApiResponse =>
  json(status, {
    error: {
      message,
      type,
      code,
      ...(subcode === undefined ? {} : { error_subcode: subcode }),
      fbtrace_id: 'local',
    },
  });

/** Graph API timestamps look like 2017-08-31T18:10:00+0000. */
const graphTime = (iso: string): string => iso.replace(/\.\d{3}Z$/, '+0000');

export const hashtagIdOf = (tag: string): string =>
  `178${BigInt(`0x${createHash('sha256').update(normalizeHashtag(tag)).digest('hex').slice(0, 12)}`)
    .toString()
    .padStart(14, '0')
    .slice(0, 14)}`;

export const renderMedia = (post: StoredPost, fields: readonly string[]) => {
  const all: Record<string, unknown> = {
    id: post.id,
    caption: post.text,
    comments_count: visibleCounter(post, 'comments'),
    like_count: visibleCounter(post, 'likes'),
    media_type: 'IMAGE',
    media_url: `https://scontent.example/${post.id}.jpg`,
    permalink: `https://www.instagram.com/p/${Buffer.from(post.id).toString('base64url').slice(0, 11)}/`,
    timestamp: graphTime(post.publishedAt),
  };
  const out: Record<string, unknown> = {};
  for (const f of fields) if (all[f] !== undefined) out[f] = all[f];
  return out;
};

const fieldsOf = (spec: string | null): string[] => {
  const fields = (spec ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => ALL_FIELDS.includes(f));
  return fields.length > 0 ? fields : ['id'];
};

const hashtagSearch = (req: ApiRequest): ApiResponse => {
  if (!req.query.get('user_id')) return graphError(400, 100, 'The parameter user_id is required');
  const q = req.query.get('q');
  if (!q) return graphError(400, 100, 'The parameter q is required');
  return json(200, { data: [{ id: hashtagIdOf(q) }] });
};

/**
 * recent_media "will not always be in chronological order": the fake serves it in an order unrelated to time
 * (a hash of the media id), paged by an `after` cursor on that order.
 */
const orderKey = (post: StoredPost): string =>
  createHash('sha256').update(post.id).digest('hex').slice(0, 16);

const versionOf = (req: ApiRequest): string => /^\/v\d+\.\d+/.exec(req.path)?.[0] ?? '';

const recentMedia = (req: ApiRequest, hashtagId: string): ApiResponse => {
  const tag = [...new Set(req.store.list('instagram').flatMap((p) => p.hashtags))].find(
    (t) => hashtagIdOf(t) === hashtagId,
  );
  if (!req.query.get('user_id')) return graphError(400, 100, 'The parameter user_id is required');
  const limit = Math.min(MAX_LIMIT, Math.max(1, intParam(req.query, 'limit') ?? DEFAULT_LIMIT));
  const fields = fieldsOf(req.query.get('fields'));
  const after = req.query.get('after');
  const windowStart = req.nowMs - RECENT_WINDOW_MS;
  const hits = tag
    ? req.store
        .searchable('instagram', req.nowMs)
        .filter((p) => p.hashtags.includes(tag) && Date.parse(p.publishedAt) >= windowStart)
        .map((p) => ({ post: p, key: orderKey(p) }))
        .filter((h) => !after || h.key > after)
        .sort((a, b) => (a.key < b.key ? -1 : 1))
    : [];
  const page = hits.slice(0, limit);
  const last = page[page.length - 1];
  const paging: Record<string, unknown> = {};
  if (last) {
    paging.cursors = { after: last.key };
    if (hits.length > page.length) {
      const next = new URLSearchParams(req.query);
      next.set('after', last.key);
      paging.next = `${req.base}${versionOf(req)}/${hashtagId}/recent_media?${next}`;
    }
  }
  return json(200, { data: page.map((h) => renderMedia(h.post, fields)), ...(last ? { paging } : {}) });
};

/** The media edge of business_discovery: `media.limit(n).after(cursor){fields}`, newest first. */
const discoveryMedia = (req: ApiRequest, userId: string, spec: string, owned: StoredPost[]) => {
  const mediaSpec = /media((?:\.[a-z]+\([^)]*\))*)\{([^}]*)\}/.exec(spec);
  const modifiers = mediaSpec?.[1] ?? '';
  const limit = Math.min(MAX_LIMIT, Number(/\.limit\((\d+)\)/.exec(modifiers)?.[1] ?? DEFAULT_LIMIT));
  const after = /\.after\(([^)]+)\)/.exec(modifiers)?.[1];
  const position = after ? decodeAfter(after) : undefined;
  const rest = position ? owned.filter((p) => isAfter(p, position)) : owned;
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  const fields = fieldsOf(mediaSpec?.[2] ?? 'id');
  const nextUrl = (cursor: string) => {
    const query = new URLSearchParams(req.query);
    query.set('fields', spec.replace(`media${modifiers}{`, `media.limit(${limit}).after(${cursor}){`));
    return `${req.base}${versionOf(req)}/${userId}?${query}`;
  };
  return {
    data: page.map((p) => renderMedia(p, fields)),
    ...(last
      ? {
          paging: {
            cursors: { after: encodeAfter(last) },
            ...(rest.length > page.length ? { next: nextUrl(encodeAfter(last)) } : {}),
          },
        }
      : {}),
  };
};

const businessDiscovery = (req: ApiRequest, userId: string): ApiResponse => {
  const spec = req.query.get('fields') ?? '';
  const username = /business_discovery\.username\(([^)]+)\)/.exec(spec)?.[1];
  if (!username) return json(200, { id: userId });
  const owned = req.store
    .list('instagram')
    .filter((p) => p.author.handle.toLowerCase() === username.toLowerCase());
  const author = owned[0]?.author;
  if (!author) return graphError(400, 110, `Invalid user id: ${username}`, 'OAuthException', 2207013);
  return json(200, {
    business_discovery: {
      id: author.id,
      username: author.handle,
      name: author.name,
      media_count: owned.length,
      // Only when asked for, like every Graph API field.
      ...(/[{,]followers_count[,}]/.test(spec) && author.followers !== null
        ? { followers_count: author.followers }
        : {}),
      media: discoveryMedia(req, userId, spec, owned),
    },
    id: userId,
  });
};

export const instagramRoutes = (req: ApiRequest): ApiResponse => {
  if (!req.query.get('access_token'))
    return graphError(
      400,
      2500,
      'An active access token must be used to query information about the current user.',
    );
  // Paths carry the Graph API version: /v23.0/...
  const path = req.path.replace(/^\/v\d+\.\d+/, '');
  if (req.method !== 'GET') return graphError(400, 100, 'Unsupported request');
  if (path === '/ig_hashtag_search') return hashtagSearch(req);
  const recent = /^\/(\d+)\/recent_media$/.exec(path);
  if (recent?.[1]) return recentMedia(req, recent[1]);
  const node = /^\/(\d+)$/.exec(path);
  if (node?.[1]) return businessDiscovery(req, node[1]);
  return graphError(400, 100, `Unsupported get request: ${path}`, 'GraphMethodException', 33);
};
