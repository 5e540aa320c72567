import { createHash } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { normalizeHandle } from '../../shared/config';
import { postRecordKey, postRecordPartitions } from '../../shared/keys';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
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

/** Records stay a day past the longest tracking window, then DynamoDB's TTL removes them. */
const KEEP_SECONDS = 91 * 86_400;
const BATCH = 25;

export class DynamoPostRecords implements PostRecordStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly platform: Platform,
  ) {}

  async load(days: readonly Day[]): Promise<Map<string, PostRecord>> {
    const out = new Map<string, PostRecord>();
    await Promise.all(
      days
        .flatMap((day) => postRecordPartitions(this.platform, day))
        .map(async (partition) => {
          let startKey: Record<string, unknown> | undefined;
          do {
            const page = await this.doc.send(
              new QueryCommand({
                TableName: this.tableName,
                KeyConditionExpression: 'pk = :p',
                ExpressionAttributeValues: { ':p': partition },
                ExclusiveStartKey: startKey,
              }),
            );
            for (const item of page.Items ?? []) {
              const record = toRecord(item);
              // A post written before the spread has a record in the legacy partition too: the later one counts.
              const known = record && out.get(record.postId);
              if (record && !(known && known.sentAt > record.sentAt)) out.set(record.postId, record);
            }
            startKey = page.LastEvaluatedKey;
          } while (startKey);
        }),
    );
    return out;
  }

  async save(records: readonly PostRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += BATCH) {
      let requests = records.slice(i, i + BATCH).map((r) => ({
        PutRequest: {
          Item: {
            ...postRecordKey(this.platform, r.publishedAt, r.postId),
            kind: 'post-record',
            ...r,
            expiresAt: Math.floor(Date.parse(r.publishedAt) / 1000) + KEEP_SECONDS,
          },
        },
      }));
      for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
        const result = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
      // Records left unwritten only cost a re-send of an unchanged observation next time: harmless.
    }
  }
}

const toRecord = (item: Record<string, unknown>): PostRecord | undefined => {
  const { postId, publishedAt, fp, sentAt, changedAt, changes, kol, readDay } = item;
  if (typeof postId !== 'string' || typeof publishedAt !== 'string' || typeof fp !== 'string')
    return undefined;
  if (typeof sentAt !== 'number') return undefined;
  return {
    postId,
    publishedAt,
    fp,
    sentAt,
    changedAt: typeof changedAt === 'number' ? changedAt : sentAt,
    changes: typeof changes === 'number' ? changes : 1,
    kol: kol === true,
    ...(typeof readDay === 'string' ? { readDay } : {}),
  };
};

/** The same store in memory (tests, bench). */
export class MemoryPostRecords implements PostRecordStore {
  readonly items = new Map<string, PostRecord>();
  async load(days: readonly Day[]) {
    return new Map([...this.items].filter(([, r]) => days.includes(r.publishedAt.slice(0, 10))));
  }
  async save(records: readonly PostRecord[]) {
    for (const r of records) this.items.set(r.postId, structuredClone(r));
  }
}
