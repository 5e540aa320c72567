import {
  isHashedKeyPart,
  keyPart,
  type PostRecordLayout,
  postRecordGroupKey,
  unescapeKeyPart,
} from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import type { PostRecord } from './post-records';

/**
 * The packed layout of post records (docs/data-model.md, "Post records"): a post's record is one attribute
 * of its group item, named after the post (`@` + its key part) and holding a map of short fields, so a
 * write of a group saves every changed post of it, and savers of different posts never overwrite each
 * other. A record costs about 55 bytes plus its id (X: ~75 bytes) against ~230 as an item of its own.
 */

export const RECORD_ATTRIBUTE_PREFIX = '@';
/**
 * Records set by one UpdateItem: DynamoDB caps an expression at 4 KB, and each record adds about 65
 * characters to the update and condition expressions (40 x 65 = 2.6 KB).
 */
export const RECORDS_PER_UPDATE = 40;

/** A record as stored in its group item (short names: item size is write cost). */
export interface StoredRecord {
  /** publishedAt: epoch ms when it round-trips exactly, else the string. */
  t: number | string;
  f: string;
  s: number;
  /** changedAt, when it differs from sentAt (it equals it once a post has been sent twice). */
  c?: number;
  n: number;
  k?: true;
  d?: string;
  /** The post id, only when the attribute name holds a hash of it (ids over 256 bytes escaped). */
  i?: string;
}

export const recordAttributeName = (postId: string): string => `${RECORD_ATTRIBUTE_PREFIX}${keyPart(postId)}`;

export const encodeRecord = (r: PostRecord): StoredRecord => {
  const at = Date.parse(r.publishedAt);
  return {
    t: Number.isFinite(at) && new Date(at).toISOString() === r.publishedAt ? at : r.publishedAt,
    f: r.fp,
    s: r.sentAt,
    ...(r.changedAt === r.sentAt ? {} : { c: r.changedAt }),
    n: r.changes,
    ...(r.kol ? { k: true as const } : {}),
    ...(r.readDay ? { d: r.readDay } : {}),
    ...(isHashedKeyPart(keyPart(r.postId)) ? { i: r.postId } : {}),
  };
};

export const decodeRecord = (name: string, value: unknown): PostRecord | undefined => {
  if (!name.startsWith(RECORD_ATTRIBUTE_PREFIX) || typeof value !== 'object' || value === null)
    return undefined;
  const { t, f, s, c, n, k, d, i } = value as Record<string, unknown>;
  if (typeof f !== 'string' || typeof s !== 'number' || typeof n !== 'number') return undefined;
  const publishedAt = typeof t === 'number' ? new Date(t).toISOString() : t;
  if (typeof publishedAt !== 'string') return undefined;
  const part = name.slice(RECORD_ATTRIBUTE_PREFIX.length);
  const postId = typeof i === 'string' ? i : isHashedKeyPart(part) ? undefined : unescapeKeyPart(part);
  if (postId === undefined) return undefined;
  return {
    postId,
    publishedAt,
    fp: f,
    sentAt: s,
    changedAt: typeof c === 'number' ? c : s,
    changes: n,
    kol: k === true,
    ...(typeof d === 'string' ? { readDay: d } : {}),
  };
};

/** Every record packed in one group item (its other attributes are the key and the TTL). */
export const recordsOfGroupItem = (item: Record<string, unknown>): PostRecord[] => {
  const out: PostRecord[] = [];
  for (const [name, value] of Object.entries(item)) {
    const record = decodeRecord(name, value);
    if (record) out.push(record);
  }
  return out;
};

/** One UpdateItem of a group item: its key and the records it sets (at most RECORDS_PER_UPDATE). */
export interface GroupWrite {
  key: { pk: string; sk: string };
  day: string;
  records: PostRecord[];
}

/**
 * The writes that save `records`: one per group touched (more for a group with over RECORDS_PER_UPDATE
 * records, never the case at the product's group size), each post once, its latest record. The bench's
 * post-record model plans with the same function, at its own group count.
 */
export const planGroupWrites = (
  platform: Platform,
  records: readonly PostRecord[],
  layout?: PostRecordLayout,
): GroupWrite[] => {
  const latest = new Map<string, PostRecord>();
  for (const r of records) {
    const known = latest.get(r.postId);
    if (!known || known.sentAt <= r.sentAt) latest.set(r.postId, r);
  }
  const byGroup = new Map<string, GroupWrite>();
  for (const r of latest.values()) {
    const key = postRecordGroupKey(platform, r.publishedAt, r.postId, layout);
    const id = `${key.pk}\u0000${key.sk}`;
    const write = byGroup.get(id) ?? { key, day: r.publishedAt.slice(0, 10), records: [] };
    byGroup.set(id, write);
    write.records.push(r);
  }
  const out: GroupWrite[] = [];
  for (const write of byGroup.values())
    for (let i = 0; i < write.records.length; i += RECORDS_PER_UPDATE)
      out.push({ ...write, records: write.records.slice(i, i + RECORDS_PER_UPDATE) });
  return out;
};
