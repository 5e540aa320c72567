import { z } from 'zod';
import { normalizeHandle } from '../config';
import { extractHashtags } from '../hashtags';
import {
  type AdapterOptions,
  PermanentPlatformError,
  RateLimitedError,
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
  parseEnvelope,
  queryString,
  queryTags,
  refreshResult,
  requireCredential,
} from './common';
import { authorOf, FollowerCountSchema, type Author as Owner } from './followers';
import { readGraphUsage } from './graph-usage';
import type { ErrorResponse } from './http';

/**
 * Instagram Graph API (Instagram API with Facebook Login): `GET /ig_hashtag_search` (hashtag name → id, cached),
 * `GET /{hashtag-id}/recent_media` (media of the last 24 hours, ≤ 50 per page, paged by `paging.next`) and
 * `GET /{ig-user-id}?fields=business_discovery.username(...)` (a business/creator account's profile and media).
 * Hashtag media carry no author, so posts are attributed by matching their ids against the roster's
 * business_discovery media; the rest keep the placeholder author `INSTAGRAM_UNATTRIBUTED`. The same lookups
 * refresh counters: the API reads no other account's media by id, so refresh covers roster media only.
 * likes = like_count (absent when the owner hides it), comments = comments_count; no shares or views.
 */

export const INSTAGRAM_DEFAULT_BASE_URL = 'https://graph.facebook.com/v23.0';
/** Author of hashtag media that no roster account's business_discovery lists (the API does not say whose). */
export const INSTAGRAM_UNATTRIBUTED = { id: 'unattributed', handle: 'unattributed' } as const;
/** Roster media lists are re-read at most this often while searching. */
export const INSTAGRAM_ATTRIBUTION_TTL_MS = 5 * 60_000;
/** How many of each roster account's newest media business_discovery returns. */
const DISCOVERY_MEDIA_LIMIT = 50;
const MEDIA_FIELDS = 'id,caption,comments_count,like_count,media_type,permalink,timestamp';
/** Graph API throttling error codes: app, user, page and custom-rate limits. */
const THROTTLE_CODES = new Set([4, 17, 32, 613, 80002]);

export const MediaSchema = z.object({
  id: z.string().regex(/^\d+$/, 'must be a numeric media id'),
  caption: z.string().optional(),
  comments_count: CountSchema.optional(),
  like_count: CountSchema.optional(),
  permalink: z.string().optional(),
  timestamp: z.string(),
});
type Media = z.infer<typeof MediaSchema>;

export const PageSchema = z.object({
  data: z.array(z.unknown()),
  paging: z.object({ next: z.string().optional() }).optional(),
});
export const HashtagSearchSchema = z.object({ data: z.array(z.object({ id: z.string().min(1) })) });
export const DiscoverySchema = z.object({
  business_discovery: z.object({
    id: z.string().min(1),
    username: z.string().min(1),
    followers_count: FollowerCountSchema,
    media: z
      .object({
        data: z.array(z.unknown()),
        paging: z
          .object({
            cursors: z.object({ after: z.string().optional() }).optional(),
            next: z.string().optional(),
          })
          .optional(),
      })
      .optional(),
  }),
});

interface GraphError {
  error?: { code?: number; error_subcode?: number; message?: string };
}

interface RosterMedia {
  owner: Owner;
  media: Map<string, unknown>;
  fetchedAt: number;
  /** Cursor to the account's next (older) media, while there are more. */
  after?: string;
  /** Oldest media timestamp read so far (epoch ms). */
  oldestMs?: number;
}

const DEFAULT_TRACKING_WINDOW_MS = 30 * 24 * 3600 * 1000;

export class InstagramAdapter extends HttpPlatformAdapter {
  readonly platform = 'instagram' as const;
  readonly maxPageSize = 50;
  readonly maxRefreshBatch = 50;
  private readonly hashtagIds = new Map<string, string>();
  private readonly roster = new Map<string, RosterMedia>();

  constructor(options: AdapterOptions) {
    super(options, 'instagram', INSTAGRAM_DEFAULT_BASE_URL, readGraphUsage);
  }

  /** recent_media is per hashtag: one query per tag (at most 30 distinct tags per account per 7 days). */
  buildQueries(hashtags: readonly string[]): string[] {
    return queryTags(hashtags);
  }

