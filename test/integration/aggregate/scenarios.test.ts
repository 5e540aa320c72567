import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config';
import {
  kolDayKey,
  MARKER_PREFIX,
  postStateKey,
  TOTAL_SHARDS,
  totalPartition,
  totalShardOf,
} from '../../../shared/keys';
import type { Observation } from '../../../shared/observation';
import { withDynamo } from '../../support/engines';
import {
  makeMessage,
  makeObservation,
  makeSqsEvent,
  makeSqsRecord,
  readRollups,
} from '../../support/observations';
import { computeOracle } from '../../support/oracle';
import { aggregateHandler, type Dynamo, deliverAll, freshTables, instrument } from './harness';

const config = parseConfig({
  campaigns: [
    {
      id: 'launch',
      name: 'Launch',
      hashtags: ['NextIdea'],
      start: '2026-03-01',
      end: '2026-03-31',
      kols: [{ id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'AdaTech', userId: 'x-100' }] }],
    },
    {
      id: 'ny',
      name: 'New York',
      hashtags: ['BrandDay'],
      timeZone: 'America/New_York',
      start: '2026-03-01',
      kols: [{ id: 'cy', name: 'Cy', accounts: [{ platform: 'mastodon', handle: 'cy@nyc.example' }] }],
    },
  ],
});
const NOW = Date.parse('2026-04-01T00:00:00Z');

const ada = (observedAt: string, counters: Observation['counters'], postId = 'p1'): Observation =>
  makeObservation({
    platform: 'x',
    postId,
    author: { id: 'x-100', handle: 'AdaTech' },
    hashtags: ['#nextidea'],
    publishedAt: '2026-03-05T08:00:00Z',
    observedAt,
    counters,
  });

