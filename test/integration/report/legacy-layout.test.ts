import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportHandler } from '../../../functions/report/app';
import { RollupReader } from '../../../functions/report/queries';
import { TotalsResponseSchema } from '../../../functions/report/schemas';
import { parseConfig } from '../../../shared/config';
import {
  legacyTotalIndexPartition,
  legacyTotalPartition,
  rollupBucketSk,
  totalDayKey,
} from '../../../shared/keys';
import { rollupFoldSk } from '../../../shared/rollup-chains';
import { withDynamo } from '../../support/engines';
import { silentLogger } from '../aggregate/harness';
import { get } from './fixtures';

/**
 * A stack deployed before the totals were spread holds total shards under one partition (`C#{c}#T`, index
 * `C#{c}#TD`). Those items stay counted: the totals route reads the per-platform index partitions and the
 * legacy one, and rows of one shard-day from both layouts add up.
 */
const config = parseConfig({
  campaigns: [{ id: 'c', name: 'C', hashtags: ['#C'], start: '2026-03-01', timeZone: 'UTC' }],
});
const DAY = '2026-03-06';

describe('Totals across the legacy and the spread layout', () => {
  let dynamo: Awaited<ReturnType<typeof withDynamo>>;
  beforeAll(async () => {
    dynamo = await withDynamo();
    const put = (key: { pk: string; sk: string; gsi1pk: string; gsi1sk: string }, likes: number) =>
      dynamo.doc.send(
        new PutCommand({
          TableName: dynamo.tables.rollups,
          Item: { ...key, kind: 'total', mentions: 1, likes, shares: 0, comments: 0, m_x: 1 },
        }),
      );
    const legacy = (sk: string) => ({
      pk: legacyTotalPartition('c'),
      sk,
      gsi1pk: legacyTotalIndexPartition('c'),
      gsi1sk: sk,
    });
    // Arrange: shard 2 of x on DAY in both layouts (the legacy one with a second bucket), bluesky only new.
    const spread = totalDayKey('c', DAY, 'x', 2);
    await put(spread, 6);
    await put({ ...spread, sk: rollupBucketSk(spread.sk, 1) }, 60);
    await put(legacy(`${DAY}#x#2`), 40);
    await put({ ...legacy(`${DAY}#x#2`), sk: rollupBucketSk(`${DAY}#x#2`, 1) }, 400);
    await put(legacy(`${DAY}#bluesky#0`), 2000);
    await put(totalDayKey('c', DAY, 'bluesky', 0), 3);
    await put(totalDayKey('c', '2026-03-07', 'x', 1), 7); // outside the range read below
  });
  afterAll(() => dynamo.close());

  it('uses one partition key per (platform, shard) and one index partition per platform', () => {
    const key = totalDayKey('c', DAY, 'x', 2);
    expect(key).toEqual({
      pk: 'C#c#T#x#2',
      sk: `${DAY}#x#2`,
      gsi1pk: 'C#c#TD#x',
      gsi1sk: `${DAY}#x#2`,
    });
    expect(legacyTotalPartition('c')).toBe('C#c#T');
    expect(legacyTotalIndexPartition('c')).toBe('C#c#TD');
  });

  it('the reader sums rows of both layouts, for all platforms and for one', async () => {
    const reader = new RollupReader({ doc: dynamo.doc, tableName: dynamo.tables.rollups });
    const likes = (rows: { tally: { likes: number } }[]) => rows.reduce((n, r) => n + r.tally.likes, 0);
    expect(likes(await reader.totals('c', DAY, DAY))).toBe(6 + 60 + 40 + 400 + 2000 + 3);
    const x = await reader.totals('c', DAY, DAY, 'x');
    expect(x.every((r) => r.platform === 'x' && r.day === DAY)).toBe(true);
    expect(likes(x)).toBe(506);
    expect(likes(await reader.totals('c', DAY, DAY, 'bluesky'))).toBe(2003);
  });

  it('counts a legacy chain once when its fold row is indexed under the new partition (folded rows not yet unindexed)', async () => {
    // Arrange: a legacy chain of campaign 'd' folded through bucket 1; the fold row's index keys were rebuilt
    // with the new builders (an outbox stored in compact form before the spread), its buckets not yet unindexed.
    const reader = new RollupReader({ doc: dynamo.doc, tableName: dynamo.tables.rollups });
    const sk = `${DAY}#x#2`;
    const row = (rowSk: string, gsi1pk: string, likes: number) =>
      dynamo.doc.send(
        new PutCommand({
          TableName: dynamo.tables.rollups,
          Item: {
            pk: legacyTotalPartition('d'),
            sk: rowSk,
            gsi1pk,
            gsi1sk: sk,
            mentions: 1,
            likes,
            shares: 0,
            comments: 0,
          },
        }),
      );
    await row(sk, legacyTotalIndexPartition('d'), 40);
    await row(rollupBucketSk(sk, 1), legacyTotalIndexPartition('d'), 400);
    await row(rollupFoldSk(sk, 1), totalDayKey('d', DAY, 'x', 2).gsi1pk, 440);
    await row(rollupBucketSk(sk, 2), legacyTotalIndexPartition('d'), 4000);
    // Act
    const rows = await reader.totals('d', DAY, DAY);
    // Assert: the fold (buckets 0..1) and bucket 2, never the folded buckets again.
    expect(rows.reduce((n, r) => n + r.tally.likes, 0)).toBe(4440);
  });

  it('the totals route reports the sum of both layouts', async () => {
    const report = createReportHandler({
      config,
      doc: dynamo.doc,
      rollupsTable: dynamo.tables.rollups,
      logger: silentLogger(),
      now: () => Date.parse('2026-03-08T00:00:00Z'),
    });
    const all = TotalsResponseSchema.parse(
      (await get(report, `/campaigns/c/totals?from=${DAY}&to=2026-03-07`)).json(),
    );
    expect(all.days.map((d) => [d.day, d.likes])).toEqual([
      [DAY, 2509],
      ['2026-03-07', 7],
    ]);
    expect(all.days[0]?.mentions).toBe(6);
    const x = TotalsResponseSchema.parse(
      (await get(report, `/campaigns/c/totals?from=${DAY}&to=${DAY}&platform=x`)).json(),
    );
    expect(x.summary.likes).toBe(506);
  });
});