  async searchPage(request: SearchRequest): Promise<SearchPage> {
    const userId = requireCredential('instagram', this.options.credentials, 'businessAccountId');
    let url: string;
    if (request.pageToken) {
      url = this.followable(request.pageToken);
    } else {
      const hashtagId = await this.hashtagId(request.query, userId, request.signal);
      url = `${this.baseUrl}/${hashtagId}/recent_media?${queryString([
        ['user_id', userId],
        ['fields', MEDIA_FIELDS],
        ['limit', this.maxPageSize],
      ])}`;
    }
    const body = await this.get(url, request.signal);
    const page = parseEnvelope('instagram', PageSchema, body, 'recent_media');
    const ids = page.data
      .map((m) => (m as { id?: unknown } | undefined)?.id)
      .filter((id) => typeof id === 'string');
    if (ids.some((id) => !this.ownerOf(id))) await this.loadRoster(false, request.signal);
    const { observations, rejects } = this.mapMedia(
      page.data,
      (id) => this.ownerOf(id) ?? INSTAGRAM_UNATTRIBUTED,
    );
    // recent_media is not always in chronological order: read the whole 24-hour window every time.
    return finishPage(request, observations, rejects, this.pageTokenOf(page.paging?.next), false);
  }

  async refresh(postIds: readonly string[], signal?: AbortSignal): Promise<RefreshResult> {
    if (postIds.length === 0) return { observations: [], rejects: [], missing: [] };
    if (postIds.length > this.maxRefreshBatch)
      throw new RangeError(
        `Instagram refresh takes at most ${this.maxRefreshBatch} ids, got ${postIds.length}`,
      );
    requireCredential('instagram', this.options.credentials, 'businessAccountId');
    await this.loadRoster(true, signal);
    const wanted = new Set(postIds);
    await this.loadOlderMedia(wanted, signal);
    const items: unknown[] = [];
    const owners = new Map<string, Owner>();
    for (const entry of this.roster.values())
      for (const [id, raw] of entry.media)
        if (wanted.has(id)) {
          items.push(raw);
          owners.set(id, entry.owner);
        }
    const { observations, rejects } = this.mapMedia(items, (id) => owners.get(id) ?? INSTAGRAM_UNATTRIBUTED);
    return refreshResult(postIds, observations, rejects);
  }

  private ownerOf(mediaId: string): Owner | undefined {
    for (const entry of this.roster.values()) if (entry.media.has(mediaId)) return entry.owner;
    return undefined;
  }

  private async hashtagId(tag: string, userId: string, signal?: AbortSignal): Promise<string> {
    const cached = this.hashtagIds.get(tag);
    if (cached) return cached;
    const body = await this.get(
      `${this.baseUrl}/ig_hashtag_search?${queryString([
        ['user_id', userId],
        ['q', tag],
      ])}`,
      signal,
    );
    const found = parseEnvelope('instagram', HashtagSearchSchema, body, 'ig_hashtag_search').data[0];
    if (!found) throw new PermanentPlatformError('instagram', `Instagram knows no hashtag "${tag}"`);
    this.hashtagIds.set(tag, found.id);
    return found.id;
  }

  /** business_discovery for each roster handle (all of them when `force`, else the ones read too long ago). */
  private async loadRoster(force: boolean, signal?: AbortSignal): Promise<void> {
    const handles = [...new Set((this.options.rosterHandles ?? []).map(normalizeHandle))];
    for (const handle of handles) {
      const known = this.roster.get(handle);
      if (!force && known && this.now() - known.fetchedAt < INSTAGRAM_ATTRIBUTION_TTL_MS) continue;
      const entry: RosterMedia = { owner: { id: handle, handle }, media: new Map(), fetchedAt: this.now() };
      await this.readDiscoveryPage(handle, entry, undefined, signal);
      this.roster.set(handle, entry);
    }
  }

  /**
   * business_discovery shows an account's media newest first, 50 a page: tracked posts older than the first
   * page are found by paging its cursor on, account by account, until every wanted id is found or the media
   * are older than the tracking window. The API reads no other account's media by id.
   */
  private async loadOlderMedia(wanted: ReadonlySet<string>, signal?: AbortSignal): Promise<void> {
    const horizon = this.now() - (this.options.trackingWindowMs ?? DEFAULT_TRACKING_WINDOW_MS);
    const unfound = () => [...wanted].some((id) => !this.ownerOf(id));
    for (const [handle, entry] of this.roster) {
      while (unfound() && entry.after && (entry.oldestMs ?? 0) >= horizon)
        await this.readDiscoveryPage(handle, entry, entry.after, signal);
    }
  }

