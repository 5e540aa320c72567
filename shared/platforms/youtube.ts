import { z } from 'zod';
import { describeIssues } from '../config';
import { extractHashtags } from '../hashtags';
import { addDays, dayOf, startOfDay } from '../time';
import {
  type AdapterOptions,
  PermanentPlatformError,
  QuotaExhaustedError,
  RateLimitedError,
  type RefreshResult,
  type SearchPage,
  type SearchRequest,
} from './adapter';
import { HttpPlatformAdapter } from './base';
import {
  canonicalInstant,
  finishPage,
  type ItemOutcome,
  mapItems,
  packQueries,
  parseEnvelope,
  queryString,
  queryTags,
  refreshResult,
  rejectItem,
  stopTimeMs,
} from './common';
import { attachFollowers, FollowerCache } from './followers';
import type { ErrorResponse } from './http';

/**
 * YouTube Data API v3: `search.list` (type=video, order=date, ≤ 50 per page, `publishedAfter`, `pageToken`)
 * hydrated with `videos.list?part=statistics,snippet` (≤ 50 ids), because search results carry no statistics.
 * API key (`key=`) or OAuth bearer token. views = viewCount, likes = likeCount (absent when the owner hides
 * it), comments = commentCount (absent when comments are off); YouTube publishes no share count.
 * Hashtags come from the title and description (`snippet.tags` are keywords, not hashtags). Authors'
 * subscriber counts (reach) come from `channels.list?part=statistics` (≤ 50 ids, 1 unit), once a day per
 * channel (`FollowerCache`); a hidden count (`hiddenSubscriberCount`) stays unknown.
 */

export const YOUTUBE_DEFAULT_BASE_URL = 'https://www.googleapis.com/youtube/v3';
/** q has no documented limit; stay well inside URL limits. `|` is the documented OR operator. */
export const YOUTUBE_MAX_QUERY_LENGTH = 500;
const QUOTA_TIME_ZONE = 'America/Los_Angeles';

/** Daily quotas reset at midnight Pacific Time. */
export const nextPacificMidnight = (nowMs: number): number =>
  startOfDay(addDays(dayOf(nowMs, QUOTA_TIME_ZONE), 1), QUOTA_TIME_ZONE);

// Statistics are decimal strings (uint64 in JSON).
const CountString = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a decimal count')
  .transform(Number)
  .refine(Number.isSafeInteger, 'count out of range');

export const VideoSchema = z.object({
  id: z.string().min(1),
  snippet: z.object({
    publishedAt: z.iso.datetime({ offset: true }),
    channelId: z.string().min(1),
    channelTitle: z.string().default(''),
    title: z.string().default(''),
    description: z.string().default(''),
  }),
  statistics: z
    .object({
      viewCount: CountString.optional(),
      likeCount: CountString.optional(),
      commentCount: CountString.optional(),
    })
    .default({}),
});
type Video = z.infer<typeof VideoSchema>;

export const SearchResponseSchema = z.object({
  items: z.array(z.unknown()).default([]),
  nextPageToken: z.string().optional(),
});
export const SearchItemSchema = z.object({
  id: z.object({ kind: z.literal('youtube#video'), videoId: z.string().min(1) }),
  snippet: z.object({ publishedAt: z.iso.datetime({ offset: true }) }),
});
export const VideosResponseSchema = z.object({ items: z.array(z.unknown()).default([]) });
export const ChannelSchema = z.object({
  id: z.string().min(1),
  statistics: z
    .object({
      subscriberCount: CountString.optional().catch(undefined),
      hiddenSubscriberCount: z.boolean().optional(),
    })
    .optional(),
});
/** channels.list takes at most 50 ids per request. */
export const YOUTUBE_CHANNELS_PER_REQUEST = 50;

interface GoogleError {
  error?: { errors?: { reason?: string }[]; message?: string };
}

const QUOTA_REASONS = new Set(['quotaExceeded', 'dailyLimitExceeded']);
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

export class YouTubeAdapter extends HttpPlatformAdapter {
  readonly platform = 'youtube' as const;
  readonly maxPageSize = 50;
  readonly maxRefreshBatch = 50;
  readonly searchPageRequests = 2;
  private readonly followers: FollowerCache;

  constructor(options: AdapterOptions) {
    // YouTube sends no rate-limit headers; its limits are daily quotas.
    super(options, 'youtube', YOUTUBE_DEFAULT_BASE_URL, () => ({}));
    this.followers = new FollowerCache(this.now);
  }

  buildQueries(hashtags: readonly string[]): string[] {
    return packQueries(
      queryTags(hashtags).map((t) => `#${t}`),
      (group) => group.join('|'),
      { maxLength: YOUTUBE_MAX_QUERY_LENGTH },
    );
  }

  async searchPage(request: SearchRequest): Promise<SearchPage> {
    const stopAt = stopTimeMs(request);
    const query = queryString([
      ['part', 'snippet'],
      ['type', 'video'],
      ['order', 'date'],
      ['maxResults', this.maxPageSize],
      ['q', request.query],
      ['publishedAfter', stopAt === undefined ? undefined : new Date(stopAt).toISOString()],
      ['pageToken', request.pageToken],
    ]);
    const body = await this.get(`/search?${query}`, request.signal);
    const search = parseEnvelope('youtube', SearchResponseSchema, body, 'search.list');
    const rejects: SearchPage['rejects'] = [];
    const ids: string[] = [];
    for (const raw of search.items) {
      const item = SearchItemSchema.safeParse(raw);
      if (item.success) ids.push(item.data.id.videoId);
      else rejects.push(rejectItem('youtube', describeIssues(item.error), raw));
    }
    if (ids.length === 0) return finishPage(request, [], rejects, undefined);
    const videos = await this.videos(ids, request.signal);
    return finishPage(request, videos.observations, [...rejects, ...videos.rejects], search.nextPageToken);
  }

