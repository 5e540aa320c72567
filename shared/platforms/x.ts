import { z } from 'zod';
import { extractHashtags } from '../hashtags';
import {
  type AdapterOptions,
  QuotaExhaustedError,
  type RefreshResult,
  type SearchPage,
  type SearchRequest,
} from './adapter';
import { HttpPlatformAdapter } from './base';
import {
  CountSchema,
  canonicalInstant,
  finishPage,
  type ItemOutcome,
  mapItems,
  packQueries,
  parseEnvelope,
  queryString,
  queryTags,
  refreshResult,
  requireCredential,
  stopTimeMs,
  uniqueHashtags,
} from './common';
import { authorOf, FollowerCountSchema } from './followers';

/**
 * X API v2: `GET /2/tweets/search/recent` (last 7 days, ≤ 100 per page, query ≤ 512 characters) and
 * `GET /2/tweets?ids=` (≤ 100 ids), app bearer token. shares = retweets + quotes, views = impression_count
 * when X sends it. Retweets are excluded from the search (`-is:retweet`): a retweet is not a new post.
 */

export const X_DEFAULT_BASE_URL = 'https://api.x.com';
export const X_MAX_QUERY_LENGTH = 512;
/** Recent search covers the last 7 days; start_time must be inside that window. */
const SEARCH_WINDOW_MS = 7 * 24 * 3600 * 1000;
const WINDOW_MARGIN_MS = 60_000;

// note_tweet carries the full text and entities of posts over 280 characters; `text` is cut there.
const TWEET_FIELDS = 'created_at,public_metrics,entities,author_id,note_tweet';
/** X limits each endpoint apart: rate-limit readings are kept per endpoint under these keys. */
export const X_ENDPOINTS = { search: 'search', lookup: 'lookup' } as const;
// public_metrics.followers_count gives each author's audience (reach) at no extra request.
const USER_FIELDS = 'username,public_metrics';

export const TweetSchema = z.object({
  id: z.string().regex(/^\d{1,19}$/, 'must be a numeric post id'),
  text: z.string(),
  author_id: z.string().min(1),
  created_at: z.iso.datetime({ offset: true }),
  public_metrics: z.object({
    retweet_count: CountSchema,
    reply_count: CountSchema,
    like_count: CountSchema,
    quote_count: CountSchema,
    impression_count: CountSchema.optional(),
  }),
  entities: z.object({ hashtags: z.array(z.object({ tag: z.string() })).optional() }).optional(),
  note_tweet: z
    .object({
      text: z.string(),
      entities: z.object({ hashtags: z.array(z.object({ tag: z.string() })).optional() }).optional(),
    })
    .optional(),
});
type Tweet = z.infer<typeof TweetSchema>;

export const UserSchema = z.object({
  id: z.string().min(1),
  username: z.string().min(1),
  public_metrics: z.object({ followers_count: FollowerCountSchema }).loose().optional().catch(undefined),
});

export const ResponseSchema = z.object({
  data: z.array(z.unknown()).optional(),
  includes: z.object({ users: z.array(z.unknown()).optional() }).optional(),
  meta: z.object({ result_count: z.number().optional(), next_token: z.string().optional() }).optional(),
  errors: z.array(z.unknown()).optional(),
});

/** X answers 429 with this problem once an app's monthly usage cap is spent. */
const isUsageCapped = (body: unknown): boolean => {
  const problem = body as { type?: unknown; title?: unknown } | undefined;
  return problem?.title === 'UsageCapExceeded' || String(problem?.type ?? '').endsWith('/usage-capped');
};

