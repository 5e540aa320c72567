import { z } from 'zod';
import { extractHashtags } from '../hashtags';
import {
  type AdapterOptions,
  PermanentPlatformError,
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
} from './common';

/**
 * Reddit: `GET /search?q=&sort=new&limit=100&after=` and `GET /api/info?id=` (≤ 100 fullnames) on
 * oauth.reddit.com. The token comes from `POST /api/v1/access_token` (script app: password grant with the
 * account's username/password; otherwise application-only client_credentials), or is given as `bearerToken`.
 * Listings stop about 1000 items deep. likes = ups (Reddit's fuzzed score), shares = num_crossposts,
 * comments = num_comments; Reddit publishes no views. Post ids are fullnames (`t3_...`).
 */

export const REDDIT_DEFAULT_BASE_URL = 'https://oauth.reddit.com';
const REDDIT_TOKEN_URL = 'https://www.reddit.com/api/v1/access_token';
/** Reddit documents `q` as "a string no longer than 512 characters". */
export const REDDIT_MAX_QUERY_LENGTH = 512;
const DEFAULT_USER_AGENT = 'server:kol-pulse:v0.1 (self-hosted social listening)';
const TOKEN_MARGIN_MS = 60_000;

export const LinkSchema = z.object({
  name: z.string().regex(/^t3_[0-9a-z]+$/, 'must be a t3_ fullname'),
  author: z.string().min(1),
  author_fullname: z.string().min(1).optional(),
  title: z.string(),
  selftext: z.string().default(''),
  created_utc: z.number().nonnegative(),
  ups: z.number().int().optional(),
  num_comments: CountSchema,
  num_crossposts: CountSchema.optional(),
  permalink: z.string().startsWith('/'),
});
type Link = z.infer<typeof LinkSchema>;

export const ListingSchema = z.object({
  kind: z.literal('Listing'),
  data: z.object({
    after: z.string().nullable().optional(),
    // Items are checked one by one (mapLinks), so one broken child is rejected alone.
    children: z.array(z.unknown()),
  }),
});

const TokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
});

const AUTHOR_DELETED = 'author deleted';

const fullname = (id: string): string => (id.startsWith('t3_') ? id : `t3_${id}`);

export class RedditAdapter extends HttpPlatformAdapter {
  readonly platform = 'reddit' as const;
  readonly maxPageSize = 100;
  readonly maxRefreshBatch = 100;
  private readonly tokenUrl: string;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(options: AdapterOptions) {
    super(options, 'reddit', REDDIT_DEFAULT_BASE_URL);
    // The token endpoint lives on www.reddit.com; a local or test server serves it under its own base URL.
    this.tokenUrl = options.baseUrl ? `${this.baseUrl}/api/v1/access_token` : REDDIT_TOKEN_URL;
  }

  buildQueries(hashtags: readonly string[]): string[] {
    return packQueries(
      queryTags(hashtags).map((t) => `#${t}`),
      (group) => group.join(' OR '),
      { maxLength: REDDIT_MAX_QUERY_LENGTH },
    );
  }

  async searchPage(request: SearchRequest): Promise<SearchPage> {
    const query = queryString([
      ['q', request.query],
      ['sort', 'new'],
      ['type', 'link'],
      ['limit', this.maxPageSize],
      ['after', request.pageToken],
      ['raw_json', 1],
    ]);
    const body = await this.get(`/search?${query}`, request.signal);
    const listing = parseEnvelope('reddit', ListingSchema, body, 'search');
    const { observations, rejects } = this.mapLinks(listing);
    return finishPage(request, observations, rejects, listing.data.after ?? undefined);
  }

  async refresh(postIds: readonly string[], signal?: AbortSignal): Promise<RefreshResult> {
    if (postIds.length === 0) return { observations: [], rejects: [], missing: [] };
    if (postIds.length > this.maxRefreshBatch)
      throw new RangeError(`Reddit refresh takes at most ${this.maxRefreshBatch} ids, got ${postIds.length}`);
    const names = postIds.map(fullname);
    const body = await this.get(
      `/api/info?${queryString([
        ['id', names.join(',')],
        ['raw_json', 1],
      ])}`,
      signal,
    );
    const listing = parseEnvelope('reddit', ListingSchema, body, 'info');
    const { observations, rejects } = this.mapLinks(listing);
    // A deleted post still answers, as "[deleted]": report it missing like the other platforms do.
    return refreshResult(postIds, observations, rejects, {
      idField: 'name',
      countsAsSeen: (r) => r.reason !== AUTHOR_DELETED,
      toPostId: fullname,
    });
  }

