import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainFolder } from '../../../functions/aggregate/fold';
import type { RollupChange } from '../../../functions/aggregate/post-state';
import { rollupBucketSk, voiceDayKey } from '../../../shared/keys';
import { visibleRollupItems } from '../../../shared/rollup-chains';
import { withDynamo } from '../../support/engines';
import { type Dynamo, freshTables, instrument } from './harness';

const DAY = '2026-03-06';
const key = voiceDayKey('launch', 'x', 'x-bot', DAY);
const change: RollupChange = {
  pk: key.pk,
  sk: key.sk,
  attrs: {
    campaignId: 'launch',
    platform: 'x',
    day: DAY,
    kind: 'voice',
    userId: 'x-bot',
    handle: 'bot',
    gsi1pk: key.gsi1pk,
    gsi1sk: key.gsi1sk,
  },
  delta: {},
};

/**
 * Folding closed buckets against the engine: whatever stage a fold stopped at, and however many folders
 * race, the rows a reader keeps (`visibleRollupItems` over the byDay index) sum to the chain's figures.
 */
describe('Aggregate: folding closed buckets', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  /** Buckets 0..n-1 of one voice day, `closed` of them closed, bucket b holding likes 10·(b+1), views on even ones. */
  const seedChain = async (table: string, buckets: number, closed: number) => {
    for (let b = 0; b < buckets; b++) await writeBucket(table, b, b < closed);
  };
  const writeBucket = (table: string, b: number, closed: boolean) =>
    dynamo.doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: change.pk, sk: rollupBucketSk(change.sk, b) },
        UpdateExpression:
          'SET gsi1pk = :gpk, gsi1sk = :gsk, kind = :kind, mentions = :m, likes = :l, shares = :z, comments = :z, mk = :mk, mkOpen = :open' +
          (b % 2 === 0 ? ', #views = :v' : ''),
        ExpressionAttributeNames: b % 2 === 0 ? { '#views': 'views' } : undefined,
        ExpressionAttributeValues: {
          ':gpk': key.gsi1pk,
          ':gsk': key.gsi1sk,
          ':kind': 'voice',
          ':m': 1,
          ':l': 10 * (b + 1),
          ':z': 0,
          ':mk': closed ? 61 : 5,
          ':open': 60,
          ...(b % 2 === 0 ? { ':v': 100 } : {}),
        },
      }),
    );
  const indexRows = async (table: string) =>
    (
      await dynamo.doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'byDay',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': key.gsi1pk },
        }),
      )
    ).Items ?? [];
  const visibleSum = async (table: string) => {
    const rows = visibleRollupItems(await indexRows(table));
    return {
      likes: rows.reduce((n, r) => n + Number(r.likes), 0),
      views: rows.reduce((n, r) => n + (typeof r.views === 'number' ? r.views : 0), 0),
    };
  };
  const expectedSum = (buckets: number) => ({
    likes: Array.from({ length: buckets }, (_, b) => 10 * (b + 1)).reduce((a, b) => a + b, 0),
    views: Array.from({ length: buckets }, (_, b) => (b % 2 === 0 ? 100 : 0)).reduce<number>(
      (a, b) => a + b,
      0,
    ),
  });

  it('folds the closed prefix once when folders race, and stops at the first open bucket', async () => {
    const { rollups } = await freshTables(dynamo);
    await seedChain(rollups, 5, 4);
    await Promise.all([
      new ChainFolder(dynamo.doc, rollups).fold(change, 4),
      new ChainFolder(dynamo.doc, rollups).fold(change, 3),
    ]);
    const rows = await indexRows(rollups);
    expect(rows.map((r) => r.sk).filter((sk) => String(sk).includes('#f'))).toEqual([`${DAY}#f000003`]);
    expect(await visibleSum(rollups)).toEqual(expectedSum(5));

    // The next closure, then a fold finding nothing new: each retires the folds and buckets the latest covers.
    await writeBucket(rollups, 4, true);
    await writeBucket(rollups, 5, false);
    await new ChainFolder(dynamo.doc, rollups).fold(change, 4);
    await new ChainFolder(dynamo.doc, rollups).fold(change, 5);
    const after = (await indexRows(rollups)).map((r) => String(r.sk)).sort();
    expect(after).toEqual([`${DAY}#b5`, `${DAY}#f000004`]);
    expect(await visibleSum(rollups)).toEqual(expectedSum(6));
  });

  it('counts every figure once whichever write a crashed fold stopped after, and the next fold completes it', async () => {
    for (let crashAfter = 0; crashAfter <= 6; crashAfter++) {
      const { rollups } = await freshTables(dynamo);
      await seedChain(rollups, 7, 3);
      await new ChainFolder(dynamo.doc, rollups).fold(change, 2);
      for (const b of [3, 4, 5]) await writeBucket(rollups, b, true);
      const crashing = instrument(dynamo.doc, { crashAfterWrites: crashAfter, lostResponse: true });
      await new ChainFolder(crashing.doc, rollups).fold(change, 5).catch(() => undefined);
      expect(await visibleSum(rollups)).toEqual(expectedSum(7));
      await new ChainFolder(dynamo.doc, rollups).fold(change, 5);
      await new ChainFolder(dynamo.doc, rollups).fold(change, 6); // bucket 6 is open: retires, folds nothing
      expect(await visibleSum(rollups)).toEqual(expectedSum(7));
      const indexed = (await indexRows(rollups)).map((r) => String(r.sk)).sort();
      expect(indexed).toEqual([`${DAY}#b6`, `${DAY}#f000005`].sort());
    }
  });
});
