import type { Clock } from '../../../functions/poll/clock';
import type { QueryRun } from '../../../functions/poll/query-run';
import type { Observation } from '../../../shared/observation';
import type { Platform } from '../../../shared/platform';
import {
  PermanentPlatformError,
  type PlatformAdapter,
  RateLimitedError,
  type RateLimitState,
  type RefreshResult,
  type SearchPage,
  type SearchRequest,
  TransientPlatformError,
} from '../../../shared/platforms/adapter';

/** A simulated clock: sleeping advances it instantly, and every sleep is recorded. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(
    public t: number,
    private readonly randomValue = 0.5,
  ) {}
  now = (): number => this.t;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
  };
  random = (): number => this.randomValue;
}

export interface FakePost {
  id: number;
  tags: string[];
  publishedMs: number;
  likes: number;
  deleted?: boolean;
  /** Hidden from searches until this instant (a late-federated, late-indexed or late-approved post). */
  visibleFromMs?: number;
}

export type Fault =
  | { kind: 'transient'; status?: number }
  | { kind: 'rate-limited'; retryAt?: number }
  | { kind: 'permanent'; status?: number };

export interface CallRecord {
  op: 'search' | 'refresh';
  query?: string;
  pageToken?: string;
  since?: SearchRequest['since'];
  notBefore?: string;
  ids?: readonly string[];
  failed?: Fault['kind'];
}

const postIdOf = (id: number) => `p${String(id).padStart(8, '0')}`;
const idNumberOf = (postId: string) => Number(postId.slice(1));

/**
 * An in-memory platform behind the PlatformAdapter interface, paging newest-first by post id the way
 * max_id/next_token APIs do (new posts never shift older pages). Faults are queued per call; `beforeCall`
 * can change the platform between calls (e.g. insert posts while a search is paging).
 */
export class FakePlatform implements PlatformAdapter {
  readonly platform: Platform = 'x';
  readonly posts = new Map<number, FakePost>();
  readonly calls: CallRecord[] = [];
  readonly faults: Fault[] = [];
  rateLimitState: RateLimitState = {};
  /** Set to model adapters that keep readings per endpoint (X) or count the HTTP requests they send. */
  rateLimitsByEndpoint?: () => Record<string, RateLimitState>;
  requestCount?: () => number;
  /** Malformed items served on the next search page, beside its good posts. */
  malformedOnNextPage = 0;
  beforeCall: ((call: CallRecord) => void) | undefined;
  private nextId = 1;

  constructor(
    private readonly clock: FakeClock,
    readonly maxPageSize = 10,
    readonly maxRefreshBatch = 100,
    /** Tags combined into one query. */
    private readonly tagsPerQuery = 2,
    /** Simulated time each request takes. */
    private readonly latencyMs = 100,
  ) {}

  addPost(tags: string[], publishedMs: number, likes = 0, visibleFromMs?: number): FakePost {
    const post: FakePost = { id: this.nextId++, tags, publishedMs, likes };
    if (visibleFromMs !== undefined) post.visibleFromMs = visibleFromMs;
    this.posts.set(post.id, post);
    return post;
  }

  /** Adds n posts with the tag, published `spacingMs` apart ending at `lastMs`. */
  addPosts(n: number, tag: string, lastMs: number, spacingMs = 1_000): FakePost[] {
    return Array.from({ length: n }, (_, i) => this.addPost([tag], lastMs - (n - 1 - i) * spacingMs));
  }

  static postId = postIdOf;

  buildQueries(hashtags: readonly string[]): string[] {
    const queries: string[] = [];
    for (let i = 0; i < hashtags.length; i += this.tagsPerQuery)
      queries.push(hashtags.slice(i, i + this.tagsPerQuery).join(' OR '));
    return queries;
  }

  rateLimit(): RateLimitState {
    return this.rateLimitState;
  }

  observationOf(post: FakePost): Observation {
    return {
      platform: this.platform,
      postId: postIdOf(post.id),
      author: { id: 'u1', handle: 'someone' },
      hashtags: post.tags,
      publishedAt: new Date(post.publishedMs).toISOString(),
      observedAt: new Date(this.clock.now()).toISOString(),
      counters: { likes: post.likes },
    };
  }

