import { z } from 'zod';
import { extractHashtags } from '../hashtags';
import type { Observation } from '../observation';
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
  parseEnvelope,
  queryString,
  queryTags,
  refreshResult,
  requireCredential,
  stopTimeMs,
  uniqueHashtags,
} from './common';
import { attachFollowers, FollowerCache, FollowerCountSchema } from './followers';
import type { ErrorResponse } from './http';

/**
 * Bluesky (AT Protocol): `app.bsky.feed.searchPosts` (≤ 100 per page, `sort=latest`, offset cursor) and
 * `app.bsky.feed.getPosts` (≤ 25 at-uris), through the account's PDS with an app-password session
 * (`com.atproto.server.createSession`, renewed with `refreshSession` when the access token expires).
 * Search matches every term (no OR), so each hashtag is its own query. shares = reposts + quotes; no views.
 * Post views carry no follower count (`profileViewBasic`): authors' `followersCount` comes from
 * `app.bsky.actor.getProfiles` (≤ 25 actors), once a day per author (`FollowerCache`).
 */

export const BLUESKY_DEFAULT_BASE_URL = 'https://bsky.social';
/** Renew the access token when it expires within this margin. */
const RENEW_MARGIN_MS = 60_000;

const FacetSchema = z.object({
  features: z
    .array(z.object({ $type: z.string().optional(), tag: z.string().optional() }).loose())
    .default([]),
});

export const PostViewSchema = z.object({
  uri: z
    .string()
    .regex(/^at:\/\/[^/]+\/app\.bsky\.feed\.post\/[^/]+$/, 'must be an app.bsky.feed.post at-uri'),
  author: z.object({ did: z.string().startsWith('did:'), handle: z.string().min(1) }),
  record: z.object({
    text: z.string().default(''),
    createdAt: z.string(),
    facets: z.array(FacetSchema).optional(),
    tags: z.array(z.string()).optional(),
  }),
  likeCount: CountSchema.optional(),
  repostCount: CountSchema.optional(),
  replyCount: CountSchema.optional(),
  quoteCount: CountSchema.optional(),
  indexedAt: z.string(),
});
type PostView = z.infer<typeof PostViewSchema>;

export const SearchResponseSchema = z.object({ posts: z.array(z.unknown()), cursor: z.string().optional() });
export const GetPostsResponseSchema = z.object({ posts: z.array(z.unknown()) });
export const GetProfilesResponseSchema = z.object({ profiles: z.array(z.unknown()) });
export const ProfileSchema = z.object({ did: z.string(), followersCount: FollowerCountSchema });
/** app.bsky.actor.getProfiles: `actors` maxLength 25 (lexicon). */
export const BLUESKY_PROFILES_PER_REQUEST = 25;
const SessionSchema = z.object({
  accessJwt: z.string().min(1),
  refreshJwt: z.string().min(1),
  did: z.string(),
});
type Session = z.infer<typeof SessionSchema>;

/** The access token expired or was revoked: renew the session and try again once. */
class SessionExpiredError extends Error {
  override name = 'SessionExpiredError';
}

const isSessionError = (r: ErrorResponse): boolean => {
  const error = (r.body as { error?: unknown } | undefined)?.error;
  return (r.status === 400 || r.status === 401) && (error === 'ExpiredToken' || error === 'InvalidToken');
};

/** `exp` (epoch ms) of a JWT, without verifying it (the server does that). */
export const jwtExpiry = (jwt: string): number | undefined => {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
};

const rkeyOf = (uri: string): string => uri.slice(uri.lastIndexOf('/') + 1);

export class BlueskyAdapter extends HttpPlatformAdapter {
  readonly platform = 'bluesky' as const;
  readonly maxPageSize = 100;
  readonly maxRefreshBatch = 25;
  private session: Session | undefined;
  private readonly followers: FollowerCache;

  constructor(options: AdapterOptions) {
    super(options, 'bluesky', BLUESKY_DEFAULT_BASE_URL);
    this.followers = new FollowerCache(this.now);
  }

  buildQueries(hashtags: readonly string[]): string[] {
    return queryTags(hashtags).map((t) => `#${t}`);
  }

  async searchPage(request: SearchRequest): Promise<SearchPage> {
    const stopAt = stopTimeMs(request);
    const query = queryString([
      ['q', request.query],
      ['sort', 'latest'],
      ['limit', this.maxPageSize],
      // `since` filters on the indexing time; the stop rule on createdAt below still applies.
      ['since', stopAt === undefined ? undefined : new Date(stopAt).toISOString()],
      ['cursor', request.pageToken],
    ]);
    const body = await this.xrpc(`app.bsky.feed.searchPosts?${query}`, request.signal);
    const response = parseEnvelope('bluesky', SearchResponseSchema, body, 'searchPosts');
    const { observations, rejects } = await this.withFollowers(this.mapPosts(response.posts), request.signal);
    // An empty page can still carry a cursor (posts hidden by moderation are cut after paging): go on with it,
    // unless the server hands back the cursor it was given, which would loop.
    const next = response.cursor !== request.pageToken ? response.cursor : undefined;
    return finishPage(request, observations, rejects, next);
  }

  async refresh(postIds: readonly string[], signal?: AbortSignal): Promise<RefreshResult> {
    if (postIds.length === 0) return { observations: [], rejects: [], missing: [] };
    if (postIds.length > this.maxRefreshBatch)
      throw new RangeError(
        `Bluesky refresh takes at most ${this.maxRefreshBatch} uris, got ${postIds.length}`,
      );
    const body = await this.xrpc(
      `app.bsky.feed.getPosts?${queryString(postIds.map((uri) => ['uris', uri] as const))}`,
      signal,
    );
    const response = parseEnvelope('bluesky', GetPostsResponseSchema, body, 'getPosts');
    const { observations, rejects } = await this.withFollowers(this.mapPosts(response.posts), signal);
    return refreshResult(postIds, observations, rejects, { idField: 'uri' });
  }

