import { z } from 'zod';
import { extractHashtags } from '../hashtags';
import type { AdapterOptions, RefreshResult, SearchPage, SearchRequest } from './adapter';
import { HttpPlatformAdapter } from './base';
import {
  CountSchema,
  canonicalInstant,
  finishPage,
  htmlToText,
  type ItemOutcome,
  mapItems,
  packQueries,
  parseEnvelope,
  queryString,
  queryTags,
  refreshResult,
  uniqueHashtags,
} from './common';
import { authorOf, FollowerCountSchema } from './followers';

/**
 * Mastodon: `GET /api/v1/timelines/tag/:hashtag` (≤ 40 per page, `any[]` widens the search to 4 tags in all,
 * paged by `max_id` from the `Link` header) and `GET /api/v1/statuses?id[]=` (Mastodon ≥ 4.3, ≤ 20 ids). A token
 * is optional: servers that disable timeline previews need one. shares = reblogs_count + quotes_count (4.5+);
 * no views.
 */

export const MASTODON_DEFAULT_BASE_URL = 'https://mastodon.social';
/**
 * TagFeed::LIMIT_PER_MODE: the server takes the first 4 of the path tag plus `any[]` and ignores the rest, so
 * one request covers 4 tags.
 */
export const MASTODON_TAGS_PER_QUERY = 4;
const MAX_PATH_QUERY_LENGTH = 1_500;

export const StatusSchema = z.object({
  id: z.string().regex(/^\d+$/, 'must be a numeric status id'),
  created_at: z.iso.datetime({ offset: true }),
  url: z.string().nullable().optional(),
  uri: z.string(),
  content: z.string(),
  replies_count: CountSchema,
  reblogs_count: CountSchema,
  favourites_count: CountSchema,
  /** Mastodon 4.5+. */
  quotes_count: CountSchema.optional(),
  tags: z.array(z.object({ name: z.string() })).default([]),
  account: z.object({
    id: z.string().min(1),
    username: z.string().min(1),
    acct: z.string().min(1),
    url: z.string().optional(),
    /** The author's followers (reach); anything but a count (some servers send -1 when hidden) is unknown. */
    followers_count: FollowerCountSchema,
  }),
});
type Status = z.infer<typeof StatusSchema>;

export const StatusArraySchema = z.array(z.unknown());

/**
 * A page token: the `max_id` of the next page, prefixed with `<n>/` when the first n tags of the query were
 * dropped from the path (see `searchPage`).
 */
const encodeToken = (dropped: number, maxId: string | undefined): string | undefined =>
  maxId === undefined ? undefined : dropped > 0 ? `${dropped}/${maxId}` : maxId;

const decodeToken = (token: string | undefined): { dropped: number; maxId?: string } => {
  const match = token === undefined ? null : /^(\d+)\/(.+)$/.exec(token);
  if (!match) return { dropped: 0, maxId: token };
  return { dropped: Number(match[1]), maxId: match[2] };
};

