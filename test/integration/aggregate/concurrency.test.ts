import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../shared/random';
import { withDynamo } from '../../support/engines';
import { deliveryPlan, generateScenario, readRollups, toMessages } from '../../support/observations';
import { computeOracle } from '../../support/oracle';
import { aggregateHandler, type Dynamo, deliverAll, freshTables, instrument } from './harness';

describe('Aggregate: two instances on overlapping batches at the same time', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('stay exact, with conflicts resolved by conditional writes and re-reads', async () => {
    const conflicts: string[] = [];
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      // Few posts, many snapshots: both instances keep hitting the same post states and rollup items.
      const scenario = generateScenario(seed, { posts: 8, maxSnapshotsPerPost: 6 });
      const rnd = new SeededRandom(seed * 7);
      const records = toMessages(rnd.shuffle(scenario.observations), rnd, 3);
      // Each record goes to one instance or to both (an SQS redelivery racing the first delivery).
      const a = records.filter(() => rnd.chance(0.7));
      const b = records.filter((r) => !a.includes(r) || rnd.chance(0.5));
      const tables = await freshTables(dynamo);
      const first = instrument(dynamo.doc);
      const second = instrument(dynamo.doc);
      await Promise.all([
        deliverAll(
          aggregateHandler(first.doc, tables, scenario.config, scenario.now),
          deliveryPlan(a, rnd, 4),
        ),
        deliverAll(
          aggregateHandler(second.doc, tables, scenario.config, scenario.now),
          deliveryPlan(b, rnd, 4),
        ),
      ]);
      expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(
        computeOracle(scenario.config, scenario.observations),
      );
      conflicts.push(
        ...[...first.errors(), ...second.errors()].filter((e) => e === 'ConditionalCheckFailedException'),
      );
    }
    // The race actually happened (otherwise this test would prove nothing about it).
    expect(conflicts.length).toBeGreaterThan(0);
  });
});
