import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KolPulseConfig } from '../../../shared/config';
import { SeededRandom } from '../../../shared/random';
import { withDynamo } from '../../support/engines';
import { generateScenario, makeSqsEvent, readRollups, toMessages } from '../../support/observations';
import { computeOracle } from '../../support/oracle';
import { aggregateHandler, type Dynamo, deliverAll, freshTables, instrument } from './harness';

/**
 * A crash between ANY two writes must be healed by redelivery. For every k, the process dies at the
 * (k+1)-th DynamoDB write of a batch (either before the write reaches the table, or after it did and
 * only the reply was lost); the whole batch is then redelivered to a fresh instance, and later batches
 * follow. The rollups must still equal the oracle.
 */
describe('Aggregate: a crash after the k-th write, for every k, is healed by redelivery', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const scenario = generateScenario(4242, { posts: 10, maxSnapshotsPerPost: 4, season: 'autumn' });
  const rnd = new SeededRandom(99);
  const records = toMessages(rnd.shuffle(scenario.observations), rnd, 3);
  // Before: some posts already exist (with state to update); crashed: one batch; after: the rest.
  const before = records.slice(0, Math.floor(records.length / 3));
  const crashed = records.slice(before.length, before.length + 10);
  const after = records.slice(before.length + crashed.length);
  const expected = computeOracle(scenario.config, scenario.observations);

  const run = async (config: KolPulseConfig, crash?: { afterWrites: number; lostResponse: boolean }) => {
    const tables = await freshTables(dynamo);
    const clean = aggregateHandler(dynamo.doc, tables, config, scenario.now);
    await deliverAll(clean, [before]);
    const probe = instrument(dynamo.doc, {
      ...(crash ? { crashAfterWrites: crash.afterWrites, lostResponse: crash.lostResponse } : {}),
    });
    const dying = aggregateHandler(probe.doc, tables, config, scenario.now);
    await dying(makeSqsEvent(crashed as SQSRecord[])).catch(() => undefined);
    // The instance is gone; SQS redelivers the whole batch after the visibility timeout.
    await deliverAll(clean, [crashed, after]);
    return { writes: probe.writes(), rollups: await readRollups(dynamo.doc, tables.rollups) };
  };

  it('the batch under test has enough writes to be interesting', async () => {
    const { writes, rollups } = await run(scenario.config);
    expect(writes).toBeGreaterThan(10);
    expect(rollups).toEqual(expected);
  });

  it('every crash point, before or after the write lands, ends in the oracle figures', async () => {
    const { writes } = await run(scenario.config);
    const mismatches: string[] = [];
    for (let k = 0; k < writes; k++) {
      for (const lostResponse of [false, true]) {
        const { rollups } = await run(scenario.config, { afterWrites: k, lostResponse });
        try {
          expect(rollups).toEqual(expected);
        } catch {
          mismatches.push(`k=${k}${lostResponse ? ' (write landed)' : ''}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
