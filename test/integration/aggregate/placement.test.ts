import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../shared/random';
import { chainPositionOf } from '../../../shared/rollup-chains';
import { withDynamo } from '../../support/engines';
import { makeSqsEvent, readRollups, toMessages } from '../../support/observations';
import { computeOracle } from '../../support/oracle';
import { BUSY_DAY, busyConfig, busyDay, scanAll } from './bounded';
import { aggregateHandler, type Dynamo, freshTables, instrument } from './harness';

/** Buckets close after 40 marker writes (60 - 20), so one batch of hundreds of posts spans many buckets. */
const storeTuning = { bucketMarkerLimit: 60, postsPerUpdate: 20 };
const CLOSES_AT = storeTuning.bucketMarkerLimit - storeTuning.postsPerUpdate + 1;

/**
 * Placement knows how full a bucket is (its returned marker count plus the posts the batch placed on it),
 * so one process fills each bucket exactly to closing and spills onto the next: no write ever meets a closed
 * bucket, no post state is reissued, and closing writes fold their chains.
 */
describe('Aggregate: placement spills a batch onto the next bucket before it overflows', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('writes batches far larger than a bucket without a failed write, figures equal to the oracle', async () => {
    // Arrange: 500 posts of one day, most on one voice item, in batches of 50 messages of up to 20 observations.
    const config = busyConfig();
    const observations = busyDay(23, 500);
    const records = toMessages(observations, new SeededRandom(3), 20);
    const batches: SQSRecord[][] = [];
    for (let i = 0; i < records.length; i += 50) batches.push(records.slice(i, i + 50));
    const tables = await freshTables(dynamo);
    const metered = instrument(dynamo.doc);
    const handler = aggregateHandler(metered.doc, tables, config, Date.parse(`${BUSY_DAY}T23:00:00Z`), {
      storeTuning,
    });

    // Act: one process, one batch after another.
    const failed: string[] = [];
    for (const batch of batches) {
      const response = await handler(makeSqsEvent(batch));
      failed.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
    }

    // Assert: no conditional write failed (no closed bucket met, so no post state reissued).
    expect(failed).toEqual([]);
    expect(metered.errors()).toEqual([]);
    expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(computeOracle(config, observations));
    const rollups = await scanAll(dynamo.doc, tables.rollups);
    const voice = rollups.filter((i) => i.kind === 'voice' && i.userId === 'x-bot');
    const buckets = voice.filter((i) => chainPositionOf(String(i.sk)).kind === 'bucket');
    const byNumber = buckets.sort(
      (a, b) => chainPositionOf(String(a.sk)).n - chainPositionOf(String(b.sk)).n,
    );
    expect(byNumber.length).toBeGreaterThan(8);
    // Every bucket but the chain's last took exactly the writes that close it; the closed ones are folded.
    expect(byNumber.slice(0, -1).map((b) => b.mk)).toEqual(byNumber.slice(0, -1).map(() => CLOSES_AT));
    expect(byNumber.at(-1)?.mk).toBeLessThanOrEqual(CLOSES_AT);
    const folds = voice.filter((i) => chainPositionOf(String(i.sk)).kind === 'fold');
    const closed = byNumber.filter((b) => b.mk === CLOSES_AT).length;
    expect(Math.max(...folds.map((f) => chainPositionOf(String(f.sk)).n))).toBe(closed - 1);
  }, 120_000);
});