  private async readDiscoveryPage(
    handle: string,
    entry: RosterMedia,
    after: string | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const userId = requireCredential('instagram', this.options.credentials, 'businessAccountId');
    const edge = `media.limit(${DISCOVERY_MEDIA_LIMIT})${after ? `.after(${after})` : ''}`;
    const fields = `business_discovery.username(${handle}){id,username,followers_count,${edge}{${MEDIA_FIELDS}}}`;
    let body: unknown;
    try {
      body = await this.get(`${this.baseUrl}/${userId}?${queryString([['fields', fields]])}`, signal);
    } catch (e) {
      // One unknown or personal (non-business) account must not stop the others.
      if (e instanceof PermanentPlatformError && e.status !== 401 && e.status !== 403) {
        entry.after = undefined;
        return;
      }
      throw e;
    }
    const discovery = parseEnvelope(
      'instagram',
      DiscoverySchema,
      body,
      'business_discovery',
    ).business_discovery;
    entry.owner = authorOf(discovery.id, discovery.username, discovery.followers_count);
    for (const raw of discovery.media?.data ?? []) {
      const item = raw as { id?: unknown; timestamp?: unknown } | undefined;
      if (typeof item?.id !== 'string') continue;
      entry.media.set(item.id, raw);
      const ms = typeof item.timestamp === 'string' ? Date.parse(item.timestamp) : Number.NaN;
      if (Number.isFinite(ms)) entry.oldestMs = Math.min(entry.oldestMs ?? ms, ms);
    }
    const paging = discovery.media?.paging;
    entry.after = paging?.next ? paging.cursors?.after : undefined;
  }

  /** The page token is `paging.next` without the access token, so a stored token holds no secret. */
  private pageTokenOf(next: string | undefined): string | undefined {
    if (!next) return undefined;
    try {
      const url = new URL(next);
      url.searchParams.delete('access_token');
      return url.toString();
    } catch {
      return undefined;
    }
  }

  /** Only follow page tokens that point back at the configured API: the access token goes with them. */
  private followable(token: string): string {
    let url: URL;
    try {
      url = new URL(token);
    } catch {
      throw new PermanentPlatformError('instagram', 'Instagram page token is not a URL');
    }
    if (url.origin !== new URL(this.baseUrl).origin)
      throw new PermanentPlatformError(
        'instagram',
        `Instagram page token points at another host (${url.host})`,
      );
    return url.toString();
  }

  private async get(url: string, signal?: AbortSignal): Promise<unknown> {
    const token = requireCredential('instagram', this.options.credentials, 'bearerToken');
    const withToken = new URL(url);
    withToken.searchParams.set('access_token', token);
    const response = await this.http.request({
      url: withToken.toString(),
      signal,
      classifyError: (r) => this.classify(r),
    });
    return response.body;
  }

  private classify(r: ErrorResponse): Error | undefined {
    const code = (r.body as GraphError | undefined)?.error?.code;
    if (code !== undefined && THROTTLE_CODES.has(code))
      return new RateLimitedError(
        'instagram',
        readGraphUsage(r.headers, this.now()).resetAt,
        `Instagram Graph API throttled the app (error code ${code})`,
      );
    return undefined;
  }

  private mapMedia(items: readonly unknown[], ownerOf: (id: string) => Owner) {
    const observedAt = new Date(this.now()).toISOString();
    return mapItems('instagram', items, MediaSchema, (media: Media): ItemOutcome => {
      const publishedAt = canonicalInstant(media.timestamp);
      if (!publishedAt) return { reject: 'timestamp is not a date' };
      return {
        platform: 'instagram',
        postId: media.id,
        author: ownerOf(media.id),
        hashtags: extractHashtags(media.caption ?? ''),
        publishedAt,
        observedAt,
        counters: {
          ...(media.like_count === undefined ? {} : { likes: media.like_count }),
          ...(media.comments_count === undefined ? {} : { comments: media.comments_count }),
        },
        ...(media.permalink ? { url: media.permalink } : {}),
      };
    });
  }
}