/** `<url>; rel="next"` → the `max_id` of the next (older) page. */
export const nextMaxIdFromLink = (link: string | null): string | undefined => {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (!match?.[1]) continue;
    try {
      return new URL(match[1]).searchParams.get('max_id') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
};

export class MastodonAdapter extends HttpPlatformAdapter {
  readonly platform = 'mastodon' as const;
  readonly maxPageSize = 40;
  readonly maxRefreshBatch = 20;
  private readonly instanceHost: string;

  constructor(options: AdapterOptions) {
    super(options, 'mastodon', MASTODON_DEFAULT_BASE_URL);
    this.instanceHost = new URL(this.baseUrl).host;
  }

  /** A query is the space-separated tags: the first goes in the path, the rest in `any[]`. */
  buildQueries(hashtags: readonly string[]): string[] {
    return packQueries(queryTags(hashtags), (group) => group.map((t) => `#${t}`).join(' '), {
      maxLength: MAX_PATH_QUERY_LENGTH,
      maxTerms: MASTODON_TAGS_PER_QUERY,
    });
  }

  /**
   * The server answers nothing when the path tag is unknown to it, whatever `any[]` holds. An empty first page
   * of a grouped query therefore says nothing about the other tags: the path tag is dropped (it is unknown,
   * or has no posts, since an empty answer means no tag of the group has any) and the rest asked again. The
   * page token remembers how many tags were dropped, so later pages ask the same way.
   */
  async searchPage(request: SearchRequest): Promise<SearchPage> {
    const tags = uniqueHashtags(request.query.split(/\s+/));
    if (tags.length === 0) throw new RangeError(`Mastodon query "${request.query}" has no hashtag`);
    const token = decodeToken(request.pageToken);
    let dropped = Math.min(token.dropped, tags.length - 1);
    for (;;) {
      const { statuses, next } = await this.tagTimeline(tags.slice(dropped), token.maxId, request.signal);
      const lastTag = dropped >= tags.length - 1;
      if (statuses.length > 0 || lastTag || request.pageToken !== undefined) {
        const { observations, rejects } = this.mapStatuses(statuses);
        return finishPage(request, observations, rejects, encodeToken(dropped, next));
      }
      dropped += 1;
    }
  }

  private async tagTimeline(tags: readonly string[], maxId: string | undefined, signal?: AbortSignal) {
    const [first, ...rest] = tags;
    const query = queryString([
      ...rest.slice(0, MASTODON_TAGS_PER_QUERY - 1).map((t) => ['any[]', t] as const),
      ['limit', this.maxPageSize],
      ['max_id', maxId],
    ]);
    const response = await this.get(
      `/api/v1/timelines/tag/${encodeURIComponent(first ?? '')}?${query}`,
      signal,
    );
    const statuses = parseEnvelope('mastodon', StatusArraySchema, response.body, 'tag timeline');
    return { statuses, next: nextMaxIdFromLink(response.headers.get('link')) };
  }

  async refresh(postIds: readonly string[], signal?: AbortSignal): Promise<RefreshResult> {
    if (postIds.length === 0) return { observations: [], rejects: [], missing: [] };
    if (postIds.length > this.maxRefreshBatch)
      throw new RangeError(
        `Mastodon refresh takes at most ${this.maxRefreshBatch} ids, got ${postIds.length}`,
      );
    const response = await this.get(
      `/api/v1/statuses?${queryString(postIds.map((id) => ['id[]', id] as const))}`,
      signal,
    );
    const statuses = parseEnvelope('mastodon', StatusArraySchema, response.body, 'statuses lookup');
    const { observations, rejects } = this.mapStatuses(statuses);
    return refreshResult(postIds, observations, rejects);
  }

  private get(path: string, signal?: AbortSignal) {
    const token = this.options.credentials.bearerToken;
    return this.http.request({
      url: `${this.baseUrl}${path}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal,
    });
  }

  /** Handles are user@instance everywhere, also for accounts local to the polled server (acct "alice"). */
  private handleOf(account: Status['account']): string {
    if (account.acct.includes('@')) return account.acct;
    let host = this.instanceHost;
    if (account.url) {
      try {
        host = new URL(account.url).host;
      } catch {
        // keep the polled server's host
      }
    }
    return `${account.acct}@${host}`;
  }

  private mapStatuses(statuses: readonly unknown[]) {
    const observedAt = new Date(this.now()).toISOString();
    return mapItems('mastodon', statuses, StatusSchema, (status: Status): ItemOutcome => {
      const publishedAt = canonicalInstant(status.created_at);
      if (!publishedAt) return { reject: 'created_at is not a date' };
      return {
        platform: 'mastodon',
        postId: status.id,
        author: authorOf(status.account.id, this.handleOf(status.account), status.account.followers_count),
        hashtags: uniqueHashtags([
          ...status.tags.map((t) => t.name),
          ...extractHashtags(htmlToText(status.content)),
        ]),
        publishedAt,
        observedAt,
        counters: {
          likes: status.favourites_count,
          shares: status.reblogs_count + (status.quotes_count ?? 0),
          comments: status.replies_count,
        },
        url: status.url ?? status.uri,
      };
    });
  }
}