  private get userAgent(): string {
    return this.options.credentials.userAgent ?? DEFAULT_USER_AGENT;
  }

  private async get(pathAndQuery: string, signal?: AbortSignal): Promise<unknown> {
    const attempt = async (): Promise<unknown> => {
      const token = await this.accessToken(signal);
      const response = await this.http.request({
        url: `${this.baseUrl}${pathAndQuery}`,
        headers: { authorization: `Bearer ${token}`, 'user-agent': this.userAgent },
        signal,
        classifyError: (r) => (r.status === 401 ? new TokenRejectedError() : undefined),
      });
      return response.body;
    };
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof TokenRejectedError)) throw e;
      if (this.options.credentials.bearerToken)
        throw new PermanentPlatformError('reddit', 'Reddit rejected the configured bearerToken (401)', 401);
      this.token = undefined;
      return attempt();
    }
  }

  private async accessToken(signal?: AbortSignal): Promise<string> {
    const given = this.options.credentials.bearerToken;
    if (given) return given;
    if (this.token && this.token.expiresAt - TOKEN_MARGIN_MS > this.now()) return this.token.value;
    const credentials = this.options.credentials;
    const clientId = requireCredential('reddit', credentials, 'clientId');
    const clientSecret = credentials.clientSecret ?? '';
    const form =
      credentials.identifier && credentials.password
        ? queryString([
            ['grant_type', 'password'],
            ['username', credentials.identifier],
            ['password', credentials.password],
          ])
        : queryString([['grant_type', 'client_credentials']]);
    const response = await this.http.request({
      url: this.tokenUrl,
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': this.userAgent,
      },
      body: form,
      signal,
      classifyError: (r) =>
        r.status === 401 || (r.body as { error?: unknown } | undefined)?.error !== undefined
          ? new PermanentPlatformError(
              'reddit',
              `Reddit access_token refused the client credentials (${r.status})`,
              r.status,
            )
          : undefined,
    });
    // Reddit reports a refused grant with HTTP 200 and an `error` field.
    const refused = (response.body as { error?: unknown } | undefined)?.error;
    if (refused !== undefined)
      throw new PermanentPlatformError('reddit', `Reddit access_token refused the grant: ${String(refused)}`);
    const token = parseEnvelope('reddit', TokenSchema, response.body, 'access_token');
    this.token = { value: token.access_token, expiresAt: this.now() + (token.expires_in ?? 3600) * 1000 };
    return token.access_token;
  }

  private mapLinks(listing: z.infer<typeof ListingSchema>) {
    const observedAt = new Date(this.now()).toISOString();
    // Keep links (kind t3) and anything malformed, which becomes a reject; skip other well-formed kinds.
    const links = listing.data.children.flatMap((child) => {
      const kind =
        typeof child === 'object' && child !== null ? (child as { kind?: unknown }).kind : undefined;
      if (kind === 't3') return [(child as { data?: unknown }).data];
      return typeof kind === 'string' ? [] : [child];
    });
    return mapItems('reddit', links, LinkSchema, (link: Link): ItemOutcome => {
      if (!link.author_fullname || link.author === '[deleted]') return { reject: AUTHOR_DELETED };
      const publishedAt = canonicalInstant(Math.round(link.created_utc * 1000));
      if (!publishedAt) return { reject: 'created_utc is not a time' };
      return {
        platform: 'reddit',
        postId: link.name,
        author: { id: link.author_fullname, handle: link.author },
        hashtags: extractHashtags(`${link.title}\n${link.selftext}`),
        publishedAt,
        observedAt,
        counters: {
          // A negative score says nothing about likes: leave them unknown.
          ...(link.ups === undefined || link.ups < 0 ? {} : { likes: link.ups }),
          ...(link.num_crossposts === undefined ? {} : { shares: link.num_crossposts }),
          comments: link.num_comments,
        },
        url: `https://www.reddit.com${link.permalink}`,
      };
    });
  }
}

class TokenRejectedError extends Error {
  override name = 'TokenRejectedError';
}
