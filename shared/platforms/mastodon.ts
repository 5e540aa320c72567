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

/**
 * Mastodon: `GET /api/v1/timelines/tag/:hashtag` (≤ 40 per page, `any[]` adds up to 4 more tags, paged by
 * `max_id` from the `Link` header) and `GET /api/v1/statuses?id[]=` (Mastodon ≥ 4.3, ≤ 20 ids). A token is
 * optional: servers that disable timeline previews need one. shares = reblogs_count; no views.
 */

export const MASTODON_DEFAULT_BASE_URL = 'https://mastodon.social';
/** TagFeed::LIMIT_PER_MODE: the server uses at most 4 tags of `any[]`, so one request covers 5 tags. */
export const MASTODON_TAGS_PER_QUERY = 5;
const MAX_PATH_QUERY_LENGTH = 1_500;

const StatusSchema = z.object({
  id: z.string().regex(/^\d+$/, 'must be a numeric status id'),
  created_at: z.iso.datetime({ offset: true }),
  url: z.string().nullable().optional(),
  uri: z.string(),
  content: z.string(),
  replies_count: CountSchema,
  reblogs_count: CountSchema,
  favourites_count: CountSchema,
  tags: z.array(z.object({ name: z.string() })).default([]),
  account: z.object({
    id: z.string().min(1),
    username: z.string().min(1),
    acct: z.string().min(1),
    url: z.string().optional(),
  }),
});
type Status = z.infer<typeof StatusSchema>;

const StatusArraySchema = z.array(z.unknown());

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

  async searchPage(request: SearchRequest): Promise<SearchPage> {
    const tags = uniqueHashtags(request.query.split(/\s+/));
    const [first, ...rest] = tags;
    if (!first) throw new RangeError(`Mastodon query "${request.query}" has no hashtag`);
    const query = queryString([
      ...rest.map((t) => ['any[]', t] as const),
      ['limit', this.maxPageSize],
      ['max_id', request.pageToken],
    ]);
    const response = await this.get(
      `/api/v1/timelines/tag/${encodeURIComponent(first)}?${query}`,
      request.signal,
    );
    const statuses = parseEnvelope('mastodon', StatusArraySchema, response.body, 'tag timeline');
    const { observations, rejects } = this.mapStatuses(statuses);
    return finishPage(request, observations, rejects, nextMaxIdFromLink(response.headers.get('link')));
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
        author: { id: status.account.id, handle: this.handleOf(status.account) },
        hashtags: uniqueHashtags([
          ...status.tags.map((t) => t.name),
          ...extractHashtags(htmlToText(status.content)),
        ]),
        publishedAt,
        observedAt,
        counters: {
          likes: status.favourites_count,
          shares: status.reblogs_count,
          comments: status.replies_count,
        },
        url: status.url ?? status.uri,
      };
    });
  }
}
