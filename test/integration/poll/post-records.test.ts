import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemSize, valueSize } from '../../../bench/lib/item-size';
import {
  encodeRecord,
  planGroupWrites,
  recordAttributeName,
} from '../../../functions/poll/post-record-groups';
import { DynamoPostRecords, groupExpiresAt } from '../../../functions/poll/post-record-store';
import type { PostRecord } from '../../../functions/poll/post-records';
import {
  legacyPostRecordKey,
  POST_RECORD_LAYOUT,
  postRecordGroupKey,
  postRecordPartition,
} from '../../../shared/keys';
import { withDynamo } from '../../support/engines';
import { withGrantsOf } from '../../support/iam-guard';

/** Each test writes its own publish day, so no test sees another's records. */
const dayOf = (n: number) => `2025-07-0${n}`;
const publishedOn = (n: number) => `${dayOf(n)}T08:30:00.000Z`;
const record = (postId: string, sentAt: number, extra: Partial<PostRecord> = {}): PostRecord => ({
  postId,
  publishedAt: publishedOn(1),
  fp: `fp-${postId.slice(0, 8)}-${sentAt}`.padEnd(16, 'x').slice(0, 16),
  sentAt,
  changedAt: sentAt - 1_000,
  changes: 3,
  kol: false,
  ...extra,
});

const groupOf = (postId: string, publishedAt: string) => postRecordGroupKey('x', publishedAt, postId);

/** `count` X-like post ids (19 digits) whose records, published at `publishedAt`, share one group item. */
const idsOfOneGroup = (count: number, publishedAt: string): string[] => {
  const id = (n: number) => String(1_800_000_000_000_000_000n + BigInt(n));
  const target = groupOf(id(0), publishedAt).sk;
  const out: string[] = [];
  for (let n = 0; out.length < count; n++) if (groupOf(id(n), publishedAt).sk === target) out.push(id(n));
  return out;
};

