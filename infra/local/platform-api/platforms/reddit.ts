import {
  type ApiRequest,
  type ApiResponse,
  bearer,
  intParam,
  isAfter,
  json,
  positionOf,
  termMatches,
  titleOf,
} from '../context';
import { type StoredPost, visibleCounter } from '../store';

/** Reddit: OAuth token endpoint, /search (Listing, after/before fullnames, ~1000 deep) and /api/info. */

const MAX_LIMIT = 100;
/** Listings stop about 1000 items deep. */
const MAX_REACHABLE = 1000;
const TOKEN_TTL_S = 24 * 3600;

const SUBREDDIT = 'kolpulse';

export const renderLink = (post: StoredPost) => {
  const created = Date.parse(post.publishedAt) / 1000;
  const ups = visibleCounter(post, 'likes');
  const sub = SUBREDDIT;
  const slug = titleOf(post.text, 50)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  const data: Record<string, unknown> = {
    id: post.id,
    name: `t3_${post.id}`,
    subreddit: sub,
    subreddit_name_prefixed: `r/${sub}`,
    title: post.deleted ? '[deleted]' : titleOf(post.text, 300),
    selftext: post.deleted ? '[deleted]' : post.text,
    author: post.deleted ? '[deleted]' : post.author.handle,
    created: created,
    created_utc: created,
    score: ups ?? 0,
    downs: 0,
    upvote_ratio: 1,
    num_comments: visibleCounter(post, 'comments') ?? 0,
    num_crossposts: visibleCounter(post, 'shares') ?? 0,
    permalink: `/r/${sub}/comments/${post.id}/${slug || 'post'}/`,
    url: `https://www.reddit.com/r/${sub}/comments/${post.id}/${slug || 'post'}/`,
    is_self: true,
    over_18: false,
    view_count: null,
  };
  if (ups !== undefined) data.ups = ups;
  if (!post.deleted) data.author_fullname = post.author.id;
  return { kind: 't3', data };
};

const listing = (children: unknown[], after: string | null, before: string | null = null) => ({
  kind: 'Listing',
  data: { after, dist: children.length, modhash: '', geo_filter: '', children, before },
});

const token = (req: ApiRequest): ApiResponse => {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string' || !/^Basic\s+\S+/i.test(auth))
    return json(401, { message: 'Unauthorized', error: 401 });
  const [clientId = ''] = Buffer.from(auth.replace(/^Basic\s+/i, ''), 'base64')
    .toString('utf8')
    .split(':');
  const form = new URLSearchParams(req.body);
  const grant = form.get('grant_type');
  // Reddit answers grant errors with HTTP 200 and an error field.
  if (grant !== 'password' && grant !== 'client_credentials')
    return json(200, { error: 'unsupported_grant_type' });
  if (grant === 'password' && (!form.get('username') || !form.get('password')))
    return json(200, { error: 'invalid_grant' });
  return json(200, {
    access_token: req.sessions.issue('reddit', 'access', clientId, TOKEN_TTL_S * 1000),
    token_type: 'bearer',
    expires_in: TOKEN_TTL_S,
    scope: '*',
  });
};

const search = (req: ApiRequest): ApiResponse => {
  const q = req.query;
  const limit = Math.min(MAX_LIMIT, Math.max(1, intParam(q, 'limit') ?? 25));
  const query = q.get('q') ?? '';
  const alternatives = query
    .split(/\s+OR\s+/)
    .map((t) => t.trim())
    .filter(Boolean);
  const hits = req.store
    .searchable('reddit', req.nowMs)
    .filter((p) => alternatives.length > 0 && alternatives.some((t) => termMatches(p, t)))
    .slice(0, MAX_REACHABLE);
  const afterName = q.get('after');
  const afterPost = afterName ? req.store.get('reddit', afterName.replace(/^t3_/, '')) : undefined;
  const remaining = afterPost ? hits.filter((p) => isAfter(p, positionOf(afterPost))) : afterName ? [] : hits;
  const page = remaining.slice(0, limit);
  const last = page[page.length - 1];
  const after = last && remaining.length > page.length ? `t3_${last.id}` : null;
  return json(200, listing(page.map(renderLink), after));
};

const info = (req: ApiRequest): ApiResponse => {
  const names = (req.query.get('id') ?? '').split(',').filter(Boolean).slice(0, MAX_LIMIT);
  const found = names
    .map((name) => req.store.get('reddit', name.replace(/^t3_/, '')))
    .filter((p): p is StoredPost => p !== undefined);
  return json(200, listing(found.map(renderLink), null));
};

export const redditRoutes = (req: ApiRequest): ApiResponse => {
  if (req.method === 'POST' && req.path === '/api/v1/access_token') return token(req);
  const check = req.sessions.check('reddit', bearer(req.headers), 'access');
  if (!check.ok) return json(401, { message: 'Unauthorized', error: 401 });
  if (req.method === 'GET' && (req.path === '/search' || req.path === '/search.json')) return search(req);
  if (req.method === 'GET' && (req.path === '/api/info' || req.path === '/api/info.json')) return info(req);
  return json(404, { message: 'Not Found', error: 404 });
};
