import { createHash } from 'node:crypto';
import { normalizeHashtag } from '../../../../shared/hashtags';
import { type ApiRequest, type ApiResponse, bearer, intParam, json, termMatches } from '../context';
import { type StoredPost, visibleCounter } from '../store';

/**
 * Bluesky (XRPC): createSession / refreshSession, app.bsky.feed.searchPosts (offset cursor), getPosts and
 * app.bsky.actor.getProfiles (≤ 25 actors, profileViewDetailed with followersCount).
 */

const ACCESS_TTL_MS = 2 * 3600 * 1000;
const REFRESH_TTL_MS = 90 * 24 * 3600 * 1000;
const MAX_URIS = 25;
const MAX_ACTORS = 25;

const xrpcError = (status: number, error: string, message: string): ApiResponse =>
  json(status, { error, message });

const didFor = (identifier: string): string =>
  `did:plc:${createHash('sha256').update(identifier.toLowerCase()).digest('hex').slice(0, 24)}`;

const tagFacets = (text: string) => {
  const facets: unknown[] = [];
  for (const match of text.matchAll(/#([\p{L}\p{M}\p{N}_]+)/gu)) {
    const byteStart = Buffer.byteLength(text.slice(0, match.index));
    facets.push({
      $type: 'app.bsky.richtext.facet',
      index: { byteStart, byteEnd: byteStart + Buffer.byteLength(match[0]) },
      features: [{ $type: 'app.bsky.richtext.facet#tag', tag: match[1] }],
    });
  }
  return facets;
};

export const uriOf = (post: StoredPost): string => `at://${post.author.id}/app.bsky.feed.post/${post.id}`;

export const renderPostView = (post: StoredPost) => {
  const counters: Record<string, number> = {};
  const pairs: [string, number | undefined][] = [
    ['replyCount', visibleCounter(post, 'comments')],
    ['repostCount', visibleCounter(post, 'shares')],
    ['likeCount', visibleCounter(post, 'likes')],
    ['quoteCount', visibleCounter(post, 'quotes')],
  ];
  for (const [k, v] of pairs) if (v !== undefined) counters[k] = v;
  const facets = tagFacets(post.text);
  return {
    uri: uriOf(post),
    cid: `bafyrei${createHash('sha256').update(uriOf(post)).digest('hex').slice(0, 52)}`,
    author: { did: post.author.id, handle: post.author.handle, displayName: post.author.name, labels: [] },
    record: {
      $type: 'app.bsky.feed.post',
      text: post.text,
      createdAt: post.publishedAt,
      langs: ['en'],
      ...(facets.length > 0 ? { facets } : {}),
    },
    ...counters,
    indexedAt: post.indexedAt ?? post.publishedAt,
    labels: [],
  };
};

const issueSession = (req: ApiRequest, did: string, handle: string): ApiResponse =>
  json(200, {
    did,
    handle,
    accessJwt: req.sessions.issue('bluesky', 'access', `${did} ${handle}`, ACCESS_TTL_MS),
    refreshJwt: req.sessions.issue('bluesky', 'refresh', `${did} ${handle}`, REFRESH_TTL_MS),
    active: true,
  });

const createSession = (req: ApiRequest): ApiResponse => {
  let input: { identifier?: unknown; password?: unknown };
  try {
    input = JSON.parse(req.body || '{}') as typeof input;
  } catch {
    return xrpcError(400, 'InvalidRequest', 'Request body is not valid JSON');
  }
  if (typeof input.identifier !== 'string' || input.identifier === '')
    return xrpcError(400, 'InvalidRequest', 'Input must have the property "identifier"');
  if (typeof input.password !== 'string' || input.password === '')
    return xrpcError(400, 'InvalidRequest', 'Input must have the property "password"');
  const expected = req.options.blueskyAppPassword;
  if (expected !== undefined && input.password !== expected)
    return xrpcError(401, 'AuthenticationRequired', 'Invalid identifier or password');
  return issueSession(req, didFor(input.identifier), input.identifier);
};

const authFailure = (reason: 'missing' | 'invalid' | 'expired'): ApiResponse =>
  reason === 'missing'
    ? xrpcError(401, 'AuthMissing', 'Authentication Required')
    : reason === 'expired'
      ? xrpcError(400, 'ExpiredToken', 'Token has expired')
      : xrpcError(401, 'InvalidToken', 'Token could not be verified');

const searchPosts = (req: ApiRequest): ApiResponse => {
  const q = req.query;
  const query = q.get('q');
  if (!query) return xrpcError(400, 'InvalidRequest', 'Error: Params must have the property "q"');
  const limit = intParam(q, 'limit') ?? 25;
  if (!(limit >= 1 && limit <= 100))
    return xrpcError(400, 'InvalidRequest', 'Error: limit must be between 1 and 100');
  const cursor = q.get('cursor');
  const offset = cursor === null ? 0 : Number(cursor);
  if (!Number.isInteger(offset) || offset < 0) return xrpcError(400, 'InvalidRequest', 'invalid cursor');
  const since = q.get('since');
  const until = q.get('until');
  const sinceMs = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
  const untilMs = until ? Date.parse(until) : Number.POSITIVE_INFINITY;
  const tags = q.getAll('tag').map(normalizeHashtag);
  // Every term must match: the search has no OR.
  const terms = query.split(/\s+/).filter(Boolean);
  // The search index still holds deleted (and moderated) posts; hydration drops them after paging, so a page
  // can come back short or empty while its cursor goes on.
  const hits = req.store.searchable('bluesky', req.nowMs, { includeDeleted: true }).filter((p) => {
    const t = Date.parse(p.publishedAt);
    return (
      t >= sinceMs &&
      t < untilMs &&
      terms.every((term) => termMatches(p, term)) &&
      tags.every((tag) => p.hashtags.includes(tag))
    );
  });
  const page = hits.slice(offset, offset + limit);
  const next = offset + page.length;
  return json(200, {
    ...(next < hits.length ? { cursor: String(next) } : {}),
    hitsTotal: hits.length,
    posts: page.filter((p) => !p.deleted).map(renderPostView),
  });
};

/** A required array parameter of at most `max` values, or the XRPC error the AppView answers with. */
const arrayParam = (req: ApiRequest, name: string, max: number): string[] | ApiResponse => {
  const values = req.query.getAll(name);
  if (values.length === 0)
    return xrpcError(400, 'InvalidRequest', `Error: Params must have the property "${name}"`);
  if (values.length > max)
    return xrpcError(400, 'InvalidRequest', `Error: ${name} must not have more than ${max} elements`);
  return values;
};

const getPosts = (req: ApiRequest): ApiResponse => {
  const uris = arrayParam(req, 'uris', MAX_URIS);
  if (!Array.isArray(uris)) return uris;
  const posts: StoredPost[] = [];
  for (const uri of uris) {
    const match = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([^/]+)$/.exec(uri);
    const post = match?.[2] ? req.store.get('bluesky', match[2]) : undefined;
    if (post && !post.deleted && post.author.id === match?.[1]) posts.push(post);
  }
  return json(200, { posts: posts.map(renderPostView) });
};

const getProfiles = (req: ApiRequest): ApiResponse => {
  const actors = arrayParam(req, 'actors', MAX_ACTORS);
  if (!Array.isArray(actors)) return actors;
  const profiles = actors.flatMap((actor) => {
    const author = req.store.author('bluesky', actor);
    if (!author) return [];
    return [
      {
        did: author.id,
        handle: author.handle,
        displayName: author.name,
        followersCount: author.followers ?? 0,
        followsCount: 0,
        labels: [],
      },
    ];
  });
  return json(200, { profiles });
};

export const blueskyRoutes = (req: ApiRequest): ApiResponse => {
  const method = req.path.replace(/^\/xrpc\//, '');
  if (req.method === 'POST' && method === 'com.atproto.server.createSession') return createSession(req);
  if (req.method === 'POST' && method === 'com.atproto.server.refreshSession') {
    const check = req.sessions.check('bluesky', bearer(req.headers), 'refresh');
    if (!check.ok) return authFailure(check.reason);
    const [did = '', handle = ''] = check.subject.split(' ');
    return issueSession(req, did, handle);
  }
  const check = req.sessions.check('bluesky', bearer(req.headers), 'access');
  if (!check.ok) return authFailure(check.reason);
  if (req.method === 'GET' && method === 'app.bsky.feed.searchPosts') return searchPosts(req);
  if (req.method === 'GET' && method === 'app.bsky.feed.getPosts') return getPosts(req);
  if (req.method === 'GET' && method === 'app.bsky.actor.getProfiles') return getProfiles(req);
  return xrpcError(501, 'MethodNotImplemented', `Method Not Implemented: ${method}`);
};