// Whole seconds, rounded down so no post of the boundary second is skipped.
const formatStartTime = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class XAdapter extends HttpPlatformAdapter {
  readonly platform = 'x' as const;
  readonly maxPageSize = 100;
  readonly maxRefreshBatch = 100;

  constructor(options: AdapterOptions) {
    super(options, 'x', X_DEFAULT_BASE_URL);
  }

  buildQueries(hashtags: readonly string[]): string[] {
    return packQueries(
      queryTags(hashtags).map((t) => `#${t}`),
      (group) => (group.length === 1 ? `${group[0]} -is:retweet` : `(${group.join(' OR ')}) -is:retweet`),
      { maxLength: X_MAX_QUERY_LENGTH },
    );
  }

  async searchPage(request: SearchRequest): Promise<SearchPage> {
    const stopAt = stopTimeMs(request);
    const pairs: [string, string | number | undefined][] = [
      ['query', request.query],
      ['max_results', this.maxPageSize],
      ['tweet.fields', TWEET_FIELDS],
      ['expansions', 'author_id'],
      ['user.fields', USER_FIELDS],
    ];
    if (stopAt !== undefined) {
      // Time-based so the overlap re-reads; clamped into the 7-day window X accepts.
      const earliest = this.now() - SEARCH_WINDOW_MS + WINDOW_MARGIN_MS;
      pairs.push(['start_time', formatStartTime(Math.max(stopAt, earliest))]);
    } else if (request.since?.id) {
      pairs.push(['since_id', request.since.id]);
    }
    if (request.pageToken) pairs.push(['next_token', request.pageToken]);
    const body = await this.get(
      `/2/tweets/search/recent?${queryString(pairs)}`,
      X_ENDPOINTS.search,
      request.signal,
    );
    const response = parseEnvelope('x', ResponseSchema, body, 'recent search');
    const { observations, rejects } = this.mapTweets(response);
    return finishPage(request, observations, rejects, response.meta?.next_token);
  }

  async refresh(postIds: readonly string[], signal?: AbortSignal): Promise<RefreshResult> {
    if (postIds.length === 0) return { observations: [], rejects: [], missing: [] };
    if (postIds.length > this.maxRefreshBatch)
      throw new RangeError(`X refresh takes at most ${this.maxRefreshBatch} ids, got ${postIds.length}`);
    const query = queryString([
      ['ids', postIds.join(',')],
      ['tweet.fields', TWEET_FIELDS],
      ['expansions', 'author_id'],
      ['user.fields', USER_FIELDS],
    ]);
    const body = await this.get(`/2/tweets?${query}`, X_ENDPOINTS.lookup, signal);
    const response = parseEnvelope('x', ResponseSchema, body, 'post lookup');
    const { observations, rejects } = this.mapTweets(response);
    return refreshResult(postIds, observations, rejects);
  }

  private async get(path: string, endpoint: string, signal?: AbortSignal): Promise<unknown> {
    const token = requireCredential('x', this.options.credentials, 'bearerToken');
    const response = await this.http.request({
      url: `${this.baseUrl}${path}`,
      headers: { authorization: `Bearer ${token}` },
      signal,
      endpoint,
      classifyError: (r) => (isUsageCapped(r.body) ? this.usageCapped() : undefined),
    });
    return response.body;
  }

  /** The monthly post-read cap is spent: no read of any endpoint succeeds before the next month (UTC). */
  private usageCapped(): QuotaExhaustedError {
    const now = new Date(this.now());
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    return new QuotaExhaustedError(
      'x',
      'reads',
      nextMonth,
      'X monthly post-read cap reached (UsageCapExceeded)',
    );
  }

  private mapTweets(response: z.infer<typeof ResponseSchema>) {
    const usernames = new Map<string, string>();
    const followers = new Map<string, number>();
    for (const raw of response.includes?.users ?? []) {
      const user = UserSchema.safeParse(raw);
      if (!user.success) continue;
      usernames.set(user.data.id, user.data.username);
      const count = user.data.public_metrics?.followers_count;
      if (count !== undefined) followers.set(user.data.id, count);
    }
    const observedAt = new Date(this.now()).toISOString();
    return mapItems('x', response.data ?? [], TweetSchema, (tweet: Tweet): ItemOutcome => {
      const username = usernames.get(tweet.author_id);
      if (!username) return { reject: `author ${tweet.author_id} is missing from includes.users` };
      const publishedAt = canonicalInstant(tweet.created_at);
      if (!publishedAt) return { reject: 'created_at is not a date' };
      const m = tweet.public_metrics;
      return {
        platform: 'x',
        postId: tweet.id,
        author: authorOf(tweet.author_id, username, followers.get(tweet.author_id)),
        hashtags: uniqueHashtags([
          ...(tweet.entities?.hashtags ?? []).map((h) => h.tag),
          ...extractHashtags(tweet.text),
          ...(tweet.note_tweet?.entities?.hashtags ?? []).map((h) => h.tag),
          ...extractHashtags(tweet.note_tweet?.text ?? ''),
        ]),
        publishedAt,
        observedAt,
        counters: {
          likes: m.like_count,
          shares: m.retweet_count + m.quote_count,
          comments: m.reply_count,
          ...(m.impression_count === undefined ? {} : { views: m.impression_count }),
        },
        url: `https://x.com/${username}/status/${tweet.id}`,
      };
    });
  }
}