describe('Aggregate: scenarios', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const deliver = async (batches: Observation[][][]) => {
    const tables = await freshTables(dynamo);
    const handler = aggregateHandler(dynamo.doc, tables, config, NOW);
    await deliverAll(
      handler,
      batches.map((batch) => batch.map((message) => makeSqsRecord(makeMessage(message)))),
    );
    return { tables, rollups: await readRollups(dynamo.doc, tables.rollups) };
  };

  it('a late snapshot of an earlier day moves the delta between days and leaves the total alone', async () => {
    const day1 = ada('2026-03-05T10:00:00Z', { likes: 10, shares: 1, comments: 0, views: 100 });
    const day2late = ada('2026-03-06T22:00:00Z', { likes: 30, shares: 2, comments: 4, views: 900 });
    const day3 = ada('2026-03-07T09:00:00Z', { likes: 35, shares: 2, comments: 5, views: 1000 });
    const inOrder = await deliver([[[day1], [day2late], [day3]]]);
    const lateArrival = await deliver([[[day1], [day3]], [[day2late]]]);
    expect(lateArrival.rollups).toEqual(inOrder.rollups);
    expect(lateArrival.rollups).toEqual(computeOracle(config, [day1, day2late, day3]));
    const likesByDay = Object.values(lateArrival.rollups)
      .filter((r) => r.kind === 'kol')
      .map((r) => [r.day, r.likes]);
    expect(likesByDay).toEqual([
      ['2026-03-05', 10],
      ['2026-03-06', 20],
      ['2026-03-07', 5],
    ]);
    // The late snapshot's two changes (03-06 up, 03-07 down) land on one week item under one marker.
    const weeks = Object.values(lateArrival.rollups).filter((r) => r.kind === 'kolWeek');
    expect(weeks.map((r) => [r.day, r.likes, r.mentions])).toEqual([['2026-03-02', 35, 1]]);
  });

  it('older snapshots of the same day and duplicates change nothing', async () => {
    const latest = ada('2026-03-05T20:00:00Z', { likes: 50 });
    const older = ada('2026-03-05T12:00:00Z', { likes: 70 });
    const { rollups } = await deliver([[[latest]], [[older], [latest]], [[latest, older]]]);
    const kol = Object.values(rollups).find((r) => r.kind === 'kol');
    expect(kol).toMatchObject({ day: '2026-03-05', likes: 50, mentions: 1 });
  });

  it('decreasing counters count negative and the daily figures still sum to the latest counter', async () => {
    const snapshots = [
      ada('2026-03-05T10:00:00Z', { likes: 40, shares: 5, comments: 2 }),
      ada('2026-03-06T10:00:00Z', { likes: 31, shares: 3, comments: 2 }),
      ada('2026-03-07T10:00:00Z', { likes: 33, shares: 3, comments: 1 }),
    ];
    const { rollups } = await deliver([
      [[snapshots[2] as Observation]],
      [[snapshots[0] as Observation]],
      [[snapshots[1] as Observation]],
    ]);
    expect(rollups).toEqual(computeOracle(config, snapshots));
    const kolRows = Object.values(rollups).filter((r) => r.kind === 'kol');
    expect(kolRows.map((r) => r.likes)).toEqual([40, -9, 2]);
    expect(kolRows.reduce((sum, r) => sum + r.likes, 0)).toBe(33);
    expect(kolRows.reduce((sum, r) => sum + r.comments, 0)).toBe(1);
  });

  it('a hidden counter is unknown, not zero: views stay absent, and a snapshot hiding views does not reset them', async () => {
    const withViews = ada('2026-03-05T10:00:00Z', { likes: 1, views: 500 });
    const hidden = ada('2026-03-06T10:00:00Z', { likes: 2 });
    const again = ada('2026-03-07T10:00:00Z', { likes: 2, views: 650 });
    const mastodon = makeObservation({
      platform: 'mastodon',
      postId: '109',
      author: { id: '1', handle: 'Cy@nyc.example' },
      hashtags: ['BrandDay'],
      publishedAt: '2026-03-05T08:00:00Z',
      observedAt: '2026-03-05T09:00:00Z',
      counters: { likes: 3, shares: 1, comments: 1 },
    });
    const { tables, rollups } = await deliver([[[hidden], [mastodon], [again]], [[withViews]]]);
    expect(rollups).toEqual(computeOracle(config, [withViews, hidden, again, mastodon]));
    const views = Object.values(rollups)
      .filter((r) => r.kind === 'kol' && r.campaignId === 'launch')
      .map((r) => r.views);
    expect(views).toEqual([500, undefined, 150]);
    const { pk, sk } = kolDayKey('ny', 'cy', '2026-03-05', 'mastodon');
    const item = await dynamo.doc.send(new GetCommand({ TableName: tables.rollups, Key: { pk, sk } }));
    expect(item.Item).toMatchObject({
      likes: 3,
      shares: 1,
      comments: 1,
      mentions: 1,
      kind: 'kol',
      kolId: 'cy',
    });
    expect(item.Item).not.toHaveProperty('views');
  });

  it('days are calendar days of the campaign zone, across both New York DST changes', async () => {
    const post = (postId: string, publishedAt: string, observedAt: string): Observation =>
      makeObservation({
        platform: 'mastodon',
        postId,
        author: { id: '1', handle: 'cy@nyc.example' },
        hashtags: ['BRANDday'],
        publishedAt,
        observedAt,
        counters: { likes: 1, shares: 0, comments: 0 },
      });
    // 23:30 EST on 03-07 (before the spring change); 23:30 EDT on 03-08 (the 23-hour day).
    const spring = post('s1', '2026-03-08T04:30:00Z', '2026-03-09T03:30:00Z');
    // 00:30 EDT on 11-01 (the 25-hour day); 23:30 EST on 11-01.
    const autumn = post('a1', '2026-11-01T04:30:00Z', '2026-11-02T04:30:00Z');
    const { rollups } = await deliver([[[spring, autumn]]]);
    const rows = Object.values(rollups)
      .filter((r) => r.kind === 'kol')
      .map((r) => [r.day, r.mentions, r.likes]);
    expect(rows).toEqual([
      ['2026-03-07', 1, 0],
      ['2026-03-08', 0, 1],
      ['2026-11-01', 1, 1],
    ]);
  });

  it('stores descriptive attributes, index keys and markers on rollups, and the post state with its applied outbox', async () => {
    const { tables } = await deliver([[[ada('2026-03-05T10:00:00Z', { likes: 4, views: 9 })]]]);
    const kol = await dynamo.doc.send(
      new GetCommand({ TableName: tables.rollups, Key: { pk: 'C#launch#K#ada', sk: '2026-03-05#x' } }),
    );
    expect(kol.Item).toMatchObject({
      gsi1pk: 'C#launch#KD#2026-03-05',
      gsi1sk: 'ada#x',
      campaignId: 'launch',
      kolId: 'ada',
      platform: 'x',
      day: '2026-03-05',
      kind: 'kol',
      mentions: 1,
      likes: 4,
      views: 9,
    });
    expect(Object.keys(kol.Item ?? {}).filter((k) => k.startsWith(MARKER_PREFIX))).toHaveLength(1);
    const totals = await dynamo.doc.send(
      new QueryCommand({
        TableName: tables.rollups,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': totalPartition('launch', 'x', totalShardOf('x', 'p1')) },
      }),
    );
    expect(totals.Items).toHaveLength(1);
    expect(totals.Items?.[0]).toMatchObject({ kind: 'total', likes: 4, mentions: 1 });
    const state = await dynamo.doc.send(
      new GetCommand({ TableName: tables.state, Key: postStateKey('x', 'p1') }),
    );
    expect(state.Item).toMatchObject({
      gsi1pk: 'TRACK#x#2026-03-05',
      gsi1sk: '2026-03-05T08:00:00.000Z#p1',
      rev: 1,
      expiresAt: Date.parse('2026-03-05T08:00:00Z') / 1000 + 90 * 86_400,
      associations: [{ campaignId: 'launch', target: 'kol', kolId: 'ada', timeZone: 'UTC' }],
    });
    // No clear write: the applied outbox stays until the post's next state write replaces it.
    expect(state.Item?.outbox).toMatchObject({ rev: 1 });
  });

  it('posts without a campaign hashtag or outside the window are not stored at all', async () => {
    const offTag = ada('2026-03-05T10:00:00Z', { likes: 4 }, 'off');
    offTag.hashtags = ['SomethingElse'];
    const early = {
      ...ada('2026-03-05T10:00:00Z', { likes: 4 }, 'early'),
      publishedAt: '2026-02-28T23:59:59Z',
    };
    const { tables, rollups } = await deliver([[[offTag, early]]]);
    expect(rollups).toEqual({});
    const state = await dynamo.doc.send(
      new GetCommand({ TableName: tables.state, Key: postStateKey('x', 'off') }),
    );
    expect(state.Item).toBeUndefined();
  });

  it('ignores posts published longer ago than the state retention (their state may be gone: no second mention)', async () => {
    const tables = await freshTables(dynamo);
    const handler = aggregateHandler(dynamo.doc, tables, config, Date.parse('2026-06-10T00:00:00Z'));
    const expired = ada('2026-06-09T10:00:00Z', { likes: 3 }, 'old');
    const recent = {
      ...ada('2026-06-09T10:00:00Z', { likes: 5 }, 'new'),
      publishedAt: '2026-03-15T08:00:00Z',
    };
    await deliverAll(handler, [[makeSqsRecord(makeMessage([expired, recent]))]]);
    expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(computeOracle(config, [recent]));
  });

  it('coalesces: many snapshots of few posts cost one write per post and one per rollup item', async () => {
    const tables = await freshTables(dynamo);
    const probe = instrument(dynamo.doc);
    const handler = aggregateHandler(probe.doc, tables, config, NOW);
    const posts = ['c1', 'c2', 'c3'];
    const records = Array.from({ length: 10 }, (_, m) =>
      makeSqsRecord(
        makeMessage(
          posts.flatMap((postId, p) =>
            [0, 1].map((s) =>
              ada(
                `2026-03-0${5 + (s % 2)}T${String(10 + m).padStart(2, '0')}:0${p}:00Z`,
                { likes: m * 10 + s },
                postId,
              ),
            ),
          ),
        ),
      ),
    );
    const response = await handler(makeSqsEvent(records));
    expect(response.batchItemFailures).toEqual([]);
    const scan = await readRollups(dynamo.doc, tables.rollups);
    // One KOL item and one total shard item per day, and the KOL's week item (shards differ per post, so
    // count the stored items).
    const storedItems = Object.values(scan).filter((r) => r.kind === 'kol' || r.kind === 'kolWeek').length;
    const totalShards = await Promise.all(
      Array.from({ length: TOTAL_SHARDS }, (_, shard) =>
        dynamo.doc.send(
          new QueryCommand({
            TableName: tables.rollups,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': totalPartition('launch', 'x', shard) },
            Select: 'COUNT',
          }),
        ),
      ),
    );
    const rollupItems = storedItems + totalShards.reduce((n, page) => n + (page.Count ?? 0), 0);
    const observations = records.length * posts.length * 2;
    // Plus one freshness write per campaign and platform of the batch (functions/aggregate/freshness.ts).
    expect(probe.writes()).toBe(posts.length + rollupItems + 1);
    expect(probe.writes()).toBeLessThan(observations / 2);
  });

  it('checks an applied outbox with one read instead of a failing conditional write or a clear', async () => {
    const tables = await freshTables(dynamo);
    const probe = instrument(dynamo.doc);
    const handler = aggregateHandler(probe.doc, tables, config, NOW);
    const first = ada('2026-03-05T10:00:00Z', { likes: 4 }, 'lazy');
    await deliverAll(handler, [[makeSqsRecord(makeMessage([first]))]]);
    const firstWrites = probe.writes();
    // The next batch finds the applied outbox, reads its items, and writes only what changed.
    const second = ada('2026-03-05T11:00:00Z', { likes: 9 }, 'lazy');
    await deliverAll(handler, [[makeSqsRecord(makeMessage([second]))]]);
    expect(probe.errors()).toEqual([]); // no ConditionalCheckFailed from re-applying the first outbox
    // The state, the KOL day and week, the total shard, and the campaign's freshness item.
    expect(probe.writes() - firstWrites).toBe(1 + 3 + 1);
    expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(computeOracle(config, [first, second]));
  });
});