  /** Sets authors' follower counts: cached ones, the others through getProfiles (25 actors a request). */
  private async withFollowers<T extends { observations: Observation[] }>(page: T, signal?: AbortSignal) {
    await attachFollowers(this.followers, page.observations, BLUESKY_PROFILES_PER_REQUEST, async (dids) => {
      const body = await this.xrpc(
        `app.bsky.actor.getProfiles?${queryString(dids.map((did) => ['actors', did] as const))}`,
        signal,
      );
      const response = parseEnvelope('bluesky', GetProfilesResponseSchema, body, 'getProfiles');
      // An actor missing from the answer (or whose profile does not parse) is asked again next time.
      const counts = new Map<string, number | undefined>();
      for (const raw of response.profiles) {
        const profile = ProfileSchema.safeParse(raw);
        if (profile.success) counts.set(profile.data.did, profile.data.followersCount);
      }
      return counts;
    });
    return page;
  }

  /** A query with the session; an expired session is renewed and the query tried once more. */
  private async xrpc(methodAndQuery: string, signal?: AbortSignal): Promise<unknown> {
    const attempt = async (): Promise<unknown> => {
      const session = await this.currentSession(signal);
      const response = await this.http.request({
        url: `${this.baseUrl}/xrpc/${methodAndQuery}`,
        headers: { authorization: `Bearer ${session.accessJwt}` },
        signal,
        classifyError: (r) =>
          isSessionError(r) ? new SessionExpiredError('access token expired') : undefined,
      });
      return response.body;
    };
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof SessionExpiredError)) throw e;
      await this.renewSession(signal);
      return attempt();
    }
  }

  private async currentSession(signal?: AbortSignal): Promise<Session> {
    if (!this.session) return this.createSession(signal);
    const expiry = jwtExpiry(this.session.accessJwt);
    if (expiry !== undefined && expiry - RENEW_MARGIN_MS <= this.now()) return this.renewSession(signal);
    return this.session;
  }

  private async createSession(signal?: AbortSignal): Promise<Session> {
    const identifier = requireCredential('bluesky', this.options.credentials, 'identifier');
    const password = requireCredential('bluesky', this.options.credentials, 'password');
    const response = await this.http.request({
      url: `${this.baseUrl}/xrpc/com.atproto.server.createSession`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier, password }),
      signal,
      classifyError: (r) =>
        r.status === 401 ||
        (r.status === 400 && (r.body as { error?: unknown })?.error === 'AuthenticationRequired')
          ? new PermanentPlatformError(
              'bluesky',
              'createSession rejected the identifier or app password',
              r.status,
            )
          : undefined,
    });
    this.session = parseEnvelope('bluesky', SessionSchema, response.body, 'createSession');
    return this.session;
  }

  /** refreshSession with the refresh token; when that is expired too, a new session. */
  private async renewSession(signal?: AbortSignal): Promise<Session> {
    const current = this.session;
    this.session = undefined;
    if (!current) return this.createSession(signal);
    try {
      const response = await this.http.request({
        url: `${this.baseUrl}/xrpc/com.atproto.server.refreshSession`,
        method: 'POST',
        headers: { authorization: `Bearer ${current.refreshJwt}` },
        signal,
        classifyError: (r) =>
          isSessionError(r) ? new SessionExpiredError('refresh token expired') : undefined,
      });
      this.session = parseEnvelope('bluesky', SessionSchema, response.body, 'refreshSession');
      return this.session;
    } catch (e) {
      if (!(e instanceof SessionExpiredError)) throw e;
      return this.createSession(signal);
    }
  }

  private mapPosts(posts: readonly unknown[]) {
    const observedAt = new Date(this.now()).toISOString();
    return mapItems('bluesky', posts, PostViewSchema, (post: PostView): ItemOutcome => {
      const created = canonicalInstant(post.record.createdAt);
      const indexed = canonicalInstant(post.indexedAt);
      // createdAt is set by the client; a post dated in the future counts from when the AppView indexed it.
      const publishedAt = [created, indexed].filter((t): t is string => t !== undefined).sort()[0];
      if (!publishedAt) return { reject: 'neither record.createdAt nor indexedAt is a date' };
      const facetTags = (post.record.facets ?? []).flatMap((f) =>
        f.features
          .filter((x) => x.$type === 'app.bsky.richtext.facet#tag' && x.tag)
          .map((x) => x.tag as string),
      );
      const shares =
        post.repostCount === undefined && post.quoteCount === undefined
          ? undefined
          : (post.repostCount ?? 0) + (post.quoteCount ?? 0);
      return {
        platform: 'bluesky',
        postId: post.uri,
        author: { id: post.author.did, handle: post.author.handle },
        hashtags: uniqueHashtags([
          ...facetTags,
          ...(post.record.tags ?? []),
          ...extractHashtags(post.record.text),
        ]),
        publishedAt,
        observedAt,
        counters: {
          ...(post.likeCount === undefined ? {} : { likes: post.likeCount }),
          ...(shares === undefined ? {} : { shares }),
          ...(post.replyCount === undefined ? {} : { comments: post.replyCount }),
        },
        url: `https://bsky.app/profile/${post.author.handle}/post/${rkeyOf(post.uri)}`,
      };
    });
  }
}
