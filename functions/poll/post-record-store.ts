import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { forEachLimited } from '../../shared/batches';
import {
  POST_RECORD_GROUP_PREFIX,
  POST_RECORD_LAYOUT,
  type PostRecordLayout,
  postRecordPartitions,
} from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import type { Day } from '../../shared/time';
import {
  encodeRecord,
  type GroupWrite,
  planGroupWrites,
  recordAttributeName,
  recordsOfGroupItem,
} from './post-record-groups';
import type { PostRecord, PostRecordStore } from './post-records';

/** Records stay a day past the longest tracking window, then DynamoDB's TTL removes them. */
const KEEP_SECONDS = 91 * 86_400;
const DAY_SECONDS = 86_400;
/** Group writes in flight at once. */
const WRITE_CONCURRENCY = 8;
/** Calls per group write when other savers keep moving a record forward under it. */
const ATTEMPTS = 3;

/** The later record of a post counts (the legacy and packed layouts can both hold one). */
const keepLater = (out: Map<string, PostRecord>, record: PostRecord): void => {
  const known = out.get(record.postId);
  if (!(known && known.sentAt > record.sentAt)) out.set(record.postId, record);
};

/**
 * Post records in the state table, packed in group items (post-record-groups.ts). Loading reads the packed
 * groups and both earlier layouts (one item per post, sharded or not); saving writes groups only.
 */
export class DynamoPostRecords implements PostRecordStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly platform: Platform,
    /** The product's layout; tests and the bench's calibration pack differently. */
    private readonly layout: PostRecordLayout = POST_RECORD_LAYOUT,
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
            for (const item of page.Items ?? []) for (const r of recordsOfItem(item)) keepLater(out, r);
            startKey = page.LastEvaluatedKey;
          } while (startKey);
        }),
    );
    return out;
  }

  /**
   * One UpdateItem per touched group, setting each record as its own attribute, on condition that no
   * record of it moves backwards (a stored one with a later `sentAt` wins). A failed condition means an
   * overlapping invocation saved a later record: the group is read again and the write retried without
   * the records it superseded. A record left unwritten leaves the older one (docs/data-model.md, "Post
   * records").
   */
  async save(records: readonly PostRecord[]): Promise<void> {
    const errors: unknown[] = [];
    await forEachLimited(
      planGroupWrites(this.platform, records, this.layout),
      WRITE_CONCURRENCY,
      async (write) => {
        try {
          await this.saveGroup(write);
        } catch (e) {
          errors.push(e);
        }
      },
    );
    if (errors.length > 0) throw errors[0];
  }

  private async saveGroup(write: GroupWrite): Promise<void> {
    let records = write.records;
    for (let attempt = 0; records.length > 0 && attempt < ATTEMPTS; attempt++) {
      try {
        await this.doc.send(new UpdateCommand(groupUpdate(this.tableName, write, records)));
        return;
      } catch (e) {
        if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
        const stored = await this.readGroup(write.key);
        records = records.filter((r) => (stored.get(r.postId)?.sentAt ?? r.sentAt) <= r.sentAt);
      }
    }
  }

  private async readGroup(key: { pk: string; sk: string }): Promise<Map<string, PostRecord>> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND sk = :s',
        ExpressionAttributeValues: { ':p': key.pk, ':s': key.sk },
        ConsistentRead: true,
      }),
    );
    return new Map(recordsOfGroupItem(page.Items?.[0] ?? {}).map((r) => [r.postId, r]));
  }
}

/** Records of an item of any layout: a group item's, or the one of a legacy one-item-per-post record. */
const recordsOfItem = (item: Record<string, unknown>): PostRecord[] => {
  if (String(item.sk ?? '').startsWith(POST_RECORD_GROUP_PREFIX)) return recordsOfGroupItem(item);
  const legacy = legacyRecordOf(item);
  return legacy ? [legacy] : [];
};

/** The group's TTL: a day past the longest tracking window after the end of its publish day. */
export const groupExpiresAt = (day: Day): number => Date.parse(day) / 1000 + DAY_SECONDS + KEEP_SECONDS;

/** The UpdateItem of one group write (the bench's post-record model sizes the same attributes). */
export const groupUpdate = (tableName: string, write: GroupWrite, records: readonly PostRecord[]) => {
  const names: Record<string, string> = { '#e': 'expiresAt', '#s': 's' };
  const values: Record<string, unknown> = { ':e': groupExpiresAt(write.day) };
  const sets = ['#e = :e'];
  const conditions: string[] = [];
  records.forEach((r, i) => {
    names[`#r${i}`] = recordAttributeName(r.postId);
    values[`:r${i}`] = encodeRecord(r);
    values[`:s${i}`] = r.sentAt;
    sets.push(`#r${i} = :r${i}`);
    conditions.push(`(attribute_not_exists(#r${i}) OR #r${i}.#s <= :s${i})`);
  });
  return {
    TableName: tableName,
    Key: write.key,
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
};

const legacyRecordOf = (item: Record<string, unknown>): PostRecord | undefined => {
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
