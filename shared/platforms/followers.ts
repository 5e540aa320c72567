import type { Observation } from '../observation';
import { RateLimitedError, TransientPlatformError } from './adapter';
import { CountSchema } from './common';

/**
 * Authors' follower counts (docs/platforms.md, "Follower counts"), the audience behind reach. X, Mastodon
 * and Instagram send the count with the post (or the roster lookup the adapter makes anyway); Bluesky and
 * YouTube need one extra batched request per page of unknown authors, which `FollowerCache` keeps to once
 * per author per `ttlMs` (a day by default). The count is absent when the platform does not give it, never 0.
 */

/** A follower count as sent; anything else (negative, fractional, a string) is unknown, not a rejected post. */
export const FollowerCountSchema = CountSchema.optional().catch(undefined);

/** `{ followers }` when known, `{}` when not: spread into an observation's author. */
export const followersField = (count: number | undefined): { followers?: number } =>
  count === undefined ? {} : { followers: count };

export type Author = Observation['author'];

/** An observation's author, with its follower count when known. */
export const authorOf = (id: string, handle: string, followers: number | undefined): Author => ({
  id,
  handle,
  ...followersField(followers),
});

export const FOLLOWER_CACHE_TTL_MS = 24 * 3600 * 1000;
/** Authors remembered at most (oldest fetched dropped first): about 5 MB of a Lambda's memory at worst. */
export const FOLLOWER_CACHE_MAX_AUTHORS = 50_000;

interface Entry {
  /** null: the platform answered but gives no count (hidden, unknown author); not asked again until stale. */
  count: number | null;
  fetchedAt: number;
}

/** Follower counts by author id, each refreshed at most once per `ttlMs`, for one adapter instance. */
export class FollowerCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = FOLLOWER_CACHE_TTL_MS,
    private readonly maxAuthors = FOLLOWER_CACHE_MAX_AUTHORS,
  ) {}

  private fresh(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    return entry && this.now() - entry.fetchedAt < this.ttlMs ? entry : undefined;
  }

  /** Distinct author ids with no fresh entry, in first-seen order. */
  stale(ids: Iterable<string>): string[] {
    return [...new Set(ids)].filter((id) => !this.fresh(id));
  }

  set(id: string, count: number | undefined): void {
    this.entries.delete(id);
    this.entries.set(id, { count: count ?? null, fetchedAt: this.now() });
    while (this.entries.size > this.maxAuthors) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get(id: string): number | undefined {
    return this.fresh(id)?.count ?? undefined;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Looks up the stale authors of `observations` in batches of `batchSize` (each batch one request through
 * `lookup`, which answers counts by author id: undefined = the platform gives none, remembered like a
 * count; an id left out = not settled, asked again next time) and sets `author.followers`
 * from the cache. Rate limits and transient failures propagate, so the poller's gate retries or stops the
 * cycle as for any request (the page is read again; nothing is lost); any other failure of a lookup leaves
 * those authors unknown for this page and they are asked again next time.
 */
export const attachFollowers = async (
  cache: FollowerCache,
  observations: Observation[],
  batchSize: number,
  lookup: (ids: string[]) => Promise<Map<string, number | undefined>>,
): Promise<Observation[]> => {
  const stale = cache.stale(observations.map((o) => o.author.id));
  for (let i = 0; i < stale.length; i += batchSize) {
    const ids = stale.slice(i, i + batchSize);
    try {
      const counts = await lookup(ids);
      // An id the answer does not settle (an entry that did not parse) is asked again next time.
      for (const id of ids) if (counts.has(id)) cache.set(id, counts.get(id));
    } catch (e) {
      if (e instanceof RateLimitedError || e instanceof TransientPlatformError) throw e;
      if (e instanceof Error && e.name === 'AbortError') throw e;
    }
  }
  for (const o of observations) Object.assign(o.author, followersField(cache.get(o.author.id)));
  return observations;
};
