import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  QUARANTINE_PARTITION,
  quarantineKey,
  replayMarkerAttribute,
  rollupBucketSk,
} from '../../shared/keys';
import { RollupChangeSchema } from './post-state';
import { isClosedBucket, isConditionalCheckFailed, markersRead, rollupUpdate } from './rollup-update';
import type { PostRef, RejectedChange } from './store';

/**
 * Quarantine of rollup changes DynamoDB rejects for good (docs/data-model.md, "Quarantine"): one record
 * per rejected change in the state table, under `QUARANTINE`, so the post and every other change go on.
 * A replay (scripts/quarantine.ts, after the cause is fixed) applies the change exactly once with a marker
 * of its own, walking the item's bucket chain like any change, then deletes the record.
 */

const ERROR_CHARS = 1_000;

export const quarantineRecord = (post: PostRef, rev: number, rejected: RejectedChange, now: number) => {
  const { contribution, item, error } = rejected;
  return {
    ...quarantineKey(post.platform, post.postId, rev, item),
    kind: 'quarantine',
    platform: post.platform,
    postId: post.postId,
    rev,
    item,
    changes: contribution.changes,
    delta: contribution.delta,
    error: `${error.name}: ${error.message}`.slice(0, ERROR_CHARS),
    quarantinedAt: new Date(now).toISOString(),
  };
};

export const QuarantineRecordSchema = z.object({
  pk: z.literal(QUARANTINE_PARTITION),
  sk: z.string(),
  platform: z.string(),
  postId: z.string(),
  rev: z.number(),
  item: z.object({ pk: z.string(), sk: z.string() }),
  changes: z.array(RollupChangeSchema).min(1),
  delta: RollupChangeSchema.shape.delta,
  error: z.string(),
  quarantinedAt: z.string(),
});
export type QuarantineRecord = z.infer<typeof QuarantineRecordSchema>;

export const listQuarantine = async (doc: DynamoDBDocumentClient, stateTable: string) => {
  const records: QuarantineRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: stateTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': QUARANTINE_PARTITION },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) records.push(QuarantineRecordSchema.parse(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return records;
};

const REPLAY_ATTEMPTS = 10;

/**
 * Applies one quarantined change to its item's bucket chain exactly once, then deletes the record. Walks
 * from bucket 0: the replay marker present → applied already; bucket open → conditional write there;
 * closed → next bucket (a closed bucket never takes a write again, so every replay of the record walks
 * past the same buckets and meets either its marker or the first open bucket). Throws while DynamoDB still
 * rejects the change.
 */
export const replayQuarantined = async (
  doc: DynamoDBDocumentClient,
  tables: { state: string; rollups: string },
  record: QuarantineRecord,
  bucketOpen: number,
): Promise<void> => {
  const [first] = record.changes;
  if (!first) return;
  const marker = replayMarkerAttribute(record.sk);
  const contribution = new Map([[marker, { rev: 1, delta: record.delta }]]);
  for (let bucket = 0, attempts = 0; ; attempts++) {
    if (attempts >= REPLAY_ATTEMPTS + bucket) throw new Error(`replay of ${record.sk}: bucket kept changing`);
    const key = { pk: first.pk, sk: rollupBucketSk(first.sk, bucket) };
    const current = (await doc.send(new GetCommand(markersRead(tables.rollups, key, [marker])))).Item;
    if (current?.[marker] !== undefined) break;
    if (isClosedBucket(current)) {
      bucket++;
      continue;
    }
    try {
      const unit = { ...key, attrs: first.attrs, open: bucketOpen };
      await doc.send(new UpdateCommand(rollupUpdate(tables.rollups, unit, contribution)));
      break;
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw e;
    }
  }
  await doc.send(new DeleteCommand({ TableName: tables.state, Key: { pk: record.pk, sk: record.sk } }));
};
