import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { kolDayKey, markerAttribute } from '../../shared/keys';
import { mapPool } from '../lib/stats';

/**
 * The raw rate at which dynalite (through the same SDK client and HTTP path the pipeline uses) accepts
 * conditional counter updates shaped like rollup writes: ADD counters, SET a per-post marker, condition on the
 * marker, index attributes maintained. It is the ceiling for the pipeline's throughput on this machine.
 */

export interface CeilingResult {
  writes: number;
  concurrency: number;
  seconds: number;
  writesPerSecond: number;
  conditionFailures: number;
}

export const measureDynaliteCeiling = async (options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  writes: number;
  concurrency: number;
}): Promise<CeilingResult> => {
  const { doc, tableName, writes, concurrency } = options;
  const items = 2_000;
  const day = '2026-11-11';
  const write = async (i: number): Promise<boolean> => {
    const kolId = `kol-${i % items}`;
    const key = kolDayKey('ceiling', kolId, day, 'x');
    const marker = markerAttribute('x', `post-${i % 50}`);
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression:
            'SET gsi1pk = :gpk, gsi1sk = :gsk, #m = :rev ADD mentions :one, likes :likes, shares :shares, comments :comments',
          ConditionExpression: 'attribute_not_exists(#m) OR #m < :rev',
          ExpressionAttributeNames: { '#m': marker },
          ExpressionAttributeValues: {
            ':gpk': key.gsi1pk,
            ':gsk': key.gsi1sk,
            ':rev': i,
            ':one': 1,
            ':likes': 3,
            ':shares': 1,
            ':comments': 1,
          },
        }),
      );
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  };
  // Warm up connections and the LevelDB store.
  await mapPool(
    Array.from({ length: Math.min(500, writes) }, (_, i) => i),
    concurrency,
    (i) => write(i),
  );
  const started = performance.now();
  const outcomes = await mapPool(
    Array.from({ length: writes }, (_, i) => 1_000 + i),
    concurrency,
    (i) => write(i),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    writes,
    concurrency,
    seconds,
    writesPerSecond: writes / seconds,
    conditionFailures: outcomes.filter((ok) => !ok).length,
  };
};