/** Packed post records on the local engine, through the poll function's grants. */
describe('post records, packed in group items', () => {
  let dynamo: Awaited<ReturnType<typeof withDynamo>>;
  let table: string;
  const storeOf = () =>
    new DynamoPostRecords(withGrantsOf(dynamo.doc, 'poll', { state: table }, 'x'), table, 'x');
  const groupItem = async (postId: string, publishedAt: string) => {
    const key = groupOf(postId, publishedAt);
    const out = await dynamo.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p AND sk = :s',
        ExpressionAttributeValues: { ':p': key.pk, ':s': key.sk },
      }),
    );
    return out.Items?.[0];
  };
  beforeAll(async () => {
    dynamo = await withDynamo();
    table = dynamo.tables.state;
  });
  afterAll(() => dynamo.close());

  it('round-trips every field of every record exactly, odd post ids and publish times included', async () => {
    const day = dayOf(1);
    const records = [
      record('1800000000000000001', 1_751_360_000_123, { kol: true, readDay: day }),
      record('at://did:plc:abc/app.bsky.feed.post/3k#x%23', 1_751_360_000_000),
      record('é'.repeat(300), 1_751_360_000_001, { publishedAt: `${day}T23:59:59.999Z` }), // hashed key part
      record('odd-published', 1_751_360_000_002, { publishedAt: `${day}T01:02:03Z` }), // not ms ISO
      ...Array.from({ length: 300 }, (_, i) =>
        record(`p${i}`, 1_751_360_000_000 + i, {
          publishedAt: new Date(Date.parse(day) + i * 287_000).toISOString(),
          changedAt: 1_751_360_000_000 + i,
        }),
      ),
    ];
    await storeOf().save(records);
    expect(await storeOf().load([day])).toEqual(new Map(records.map((r) => [r.postId, r])));
    // one write per touched group: posts of one publish hour (slot) share at most `perSlot` writes
    expect(planGroupWrites('x', records).length).toBeLessThan(records.length);
    const sameHour = Array.from({ length: 200 }, (_, i) => record(`h${i}`, 1));
    expect(planGroupWrites('x', sameHour).length).toBeLessThanOrEqual(POST_RECORD_LAYOUT.perSlot);
  });

  it('two savers of different posts of one group, overlapping, both keep their records', async () => {
    const publishedAt = publishedOn(2);
    const [a, b, c, d] = idsOfOneGroup(4, publishedAt);
    if (!a || !b || !c || !d) throw new Error('no ids');
    const at = (id: string, sentAt: number) => record(id, sentAt, { publishedAt });
    await Promise.all([storeOf().save([at(a, 100), at(b, 100)]), storeOf().save([at(c, 200), at(d, 200)])]);
    const loaded = await storeOf().load([dayOf(2)]);
    expect([a, b, c, d].map((id) => loaded.get(id)?.sentAt)).toEqual([100, 100, 200, 200]);
    const item = await groupItem(a, publishedAt);
    expect(Object.keys(item ?? {}).filter((n) => n.startsWith('@'))).toHaveLength(4);
  });

  it("never moves a record's sentAt backwards: a stale saver writes only its newer records", async () => {
    const publishedAt = publishedOn(3);
    const [a, b] = idsOfOneGroup(2, publishedAt);
    if (!a || !b) throw new Error('no ids');
    const at = (id: string, sentAt: number, extra: Partial<PostRecord> = {}) =>
      record(id, sentAt, { publishedAt, ...extra });
    await storeOf().save([at(a, 500)]);
    // An overlapping invocation loaded before that save: its record of `a` is older, of `b` new.
    await storeOf().save([at(a, 400), at(b, 450)]);
    let loaded = await storeOf().load([dayOf(3)]);
    expect(loaded.get(a)?.sentAt).toBe(500);
    expect(loaded.get(b)?.sentAt).toBe(450);
    // Two invocations saving one post at once: the later sentAt stays, whichever lands last.
    await Promise.all([storeOf().save([at(a, 700)]), storeOf().save([at(a, 600)])]);
    await storeOf().save([at(a, 650)]);
    // A same-sentAt update (an X read day) is applied.
    await storeOf().save([at(b, 450, { readDay: '2025-07-09' })]);
    loaded = await storeOf().load([dayOf(3)]);
    expect(loaded.get(a)?.sentAt).toBe(700);
    expect(loaded.get(b)).toEqual(at(b, 450, { readDay: '2025-07-09' }));
  });

  it('reads both legacy layouts beside the packed one, the later record of a post winning', async () => {
    const day = dayOf(4);
    const publishedAt = `${day}T00:00:00.000Z`;
    const at = (id: string, sentAt: number) => record(id, sentAt, { publishedAt });
    const legacy = async (key: { pk: string; sk: string }, r: PostRecord) =>
      dynamo.doc.send(
        new PutCommand({ TableName: table, Item: { ...key, kind: 'post-record', ...r, expiresAt: 1 } }),
      );
    // unsharded `PREC#x#{day}` items and one-item-per-post ones in the shards
    await legacy({ pk: postRecordPartition('x', day), sk: 'old-unsharded' }, at('old-unsharded', 1));
    await legacy(legacyPostRecordKey('x', publishedAt, 'old-sharded'), at('old-sharded', 2));
    await legacy(legacyPostRecordKey('x', publishedAt, 'moved'), at('moved', 3));
    await legacy({ pk: postRecordPartition('x', day), sk: 'stale-packed' }, at('stale-packed', 9));
    await storeOf().save([at('moved', 4), at('stale-packed', 8), at('new', 5)]);
    const loaded = await storeOf().load([day]);
    expect(new Map([...loaded].map(([id, r]) => [id, r.sentAt]))).toEqual(
      new Map([
        ['old-unsharded', 1],
        ['old-sharded', 2],
        ['moved', 4],
        ['stale-packed', 9],
        ['new', 5],
      ]),
    );
    expect(loaded.get('old-sharded')).toEqual(at('old-sharded', 2));
  });

  it('a group at the documented bound (128 X records) is under 12 KB; the largest records fit 200 in 400 KB', async () => {
    const publishedAt = publishedOn(5);
    const ids = idsOfOneGroup(128, publishedAt);
    const records = ids.map((id, i) =>
      record(id, 1_751_450_000_123 + i, { publishedAt, kol: i % 2 === 0, readDay: dayOf(5) }),
    );
    await storeOf().save(records);
    const item = await groupItem(ids[0] ?? '', publishedAt);
    expect(Object.keys(item ?? {}).filter((n) => n.startsWith('@'))).toHaveLength(128);
    const bytes = itemSize(item);
    expect(bytes).toBeGreaterThan(128 * 60);
    expect(bytes).toBeLessThan(12 * 1024);
    expect(await storeOf().load([dayOf(5)])).toEqual(new Map(records.map((r) => [r.postId, r])));
    // The schema's largest post id (512 UTF-16 units: 1,536 UTF-8 bytes of 3-byte characters) makes the
    // largest record: 200 of them in one group stay under DynamoDB's 400 KB item limit.
    const largest = Array.from({ length: 200 }, (_, i) =>
      record(`${i}`.padEnd(512, '€'), Number.MAX_SAFE_INTEGER - i, {
        publishedAt: '2025-07-05T08:30:00.123Z',
        changedAt: 1,
        changes: Number.MAX_SAFE_INTEGER,
        kol: true,
        readDay: dayOf(5),
      }),
    );
    const largestBytes = largest.reduce(
      (n, r) => n + Buffer.byteLength(recordAttributeName(r.postId)) + valueSize(encodeRecord(r)),
      itemSize({ ...groupOf(ids[0] ?? '', publishedAt), expiresAt: groupExpiresAt(dayOf(5)) }),
    );
    expect(largestBytes).toBeGreaterThan(200 * 1_800);
    expect(largestBytes).toBeLessThan(400 * 1024);
  });
});