describe('Aggregate: malformed input', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('rejects and records malformed messages and observations, counts the valid ones, and never retries them', async () => {
    const tables = await freshTables(dynamo);
    const handler = aggregateHandler(dynamo.doc, tables, config, NOW);
    const valid = ada('2026-03-05T10:00:00Z', { likes: 7 });
    const sent = Date.parse('2026-03-06T12:00:00Z');
    const event = makeSqsEvent([
      makeSqsRecord('{not json', { messageId: 'bad-json', sentTimestamp: sent }),
      makeSqsRecord(
        { version: 2, platform: 'x', observations: [] },
        { messageId: 'bad-envelope', sentTimestamp: sent },
      ),
      makeSqsRecord(makeMessage([{ ...valid, counters: { likes: -1 } }, valid, { postId: 42 }], 'x'), {
        messageId: 'mixed',
        sentTimestamp: sent,
      }),
    ]);
    const first = await handler(event);
    const again = await handler(event);
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(computeOracle(config, [valid]));
    const rejects = await dynamo.doc.send(
      new QueryCommand({
        TableName: tables.state,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'REJECT#2026-03-06' },
      }),
    );
    const byKey = Object.fromEntries((rejects.Items ?? []).map((i) => [i.sk, i]));
    expect(Object.keys(byKey).sort()).toEqual(['bad-envelope', 'bad-json', 'mixed#0', 'mixed#2']);
    expect(byKey['bad-json']).toMatchObject({ raw: '{not json', source: 'aggregate' });
    expect(byKey['bad-json']?.reason).toMatch(/not JSON/);
    expect(byKey['bad-envelope']?.reason).toMatch(/version/);
    expect(byKey['mixed#0']?.reason).toMatch(/counters\.likes/);
    expect(byKey['mixed#2']?.reason).toMatch(/postId/);
    expect(byKey['mixed#0']?.expiresAt).toBe(sent / 1000 + 30 * 86_400);
  });

  it('truncates the stored raw body to 8 KB', async () => {
    const tables = await freshTables(dynamo);
    const handler = aggregateHandler(dynamo.doc, tables, config, NOW);
    const huge = `{"x":"${'界'.repeat(20_000)}`;
    await handler(
      makeSqsEvent([
        makeSqsRecord(huge, { messageId: 'huge', sentTimestamp: Date.parse('2026-03-06T00:00:00Z') }),
      ]),
    );
    const item = await dynamo.doc.send(
      new GetCommand({ TableName: tables.state, Key: { pk: 'REJECT#2026-03-06', sk: 'huge' } }),
    );
    const raw = String(item.Item?.raw);
    expect(Buffer.byteLength(raw, 'utf8')).toBeLessThanOrEqual(8 * 1024);
    expect(huge.startsWith(raw)).toBe(true);
  });
});
