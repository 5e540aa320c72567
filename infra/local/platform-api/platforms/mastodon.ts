import { normalizeHashtag } from '../../../../shared/hashtags';
import { type ApiRequest, type ApiResponse, intParam, isAfter, json, positionOf } from '../context';
import { type StoredPost, visibleCounter } from '../store';

/** Mastodon: hashtag timeline (any[]/all[]/none[], max_id/since_id/min_id, Link header) and statuses?id[]=. */

/** TagFeed::LIMIT_PER_MODE: `[path tag] | any[]` is cut to this many tags in all. */
const TAGS_PER_MODE = 4;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 40;
/** DEFAULT_STATUSES_LIMIT, the most ids GET /api/v1/statuses takes. */
const MAX_IDS = 20;

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const accountOf = (post: StoredPost, localDomain: string) => {
  const [username = post.author.handle, domain = localDomain] = post.author.handle.split('@');
  const local = domain === localDomain;
  return {
    id: post.author.id,
    username,
    acct: local ? username : `${username}@${domain}`,
    display_name: post.author.name,
    url: `https://${domain}/@${username}`,
    // The Account entity always carries followers_count; a count the store hides has no Mastodon equivalent.
    followers_count: post.author.followers ?? 0,
    locked: false,
    bot: false,
    group: false,
  };
};

export const renderStatus = (post: StoredPost, localDomain: string) => {
  const account = accountOf(post, localDomain);
  const host = new URL(account.url).host;
  const content = escapeHtml(post.text).replace(
    /#([\p{L}\p{M}\p{N}_]+)/gu,
    (_, tag: string) =>
      `<a href="https://${localDomain}/tags/${encodeURIComponent(normalizeHashtag(tag))}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`,
  );
  const counters: Record<string, number> = {};
  const pairs: [string, number | undefined][] = [
    ['replies_count', visibleCounter(post, 'comments')],
    ['reblogs_count', visibleCounter(post, 'shares')],
    ['favourites_count', visibleCounter(post, 'likes')],
    ['quotes_count', visibleCounter(post, 'quotes')],
  ];
  for (const [k, v] of pairs) if (v !== undefined) counters[k] = v;
  return {
    id: post.id,
    created_at: post.publishedAt,
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: false,
    spoiler_text: '',
    visibility: 'public',
    language: 'en',
    uri: `https://${host}/users/${account.username}/statuses/${post.id}`,
    url: `https://${host}/@${account.username}/${post.id}`,
    ...counters,
    edited_at: null,
    content: `<p>${content}</p>`,
    reblog: null,
    account,
    media_attachments: [],
    mentions: [],
    tags: post.hashtags.map((name) => ({
      name,
      url: `https://${localDomain}/tags/${encodeURIComponent(name)}`,
    })),
    emojis: [],
    card: null,
    poll: null,
  };
};

const pivotOf = (req: ApiRequest, id: string | null): [number, number] | undefined => {
  if (!id) return undefined;
  const post = req.store.get('mastodon', id);
  if (post) return positionOf(post);
  // An id we do not hold: Mastodon ids are time-based (ms << 16).
  if (/^\d+$/.test(id)) return [Number(BigInt(id) >> 16n), Number.MAX_SAFE_INTEGER];
  return undefined;
};

const tagTimeline = (req: ApiRequest, tag: string): ApiResponse => {
  const q = req.query;
  const limitParam = intParam(q, 'limit');
  const limit = Math.min(
    MAX_LIMIT,
    Math.max(1, Number.isNaN(limitParam ?? 0) ? DEFAULT_LIMIT : (limitParam ?? DEFAULT_LIMIT)),
  );
  const pathTag = normalizeHashtag(tag);
  // Api::V1::Timelines::TagController answers [] when the path tag is not a known Tag record.
  if (!req.store.list('mastodon', { includeDeleted: true }).some((p) => p.hashtags.includes(pathTag)))
    return json(200, []);
  const any = [...new Set([pathTag, ...q.getAll('any[]').map(normalizeHashtag)])].slice(0, TAGS_PER_MODE);
  const all = q.getAll('all[]').slice(0, TAGS_PER_MODE).map(normalizeHashtag);
  const none = q.getAll('none[]').slice(0, TAGS_PER_MODE).map(normalizeHashtag);
  const maxPivot = pivotOf(req, q.get('max_id'));
  const sincePivot = pivotOf(req, q.get('since_id'));
  const minPivot = pivotOf(req, q.get('min_id'));
  let posts = req.store
    .searchable('mastodon', req.nowMs)
    .filter(
      (p) =>
        any.some((t) => p.hashtags.includes(t)) &&
        all.every((t) => p.hashtags.includes(t)) &&
        !none.some((t) => p.hashtags.includes(t)) &&
        (!maxPivot || isAfter(p, maxPivot)),
    );
  const newerThan = minPivot ?? sincePivot;
  if (newerThan)
    posts = posts.filter((p) => !isAfter(p, newerThan) && positionOf(p).join() !== newerThan.join());
  // min_id pages forward from the pivot: the oldest `limit` posts above it, still shown newest first.
  const page = minPivot ? posts.slice(-limit) : posts.slice(0, limit);
  const links: string[] = [];
  const path = `${req.base}/api/v1/timelines/tag/${encodeURIComponent(tag)}`;
  const keep = new URLSearchParams();
  for (const name of ['any[]', 'all[]', 'none[]']) for (const v of q.getAll(name)) keep.append(name, v);
  keep.set('limit', String(limit));
  const last = page[page.length - 1];
  const first = page[0];
  if (last && page.length === limit) {
    const next = new URLSearchParams(keep);
    next.set('max_id', last.id);
    links.push(`<${path}?${next}>; rel="next"`);
  }
  if (first) {
    const prev = new URLSearchParams(keep);
    prev.set('min_id', first.id);
    links.push(`<${path}?${prev}>; rel="prev"`);
  }
  return json(
    200,
    page.map((p) => renderStatus(p, req.options.mastodonDomain)),
    links.length > 0 ? { link: links.join(', ') } : undefined,
  );
};

const statuses = (req: ApiRequest): ApiResponse => {
  const ids = [...new Set(req.query.getAll('id[]'))];
  if (ids.length > MAX_IDS) return json(422, { error: `Too many ids (at most ${MAX_IDS})` });
  const found = ids
    .map((id) => req.store.get('mastodon', id))
    .filter((p): p is StoredPost => p !== undefined && !p.deleted);
  return json(
    200,
    found.map((p) => renderStatus(p, req.options.mastodonDomain)),
  );
};

export const mastodonRoutes = (req: ApiRequest): ApiResponse => {
  const tagMatch = /^\/api\/v1\/timelines\/tag\/([^/]+)$/.exec(req.path);
  if (req.method === 'GET' && tagMatch?.[1]) return tagTimeline(req, decodeURIComponent(tagMatch[1]));
  if (req.method === 'GET' && req.path === '/api/v1/statuses') return statuses(req);
  const one = /^\/api\/v1\/statuses\/(\d+)$/.exec(req.path);
  if (req.method === 'GET' && one?.[1]) {
    const post = req.store.get('mastodon', one[1]);
    return post && !post.deleted
      ? json(200, renderStatus(post, req.options.mastodonDomain))
      : json(404, { error: 'Record not found' });
  }
  return json(404, { error: 'Record not found' });
};
