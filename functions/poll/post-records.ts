import { createHash } from 'node:crypto';
import { normalizeHandle } from '../../shared/config';
import type { Observation } from '../../shared/observation';
import { type Day, dayOf } from '../../shared/time';

/**
 * The poller's own record of a tracked post: what it last SENT (a fingerprint of counters, hashtags, author
 * and the campaign set), when that was observed, how often the counters changed, and (X) the UTC day it was
 * last read. It is written only when an observation is sent or on a post's first read of a UTC day (X), so
 * an unchanged refresh costs no write at all.
 */
export interface PostRecord {
  postId: string;
  publishedAt: string;
  /** Fingerprint of the last observation sent. */
  fp: string;
  /** observedAt (epoch ms) of the last observation sent. */
  sentAt: number;
  /**
   * When the counters were last seen changing: the observedAt of a sent observation that differed from an
   * earlier one; for a post's first observation, its publish time (a first sighting is no sign of motion).
   */
  changedAt: number;
  /** Observations sent (changes seen, the first one included). */
  changes: number;
  /** The author is on a campaign roster. */
  kol: boolean;
  /** X: UTC day of the last read (reads of one post in one UTC day are charged once). */
  readDay?: Day;
}

export interface PostRecordStore {
  /** Records of the posts published on these UTC days, by post id. */
  load(days: readonly Day[]): Promise<Map<string, PostRecord>>;
  /** Saves records; a stored record of the same post with a later `sentAt` is kept (never moves backwards). */
  save(records: readonly PostRecord[]): Promise<void>;
}

/**
 * The fingerprint of what the aggregate reads from an observation: counters (absent ≠ 0), hashtags and
 * author (which decide a first association), and the campaign set, so a configuration change sends every
 * post once more.
 */
export const fingerprintOf = (o: Observation, campaignsKey: string): string =>
  createHash('sha1')
    .update(
      JSON.stringify([
        o.counters.likes ?? null,
        o.counters.shares ?? null,
        o.counters.comments ?? null,
        o.counters.views ?? null,
        [...o.hashtags].sort(),
        o.author.id,
        o.author.handle,
        campaignsKey,
      ]),
    )
    .digest('base64url')
    .slice(0, 16);

/** Observations of one cycle filtered against the records, and the record updates to save after sending. */
export class SentFilter {
  readonly updates = new Map<string, PostRecord>();
  suppressed = 0;

  constructor(
    private readonly records: Map<string, PostRecord>,
    private readonly campaignsKey: string,
    private readonly roster: ReadonlySet<string>,
    private readonly trackReads: boolean,
  ) {}

  /** Takes the record updates to save (after their observations are on the queue). */
  commit(): PostRecord[] {
    const updates = [...this.updates.values()];
    for (const r of updates) this.records.set(r.postId, r);
    this.updates.clear();
    return updates;
  }

  record(postId: string): PostRecord | undefined {
    return this.updates.get(postId) ?? this.records.get(postId);
  }

  /** Reads that are charged: posts not yet read this UTC day (each once). */
  unreadToday(postIds: readonly string[], now: number): number {
    const today = dayOf(now, 'UTC');
    return new Set(postIds.filter((id) => this.record(id)?.readDay !== today)).size;
  }

  /**
   * Keeps, in time order, the observations whose fingerprint differs from the last one sent for the post,
   * or that are not newer than it (an older snapshot may fall on an earlier day and must reach the
   * aggregate). A post's first observation always goes.
   */
  filter(observations: readonly Observation[], now: number): Observation[] {
    const today = dayOf(now, 'UTC');
    const keep: Observation[] = [];
    const sorted = [...observations].sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt));
    for (const o of sorted) {
      const at = Date.parse(o.observedAt);
      const fp = fingerprintOf(o, this.campaignsKey);
      const last = this.record(o.postId);
      const readDay = this.trackReads ? today : undefined;
      if (last && last.fp === fp && at >= last.sentAt) {
        this.suppressed++;
        if (readDay && last.readDay !== readDay) this.updates.set(o.postId, { ...last, readDay });
        continue;
      }
      keep.push(o);
      if (last && at < last.sentAt) continue; // an older snapshot: the record keeps the newer one
      this.updates.set(o.postId, {
        postId: o.postId,
        publishedAt: new Date(o.publishedAt).toISOString(),
        fp,
        sentAt: at,
        changedAt: last ? at : Date.parse(o.publishedAt),
        changes: (last?.changes ?? 0) + 1,
        kol: this.roster.has(normalizeHandle(o.author.handle)) || this.roster.has(o.author.id),
        ...(readDay ? { readDay } : {}),
      });
    }
    return keep;
  }
}

/** The same store in memory (tests, bench). */
export class MemoryPostRecords implements PostRecordStore {
  readonly items = new Map<string, PostRecord>();
  async load(days: readonly Day[]) {
    return new Map([...this.items].filter(([, r]) => days.includes(r.publishedAt.slice(0, 10))));
  }
  /** As the DynamoDB store: a stored record with a later `sentAt` is kept. */
  async save(records: readonly PostRecord[]) {
    for (const r of records) {
      const known = this.items.get(r.postId);
      if (!known || known.sentAt <= r.sentAt) this.items.set(r.postId, structuredClone(r));
    }
  }
}
