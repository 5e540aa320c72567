import { type ApiRequest, type ApiResponse, bearer, intParam, json, termMatches, titleOf } from '../context';
import { type StoredPost, visibleCounter } from '../store';

/**
 * YouTube Data API v3: search.list (type=video, order=date, pageToken), videos.list (statistics as strings)
 * and channels.list (part=statistics: subscriberCount as a string, left out when hiddenSubscriberCount).
 */

const MAX_RESULTS = 50;
/** Search results stop about 500 deep. */
const MAX_REACHABLE = 500;

const googleError = (
  code: number,
  reason: string,
  message: string,
  domain = 'youtube.parameter',
): ApiResponse => json(code, { error: { code, message, errors: [{ message, domain, reason }] } });

/** The body YouTube answers with HTTP 403 once the daily quota is spent. */
export const youtubeQuotaExceededBody = () => {
  const message =
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.';
  return {
    error: { code: 403, message, errors: [{ message, domain: 'youtube.quota', reason: 'quotaExceeded' }] },
  };
};

const snippetOf = (post: StoredPost) => ({
  publishedAt: post.publishedAt,
  channelId: post.author.id,
  title: titleOf(post.text, 100),
  description: post.text,
  thumbnails: {},
  channelTitle: post.author.handle,
  liveBroadcastContent: 'none',
});

const pageToken = (offset: number): string => Buffer.from(`yt:${offset}`).toString('base64url');
const offsetOf = (token: string): number | undefined => {
  const match = /^yt:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match?.[1] ? Number(match[1]) : undefined;
};

const search = (req: ApiRequest): ApiResponse => {
  const q = req.query;
  if (!q.get('part')) return googleError(400, 'required', 'Required parameter: part');
  const maxResults = intParam(q, 'maxResults') ?? 5;
  if (!(maxResults >= 0 && maxResults <= MAX_RESULTS))
    return googleError(400, 'invalidValue', `Invalid value for maxResults: ${q.get('maxResults')}`);
  const token = q.get('pageToken');
  const offset = token ? offsetOf(token) : 0;
  if (offset === undefined)
    return googleError(400, 'invalidPageToken', 'The request specifies an invalid page token.');
  const after = q.get('publishedAfter');
  const before = q.get('publishedBefore');
  const afterMs = after ? Date.parse(after) : Number.NEGATIVE_INFINITY;
  const beforeMs = before ? Date.parse(before) : Number.POSITIVE_INFINITY;
  // `|` is OR; terms inside an alternative must all match.
  const alternatives = (q.get('q') ?? '')
    .split('|')
    .map((alt) => alt.split(/\s+/).filter(Boolean))
    .filter((alt) => alt.length > 0);
  const hits = req.store
    .searchable('youtube', req.nowMs)
    .filter((p) => {
      const t = Date.parse(p.publishedAt);
      return (
        t >= afterMs &&
        t < beforeMs &&
        (alternatives.length === 0 || alternatives.some((alt) => alt.every((term) => termMatches(p, term))))
      );
    })
    .slice(0, MAX_REACHABLE);
  const page = hits.slice(offset, offset + maxResults);
  const next = offset + page.length;
  return json(200, {
    kind: 'youtube#searchListResponse',
    etag: `etag-${next}`,
    ...(next < hits.length && page.length > 0 ? { nextPageToken: pageToken(next) } : {}),
    ...(offset > 0 ? { prevPageToken: pageToken(Math.max(0, offset - maxResults)) } : {}),
    regionCode: 'US',
    pageInfo: { totalResults: hits.length, resultsPerPage: maxResults },
    items: page.map((p) => ({
      kind: 'youtube#searchResult',
      etag: `etag-${p.id}`,
      id: { kind: 'youtube#video', videoId: p.id },
      snippet: { ...snippetOf(p), publishTime: p.publishedAt },
    })),
  });
};

export const renderVideo = (post: StoredPost) => {
  const statistics: Record<string, string> = {};
  const pairs: [string, number | undefined][] = [
    ['viewCount', visibleCounter(post, 'views')],
    ['likeCount', visibleCounter(post, 'likes')],
    ['favoriteCount', 0],
    ['commentCount', visibleCounter(post, 'comments')],
  ];
  for (const [k, v] of pairs) if (v !== undefined) statistics[k] = String(v);
  return {
    kind: 'youtube#video',
    etag: `etag-${post.id}`,
    id: post.id,
    snippet: { ...snippetOf(post), tags: post.hashtags, categoryId: '22' },
    statistics,
  };
};

const videos = (req: ApiRequest): ApiResponse => {
  const q = req.query;
  if (!q.get('part')) return googleError(400, 'required', 'Required parameter: part');
  const ids = (q.get('id') ?? '').split(',').filter(Boolean);
  // The reference: maxResults "is not supported for use in conjunction with the id parameter".
  if (ids.length > 0 && q.has('maxResults'))
    return googleError(400, 'invalidFilters', 'maxResults is not supported together with the id parameter.');
  if (ids.length > MAX_RESULTS)
    return googleError(400, 'invalidFilters', `The request specifies more than ${MAX_RESULTS} ids.`);
  const found = ids
    .map((id) => req.store.get('youtube', id))
    .filter((p): p is StoredPost => p !== undefined && !p.deleted);
  return json(200, {
    kind: 'youtube#videoListResponse',
    etag: 'etag-videos',
    items: found.map(renderVideo),
    pageInfo: { totalResults: found.length, resultsPerPage: found.length },
  });
};

/** channels.list by id (≤ 50): statistics of the channels found; unknown ids are simply absent. */
const channels = (req: ApiRequest): ApiResponse => {
  const q = req.query;
  if (!q.get('part')) return googleError(400, 'required', 'Required parameter: part');
  const ids = (q.get('id') ?? '').split(',').filter(Boolean);
  if (ids.length === 0)
    return googleError(
      400,
      'missingRequiredParameter',
      'No filter selected. Expected one of: id, forHandle, mine',
    );
  if (ids.length > MAX_RESULTS)
    return googleError(400, 'invalidFilters', `The request specifies more than ${MAX_RESULTS} ids.`);
  const items = [...new Set(ids)].flatMap((id) => {
    const author = req.store.author('youtube', id);
    if (!author || author.id !== id) return [];
    const hidden = author.followers === null;
    return [
      {
        kind: 'youtube#channel',
        etag: `etag-${id}`,
        id,
        statistics: {
          viewCount: '0',
          ...(hidden ? {} : { subscriberCount: String(author.followers) }),
          hiddenSubscriberCount: hidden,
        },
      },
    ];
  });
  return json(200, {
    kind: 'youtube#channelListResponse',
    etag: 'etag-channels',
    pageInfo: { totalResults: items.length, resultsPerPage: items.length },
    items,
  });
};

export const youtubeRoutes = (req: ApiRequest): ApiResponse => {
  if (!req.query.get('key') && !bearer(req.headers))
    return googleError(403, 'forbidden', 'The request is missing a valid API key.', 'global');
  if (req.method === 'GET' && req.path === '/youtube/v3/search') return search(req);
  if (req.method === 'GET' && req.path === '/youtube/v3/videos') return videos(req);
  if (req.method === 'GET' && req.path === '/youtube/v3/channels') return channels(req);
  return googleError(404, 'notFound', `Not Found: ${req.path}`, 'global');
};
