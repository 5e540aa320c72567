import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBudgetLedger } from '../../../functions/poll/budget-ledger';
import { DynamoPostRecords } from '../../../functions/poll/post-record-store';
import { SentFilter } from '../../../functions/poll/post-records';
import { createTables } from '../../../infra/local/engines';
import { resolveBudget } from '../../../shared/budget';
import { POST_RECORD_SHARDS, postRecordPartition } from '../../../shared/keys';
import type { Observation } from '../../../shared/observation';
import { startEngines } from './harness';

/** The ledger and the post records on dynalite: reservations never pass a limit, records round-trip. */
describe('budget ledger and post records (dynalite)', () => {
  let engines: Awaited<ReturnType<typeof startEngines>>;
  let table: string;
  beforeAll(async () => {
    engines = await startEngines();
    table = (await createTables(engines.dynamo.client, 'ledger')).state;
  });
  afterAll(() => engines.close());
  const now = Date.parse('2025-07-01T12:00:00Z');

  it('reserves up to the limit and refuses what would pass it; gives back and exhausts per period', async () => {
    const ledger = new DynamoBudgetLedger(engines.dynamo.doc, table, 'youtube');
    const [search] = resolveBudget('youtube', { quotas: { search: { limit: 10 } } }).quotas;
    if (!search) throw new Error('no quota');
    expect(await ledger.reserve(search, now, 6)).toBe(true);
    expect(await ledger.reserve(search, now, 5)).toBe(false); // 11 > 10: nothing added
    expect(await ledger.reserve(search, now, 4)).toBe(true); // exactly 10
    expect((await ledger.used([search], now)).search).toBe(10);
    await ledger.adjust(search, now, -3);
    expect((await ledger.used([search], now)).search).toBe(7);
    await ledger.exhaust(search, now);
    expect(await ledger.reserve(search, now, 1)).toBe(false);
    // the next Pacific day is a new period
    expect((await ledger.used([search], now + 86_400_000)).search).toBe(0);
  });

  it('post records round-trip, and 1,000 unchanged observations cost no send and no write', async () => {
    const records = new DynamoPostRecords(engines.dynamo.doc, table, 'mastodon');
    const obs = (i: number, minute: number): Observation => ({
      platform: 'mastodon',
      postId: `p${i}`,
      author: { id: 'a', handle: 'a@mastodon.social' },
      hashtags: ['launch'],
      publishedAt: '2025-07-01T00:00:00.000Z',
      observedAt: new Date(now + minute * 60_000).toISOString(),
      counters: { likes: i },
    });
    const first = new SentFilter(await records.load(['2025-07-01']), 'k', new Set(), false);
    expect(
      first.filter(
        Array.from({ length: 100 }, (_, i) => obs(i, 0)),
        now,
      ),
    ).toHaveLength(100);
    await records.save(first.commit());
    // later cycles read the records back and see 10 unchanged observations of each post
    const later = new SentFilter(await records.load(['2025-07-01']), 'k', new Set(), false);
    const unchanged = Array.from({ length: 1000 }, (_, j) => obs(j % 100, 5 + Math.floor(j / 100)));
    expect(later.filter(unchanged, now)).toHaveLength(0);
    expect(later.suppressed).toBe(1000);
    expect(later.commit()).toHaveLength(0); // no record write either: 0 writes per 1,000 no-ops
  });

  it('spreads a day of records over its shards and reads the legacy partition too, the later record winning', async () => {
    const records = new DynamoPostRecords(engines.dynamo.doc, table, 'x');
    const day = '2025-07-02';
    const record = (postId: string, sentAt: number) => ({
      postId,
      publishedAt: `${day}T00:00:00.000Z`,
      fp: `fp${sentAt}`,
      sentAt,
      changedAt: sentAt,
      changes: 1,
      kol: false,
    });
    await records.save(Array.from({ length: 200 }, (_, i) => record(`p${i}`, 2)));
    const written = await engines.dynamo.doc.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': `PREC#x#${day}` },
      }),
    );
    const perPartition = new Map<string, number>();
    for (const item of written.Items ?? [])
      perPartition.set(String(item.pk), (perPartition.get(String(item.pk)) ?? 0) + 1);
    expect(perPartition.size).toBe(POST_RECORD_SHARDS);
    expect(Math.max(...perPartition.values())).toBeLessThan(60);
    // Records of the unsharded layout: an older one of p1 and a newer one of p2, which wins.
    for (const [postId, sentAt] of [
      ['p1', 1],
      ['p2', 3],
    ] as const)
      await engines.dynamo.doc.send(
        new PutCommand({
          TableName: table,
          Item: { pk: postRecordPartition('x', day), sk: postId, ...record(postId, sentAt) },
        }),
      );
    const loaded = await records.load([day]);
    expect(loaded.size).toBe(200);
    expect(loaded.get('p1')?.sentAt).toBe(2);
    expect(loaded.get('p2')?.sentAt).toBe(3);
  });
});