  async refresh(postIds: readonly string[], signal?: AbortSignal): Promise<RefreshResult> {
    if (postIds.length === 0) return { observations: [], rejects: [], missing: [] };
    if (postIds.length > this.maxRefreshBatch)
      throw new RangeError(
        `YouTube refresh takes at most ${this.maxRefreshBatch} ids, got ${postIds.length}`,
      );
    const { observations, rejects } = await this.videos(postIds, signal);
    return refreshResult(postIds, observations, rejects);
  }

  /** One `{resource}.list` by id (1 unit): the items of the answer. */
  private async listById(
    resource: 'videos' | 'channels',
    part: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ) {
    // maxResults is not supported together with id: the answer holds every id found.
    const query = queryString([
      ['part', part],
      ['id', ids.join(',')],
    ]);
    const body = await this.get(`/${resource}?${query}`, signal);
    return parseEnvelope('youtube', VideosResponseSchema, body, `${resource}.list`).items;
  }

  private async videos(ids: readonly string[], signal?: AbortSignal) {
    const items = await this.listById('videos', 'statistics,snippet', ids, signal);
    const observedAt = new Date(this.now()).toISOString();
    const mapped = mapItems('youtube', items, VideoSchema, (video: Video): ItemOutcome => {
      const publishedAt = canonicalInstant(video.snippet.publishedAt);
      if (!publishedAt) return { reject: 'snippet.publishedAt is not a date' };
      const s = video.statistics;
      return {
        platform: 'youtube',
        postId: video.id,
        author: {
          id: video.snippet.channelId,
          handle: video.snippet.channelTitle || video.snippet.channelId,
        },
        hashtags: extractHashtags(`${video.snippet.title}\n${video.snippet.description}`),
        publishedAt,
        observedAt,
        counters: {
          ...(s.likeCount === undefined ? {} : { likes: s.likeCount }),
          ...(s.commentCount === undefined ? {} : { comments: s.commentCount }),
          ...(s.viewCount === undefined ? {} : { views: s.viewCount }),
        },
        url: `https://www.youtube.com/watch?v=${encodeURIComponent(video.id)}`,
      };
    });
    await attachFollowers(this.followers, mapped.observations, YOUTUBE_CHANNELS_PER_REQUEST, (channelIds) =>
      this.subscriberCounts(channelIds, signal),
    );
    return mapped;
  }

  /** Subscriber counts by channel id: one `channels.list` (1 unit); hidden or missing counts are absent. */
  private async subscriberCounts(channelIds: string[], signal?: AbortSignal) {
    const items = await this.listById('channels', 'statistics', channelIds, signal);
    // A channel missing from the answer (or whose entry does not parse) is asked again next time.
    const counts = new Map<string, number | undefined>();
    for (const raw of items) {
      const channel = ChannelSchema.safeParse(raw);
      if (!channel.success) continue;
      const s = channel.data.statistics;
      counts.set(channel.data.id, s?.hiddenSubscriberCount ? undefined : s?.subscriberCount);
    }
    return counts;
  }

  private async get(pathAndQuery: string, signal?: AbortSignal): Promise<unknown> {
    const { apiKey, bearerToken } = this.options.credentials;
    if (!apiKey && !bearerToken)
      throw new PermanentPlatformError(
        'youtube',
        'youtube credentials need "apiKey" (or an OAuth "bearerToken")',
      );
    const separator = pathAndQuery.includes('?') ? '&' : '?';
    const url = `${this.baseUrl}${pathAndQuery}${apiKey ? `${separator}key=${encodeURIComponent(apiKey)}` : ''}`;
    const response = await this.http.request({
      url,
      headers: !apiKey && bearerToken ? { authorization: `Bearer ${bearerToken}` } : {},
      signal,
      classifyError: (r) => this.classify(r, pathAndQuery.startsWith('/search') ? 'search' : 'units'),
    });
    return response.body;
  }

  /** A quota error names the bucket of the method that hit it: search.list has its own, the rest share units. */
  private classify(r: ErrorResponse, bucket: 'search' | 'units'): Error | undefined {
    const reasons = ((r.body as GoogleError | undefined)?.error?.errors ?? []).map((e) => e.reason ?? '');
    if ((r.status === 403 || r.status === 429) && reasons.some((x) => QUOTA_REASONS.has(x)))
      return new QuotaExhaustedError(
        'youtube',
        bucket,
        nextPacificMidnight(this.now()),
        `YouTube ${bucket === 'search' ? 'search.list' : 'units'} quota exceeded (${r.status} quotaExceeded); it resets at midnight Pacific Time`,
      );
    if (r.status === 403 && reasons.some((x) => RATE_REASONS.has(x)))
      return new RateLimitedError('youtube', undefined, `YouTube rate limit (403 ${reasons.join(', ')})`);
    return undefined;
  }
}
