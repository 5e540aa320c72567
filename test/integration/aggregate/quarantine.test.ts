import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { listQuarantine } from '../../../functions/aggregate/quarantine';
import { createTables, type LocalDynamo, startDynalite } from '../../../infra/local/engines';
import { replayAll } from '../../../scripts/quarantine';
import { SeededRandom } from '../../../shared/random';
import { makeObservation, readRollups, toMessages } from '../../support/observations';
import { addFigures, computeOracle, type RollupTable, rowKey, voiceSubject } from '../../support/oracle';
import { BUSY_DAY, busyConfig, busyDay } from './bounded';
import { aggregateHandler, deliverAll } from './harness';

/** A document client that sends rollups requests to one engine and everything else to another. */
const routed = (stateDoc: DynamoDBDocumentClient, rollupsDoc: DynamoDBDocumentClient, rollups: string) => {
  const tableOf = (command: { input?: { TableName?: string; RequestItems?: object } }) =>
    command.input?.TableName ?? Object.keys(command.input?.RequestItems ?? {})[0];
  const send = (command: object) =>
    (tableOf(command as never) === rollups ? rollupsDoc : stateDoc).send(command as never);
  return new Proxy(stateDoc, {
    get: (target, prop, receiver) => (prop === 'send' ? send : Reflect.get(target, prop, receiver)),
  });
};

/**
 * A voice whose user id and handle are 256 characters each: its rollup item outgrows a rollups engine that
 * takes items of at most 1 KB, a ValidationException no retry can cure. Its changes are quarantined while every
 * other post (and the rest of its own outbox) is applied; after the fix (the engine takes 400 KB items)
 * the replay makes every figure exact, and replaying again changes nothing.
 */
describe('Aggregate: a change DynamoDB rejects for good is quarantined, never freezes others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kol-quarantine-'));
  const engines: LocalDynamo[] = [];
  const start = async (opts: Parameters<typeof startDynalite>[0]) => {
    const engine = await startDynalite(opts);
    engines.push(engine);
    return engine;
  };
  afterAll(async () => {
    for (const engine of engines.reverse()) await engine.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('quarantines only the rejected change, and the replay after the fix is exact and idempotent', async () => {
    // Arrange
    const state = await start({});
    const small = await start({ path: dir, maxItemSizeKb: 1 });
    const tables = await createTables(state.client, 'q');
    await createTables(small.client, 'q');
    const config = busyConfig();
    const huge = 'u'.repeat(256);
    const badPost = (observedAt: string, likes: number) =>
      makeObservation({
        postId: 'huge',
        author: { id: huge, handle: huge },
        publishedAt: `${BUSY_DAY}T01:00:00.000Z`,
        observedAt,
        counters: { likes, shares: 1, comments: 0 },
      });
    const observations = [
      ...busyDay(3, 150),
      badPost(`${BUSY_DAY}T02:00:00.000Z`, 4),
      badPost(`${BUSY_DAY}T05:00:00.000Z`, 9),
    ];
    const rnd = new SeededRandom(8);
    const records = toMessages(rnd.shuffle(observations), rnd, 5);
    const batches: (typeof records)[] = [];
    for (let i = 0; i < records.length; i += 6) batches.push(records.slice(i, i + 6));
    const now = Date.parse(`${BUSY_DAY}T23:00:00Z`);
    const storeTuning = { bucketMarkerLimit: 30, postsPerUpdate: 10 };
    const doc = routed(state.doc, small.doc, tables.rollups);
    const expected = computeOracle(config, observations);
    const badRow = rowKey({
      campaignId: 'launch',
      kind: 'voice',
      subject: voiceSubject('x', huge),
      day: BUSY_DAY,
      platform: 'x',
    });

    // Act: every record succeeds at the first delivery
    const invocations = await deliverAll(
      aggregateHandler(doc, tables, config, now, { storeTuning }),
      batches,
    );

    // Assert: only the huge voice's changes are missing, and they are all in the quarantine
    expect(invocations).toBe(batches.length);
    const quarantined = await listQuarantine(state.doc, tables.state);
    expect(quarantined.length).toBeGreaterThan(0);
    expect(new Set(quarantined.map((q) => q.postId))).toEqual(new Set(['huge']));
    expect(quarantined[0]?.error).toMatch(/ValidationException/);
    const applied = await readRollups(small.doc, tables.rollups);
    const { [badRow]: missing, ...others } = expected;
    expect(missing).toBeDefined();
    expect(applied).toEqual(others);
    const withQuarantine: RollupTable = structuredClone(applied);
    withQuarantine[badRow] = {
      ...(missing as NonNullable<typeof missing>),
      mentions: 0,
      likes: 0,
      shares: 0,
      comments: 0,
    };
    for (const q of quarantined)
      addFigures(withQuarantine[badRow] as never, {
        mentions: 0,
        likes: 0,
        shares: 0,
        comments: 0,
        ...q.delta,
      });
    expect(withQuarantine).toEqual(expected);
    // Totals equal KOLs plus voices once the quarantined deltas are counted.
    const sum = (kinds: string[]) =>
      Object.values(withQuarantine)
        .filter((r) => kinds.includes(r.kind))
        .reduce((n, r) => n + r.likes, 0);
    expect(sum(['total'])).toBe(sum(['kol', 'voice']));

    // Act: the fix -- the same rollups data behind an engine that takes 400 KB items -- then replay twice
    await small.close();
    const fixed = await start({ path: dir });
    const fixedTarget = { doc: routed(state.doc, fixed.doc, tables.rollups), tables };
    const first = await replayAll(fixedTarget, () => undefined);
    const again = await replayAll(fixedTarget, () => undefined);

    // Assert
    expect(first).toEqual({ replayed: quarantined.length, stillFailing: [] });
    expect(again).toEqual({ replayed: 0, stillFailing: [] });
    expect(await listQuarantine(state.doc, tables.state)).toEqual([]);
    expect(await readRollups(fixed.doc, tables.rollups)).toEqual(expected);
  }, 120_000);
});