  private async enter(call: CallRecord): Promise<void> {
    this.beforeCall?.(call);
    this.calls.push(call);
    this.clock.t += this.latencyMs;
    const fault = this.faults.shift();
    if (!fault) return;
    call.failed = fault.kind;
    if (fault.kind === 'transient')
      throw new TransientPlatformError(this.platform, 'HTTP 503', fault.status ?? 503);
    if (fault.kind === 'permanent')
      throw new PermanentPlatformError(this.platform, 'HTTP 400', fault.status ?? 400);
    if (fault.kind === 'rate-limited') throw new RateLimitedError(this.platform, fault.retryAt, 'HTTP 429');
  }

  async searchPage(request: SearchRequest): Promise<SearchPage> {
    await this.enter({
      op: 'search',
      query: request.query,
      pageToken: request.pageToken,
      since: request.since,
      notBefore: request.notBefore,
    });
    const now = this.clock.now();
    const tags = new Set(request.query.split(' OR '));
    const sinceMs = request.since?.time ? Date.parse(request.since.time) - request.overlapMs : undefined;
    const notBeforeMs = request.notBefore ? Date.parse(request.notBefore) : Number.NEGATIVE_INFINITY;
    const boundary = sinceMs ?? notBeforeMs;
    const below = request.pageToken ? idNumberOf(request.pageToken) : Number.POSITIVE_INFINITY;
    const matching = [...this.posts.values()]
      .filter((p) => !p.deleted && p.id < below && p.tags.some((t) => tags.has(t)))
      .filter((p) => p.visibleFromMs === undefined || p.visibleFromMs <= now)
      .filter((p) => p.publishedMs >= boundary && p.publishedMs >= notBeforeMs)
      .sort((a, b) => b.id - a.id);
    const page = matching.slice(0, this.maxPageSize);
    const rejects = Array.from({ length: this.malformedOnNextPage }, (_, i) => ({
      platform: this.platform,
      reason: 'author: Invalid input: expected object, received undefined',
      item: { id: `bad${i}`, text: 'no author' },
    }));
    this.malformedOnNextPage = 0;
    const last = page.at(-1);
    const first = page[0];
    return {
      observations: page.map((p) => this.observationOf(p)),
      rejects,
      ...(matching.length > page.length && last ? { nextPageToken: postIdOf(last.id) } : {}),
      ...(first
        ? { newest: { id: postIdOf(first.id), time: new Date(first.publishedMs).toISOString() } }
        : {}),
    };
  }

  async refresh(postIds: readonly string[]): Promise<RefreshResult> {
    if (postIds.length > this.maxRefreshBatch)
      throw new Error(`refresh takes at most ${this.maxRefreshBatch} ids`);
    await this.enter({ op: 'refresh', ids: postIds });
    const observations: Observation[] = [];
    const missing: string[] = [];
    for (const id of postIds) {
      const post = this.posts.get(idNumberOf(id));
      if (post && !post.deleted) observations.push(this.observationOf(post));
      else missing.push(id);
    }
    return { observations, rejects: [], missing };
  }

  searchCalls(): CallRecord[] {
    return this.calls.filter((c) => c.op === 'search');
  }

  refreshCalls(): CallRecord[] {
    return this.calls.filter((c) => c.op === 'refresh');
  }
}

/** A query run resumed from an earlier cycle, with a cursor and a saved page; override what a test needs. */
export const queryRun = (overrides: Partial<QueryRun> = {}): QueryRun => ({
  name: 'q',
  query: 'q',
  since: { id: '1', time: '2025-03-10T10:00:00Z' },
  pageToken: 'p2',
  newest: { id: '9', time: '2025-03-10T11:00:00Z' },
  startedThisCycle: false,
  restartedAfterStaleToken: false,
  complete: false,
  done: false,
  late: { lastRead: {} },
  dirty: false,
  ...overrides,
});
