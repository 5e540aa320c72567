import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollupReader } from '../../../functions/report/queries';
import { kolDayKey, kolWeekKey, rollupBucketSk, totalDayKey, voiceDayKey } from '../../../shared/keys';
import { rollupFoldSk } from '../../../shared/rollup-chains';
import { withDynamo } from '../../support/engines';

type Dynamo = Awaited<ReturnType<typeof withDynamo>>;

/**
 * A logical rollup item is its base item plus buckets `{sk}#b{n}` with the same index keys: every reader
 * must see the buckets inside its ranges and sum them with the base, never take one row per day.
 */
describe('Report readers sum the bucket rows of one logical item', () => {
  let dynamo: Dynamo;
  let reader: RollupReader;
  beforeAll(async () => {
    dynamo = await withDynamo();
    reader = new RollupReader({ doc: dynamo.doc, tableName: dynamo.tables.rollups });
    const put = async (key: { pk: string; sk: string; gsi1pk: string; gsi1sk: string }, likes: number) => {
      for (const [bucket, share] of [
        [0, likes],
        [1, 10 * likes],
        [12, 100 * likes],
      ] as const) {
        await dynamo.doc.send(
          new PutCommand({
            TableName: dynamo.tables.rollups,
            Item: {
              ...key,
              sk: rollupBucketSk(key.sk, bucket),
              mentions: 1,
              likes: share,
              shares: 0,
              comments: 0,
              handle: 'bot',
              m_x: 1,
            },
          }),
        );
      }
    };
    await put(kolDayKey('c', 'ada', '2026-03-06', 'x'), 1);
    await put(kolDayKey('c', 'ada', '2026-03-07', 'bluesky'), 2);
    await put(kolWeekKey('c', 'ada', '2026-03-02', 'x'), 3);
    await put(voiceDayKey('c', 'x', 'x-bot', '2026-03-06'), 4);
    await put(voiceDayKey('c', 'x', 'x-bot', '2026-03-07'), 5);
    await put(totalDayKey('c', '2026-03-06', 'x', 2), 6);
    await put(totalDayKey('c', '2026-03-07', 'x', 2), 7);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const sum = (rows: { tally: { likes: number } }[]) => rows.reduce((n, r) => n + r.tally.likes, 0);

  it('KOL series: a day range holds every bucket of its days, parsed as that day and platform', async () => {
    const rows = await reader.kolSeries('c', 'ada', '2026-03-06', '2026-03-06');
    expect(rows.map((r) => [r.day, r.platform])).toEqual([
      ['2026-03-06', 'x'],
      ['2026-03-06', 'x'],
      ['2026-03-06', 'x'],
    ]);
    expect(sum(rows)).toBe(111);
  });

  it('leaderboard week and day partitions, voices and totals sum all buckets', async () => {
    const week = await reader.kolRange('c', '2026-03-02', '2026-03-08');
    expect(week.every((r) => r.kolId === 'ada' && r.platform === 'x')).toBe(true);
    expect(sum(week)).toBe(333);
    const day = await reader.kolRange('c', '2026-03-07', '2026-03-07');
    expect(sum(day)).toBe(222);
    const voices = await reader.voiceDays('c', ['2026-03-06', '2026-03-07'], 'x');
    expect(new Set(voices.map((v) => v.voiceKey))).toEqual(new Set(['x#x-bot']));
    expect(sum(voices)).toBe(444 + 555);
    const totals = await reader.totals('c', '2026-03-07', '2026-03-07');
    expect(totals.map((r) => r.day)).toEqual(['2026-03-07', '2026-03-07', '2026-03-07']);
    expect(sum(totals)).toBe(777);
  });

  it('index partitions read without pk still keep each logical item to its own fold', async () => {
    const putRow = (
      key: { pk: string; sk: string; gsi1pk: string; gsi1sk: string },
      sk: string,
      likes: number,
    ) =>
      dynamo.doc.send(
        new PutCommand({
          TableName: dynamo.tables.rollups,
          Item: { ...key, sk, mentions: 1, likes, shares: 0, comments: 0, handle: 'h', m_x: 1 },
        }),
      );
    // ada's chain: fold f1 holds buckets 0 and 1, bucket 2 came after; bob's chain has the same sort key, no fold.
    for (const key of [
      voiceDayKey('f', 'x', 'ada', '2026-03-06'),
      kolWeekKey('f', 'ada', '2026-03-02', 'x'),
    ]) {
      await putRow(key, key.sk, 1);
      await putRow(key, rollupBucketSk(key.sk, 1), 2);
      await putRow(key, rollupFoldSk(key.sk, 1), 3);
      await putRow(key, rollupBucketSk(key.sk, 2), 4);
    }
    for (const key of [
      voiceDayKey('f', 'x', 'bob', '2026-03-06'),
      kolWeekKey('f', 'bob', '2026-03-02', 'x'),
    ]) {
      await putRow(key, key.sk, 10);
      await putRow(key, rollupBucketSk(key.sk, 1), 20);
    }
    const byItem = (rows: { tally: { likes: number } }[], idOf: (row: never) => string) => {
      const sums = new Map<string, number>();
      for (const row of rows)
        sums.set(idOf(row as never), (sums.get(idOf(row as never)) ?? 0) + row.tally.likes);
      return Object.fromEntries(sums);
    };
    const voices = await reader.voiceDays('f', ['2026-03-06']);
    expect(byItem(voices, (r: { voiceKey: string }) => r.voiceKey)).toEqual({ 'x#ada': 7, 'x#bob': 30 });
    const week = await reader.kolRange('f', '2026-03-02', '2026-03-08');
    expect(byItem(week, (r: { kolId: string }) => r.kolId)).toEqual({ ada: 7, bob: 30 });
  });
});
