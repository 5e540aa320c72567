import {
  type ApiRequest,
  type ApiResponse,
  bearer,
  decodeAfter,
  encodeAfter,
  intParam,
  isAfter,
  json,
  positionOf,
  termMatches,
} from '../context';
import { type StoredPost, visibleCounter } from '../store';

/** X API v2: recent search and post lookup, in X's JSON (data / includes.users / meta / errors). */

const WINDOW_MS = 7 * 24 * 3600 * 1000;
const MAX_QUERY_LENGTH = 512;

const invalid = (message: string, parameters: Record<string, string[]>): ApiResponse =>
  json(400, {
    errors: [{ parameters, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  });

const hashtagEntities = (text: string): { start: number; end: number; tag: string }[] => {
  const out: { start: number; end: number; tag: string }[] = [];
  const chars = [...text];
  const joined = chars.join('');
  for (const match of joined.matchAll(/#([\p{L}\p{M}\p{N}_]+)/gu)) {
    // X counts entity offsets in code points.
    const start = [...joined.slice(0, match.index)].length;
    out.push({ start, end: start + [...match[0]].length, tag: match[1] ?? '' });
  }
  return out;
};

/** Posts longer than this show a cut `text`; the whole text comes in `note_tweet` when asked for. */
const TEXT_LIMIT = 280;

const publicMetrics = (post: StoredPost) => {
  const metrics: Record<string, number> = {};
  const pairs: [string, number | undefined][] = [
    ['retweet_count', visibleCounter(post, 'shares')],
    ['reply_count', visibleCounter(post, 'comments')],
    ['like_count', visibleCounter(post, 'likes')],
    ['quote_count', visibleCounter(post, 'quotes')],
    ['bookmark_count', 0],
    ['impression_count', visibleCounter(post, 'views')],
  ];
  for (const [k, v] of pairs) if (v !== undefined) metrics[k] = v;
  return metrics;
};

/** A post as X renders it; `fields` is the request's `tweet.fields` (note_tweet only when listed there). */
export const renderTweet = (post: StoredPost, fields: readonly string[] = []) => {
  const chars = [...post.text];
  const long = chars.length > TEXT_LIMIT;
  const text = long ? chars.slice(0, TEXT_LIMIT).join('') : post.text;
  const hashtags = hashtagEntities(text);
  const fullHashtags = hashtagEntities(post.text);
  return {
    id: post.id,
    text,
    author_id: post.author.id,
    created_at: post.publishedAt,
    edit_history_tweet_ids: [post.id],
    public_metrics: publicMetrics(post),
    ...(hashtags.length > 0 ? { entities: { hashtags } } : {}),
    ...(long && fields.includes('note_tweet')
      ? {
          note_tweet: {
            text: post.text,
            ...(fullHashtags.length > 0 ? { entities: { hashtags: fullHashtags } } : {}),
          },
        }
      : {}),
  };
};

const tweetFields = (req: ApiRequest): string[] => (req.query.get('tweet.fields') ?? '').split(',');

/** includes.users; `public_metrics` only when `user.fields` lists it, as on X. */
const users = (req: ApiRequest, posts: StoredPost[]) => {
  const metrics = (req.query.get('user.fields') ?? '').split(',').includes('public_metrics');
  const byId = new Map<string, Record<string, unknown>>();
  for (const p of posts)
    byId.set(p.author.id, {
      id: p.author.id,
      name: p.author.name,
      username: p.author.handle,
      ...(metrics
        ? {
            public_metrics: {
              followers_count: p.author.followers ?? 0,
              following_count: 0,
              tweet_count: 0,
              listed_count: 0,
            },
          }
        : {}),
    });
  return [...byId.values()];
};

/** Terms of a query: `(#a OR #b) -is:retweet` → any of #a, #b. Negated operators are ignored. */
const matcher = (query: string): ((post: StoredPost) => boolean) => {
  const terms = query
    .replace(/[()]/g, ' ')
    .split(/\s+/)
    .filter((t) => t && t !== 'OR' && !t.startsWith('-') && !/^[a-z_]+:/.test(t));
  const any = /\sOR\s/.test(query);
  return (post) => (any ? terms.some((t) => termMatches(post, t)) : terms.every((t) => termMatches(post, t)));
};

const search = (req: ApiRequest): ApiResponse => {
  const q = req.query;
  const query = q.get('query');
  if (!query) return invalid('The `query` query parameter can not be empty', { query: [''] });
  if (query.length > MAX_QUERY_LENGTH)
    return invalid(
      `The \`query\` query parameter value is too long (${query.length} > ${MAX_QUERY_LENGTH})`,
      {
        query: [query],
      },
    );
  const maxResults = intParam(q, 'max_results') ?? 10;
  if (!(maxResults >= 10 && maxResults <= 100))
    return invalid(
      `The \`max_results\` query parameter value [${q.get('max_results')}] is not between 10 and 100`,
      {
        max_results: [String(q.get('max_results'))],
      },
    );
  const windowStart = req.nowMs - WINDOW_MS;
  const startTime = q.get('start_time');
  const startMs = startTime ? Date.parse(startTime) : windowStart;
  if (Number.isNaN(startMs) || startMs < windowStart)
    return invalid(
      `Invalid 'start_time':'${startTime}'. 'start_time' must be on or after ${new Date(windowStart).toISOString()}`,
      { start_time: [String(startTime)] },
    );
  const endTime = q.get('end_time');
  const endMs = endTime ? Date.parse(endTime) : Number.POSITIVE_INFINITY;
  const sinceId = q.get('since_id');
  const sincePost = sinceId ? req.store.get('x', sinceId) : undefined;
  const token = q.get('next_token') ?? q.get('pagination_token');
  const after = token ? decodeAfter(token) : undefined;
  if (token && !after)
    return invalid(`The \`next_token\` query parameter value [${token}] is invalid`, { next_token: [token] });

  const matches = matcher(query);
  const candidates = req.store.searchable('x', req.nowMs).filter((p) => {
    const t = Date.parse(p.publishedAt);
    if (t < startMs || t >= endMs || t < windowStart || !matches(p)) return false;
    if (sinceId) {
      if (sincePost) return isAfter(sincePost, positionOf(p));
      return /^\d+$/.test(sinceId) && BigInt(p.id) > BigInt(sinceId);
    }
    return true;
  });
  const remaining = after ? candidates.filter((p) => isAfter(p, after)) : candidates;
  const page = remaining.slice(0, maxResults);
  if (page.length === 0) return json(200, { meta: { result_count: 0 } });
  const last = page[page.length - 1] as StoredPost;
  const meta: Record<string, unknown> = {
    newest_id: page[0]?.id,
    oldest_id: last.id,
    result_count: page.length,
  };
  if (remaining.length > page.length) meta.next_token = encodeAfter(last);
  return json(200, {
    data: page.map((p) => renderTweet(p, tweetFields(req))),
    includes: { users: users(req, page) },
    meta,
  });
};

const lookup = (req: ApiRequest): ApiResponse => {
  const raw = req.query.get('ids');
  if (!raw) return invalid('The `ids` query parameter can not be empty', { ids: [''] });
  const ids = raw.split(',');
  if (ids.length > 100)
    return invalid(
      `The number of values in the \`ids\` query parameter list [${ids.length}] is not between 1 and 100`,
      {
        ids: [raw],
      },
    );
  const found: StoredPost[] = [];
  const errors: unknown[] = [];
  for (const id of ids) {
    const post = req.store.get('x', id);
    if (post && !post.deleted) found.push(post);
    else
      errors.push({
        value: id,
        detail: `Could not find tweet with ids: [${id}].`,
        title: 'Not Found Error',
        resource_type: 'tweet',
        parameter: 'ids',
        resource_id: id,
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      });
  }
  return json(200, {
    ...(found.length > 0
      ? { data: found.map((p) => renderTweet(p, tweetFields(req))), includes: { users: users(req, found) } }
      : {}),
    ...(errors.length > 0 ? { errors } : {}),
  });
};

export const xRoutes = (req: ApiRequest): ApiResponse => {
  if (!bearer(req.headers))
    return json(401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
  if (req.method === 'GET' && req.path === '/2/tweets/search/recent') return search(req);
  if (req.method === 'GET' && req.path === '/2/tweets') return lookup(req);
  return json(404, { title: 'Not Found', type: 'about:blank', status: 404, detail: `no route ${req.path}` });
};
