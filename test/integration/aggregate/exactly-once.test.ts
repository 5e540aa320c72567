import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../shared/random';
import { withDynamo } from '../../support/engines';
import {
  deliveryPlan,
  generateScenario,
  makeMessage,
  makeSqsRecord,
  readRollups,
  toMessages,
} from '../../support/observations';
import { computeOracle } from '../../support/oracle';
import { aggregateHandler, type Dynamo, deliverAll, freshTables } from './harness';

describe('Aggregate: rollups equal the oracle', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('one clean in-order delivery gives exactly the oracle figures', async () => {
    // Arrange
    const scenario = generateScenario(7, { posts: 40 });
    const tables = await freshTables(dynamo);
    const handler = aggregateHandler(dynamo.doc, tables, scenario.config, scenario.now);
    const ordered = [...scenario.observations].sort((a, b) => a.observedAt.localeCompare(b.observedAt));
    const records = ordered.map((o) => makeSqsRecord(makeMessage([o])));
    // Act
    await deliverAll(
      handler,
      [records.slice(0, 10), records.slice(10, 20), records.slice(20)].filter((b) => b.length > 0),
    );
    // Assert
    const expected = computeOracle(scenario.config, scenario.observations);
    expect(Object.keys(expected).length).toBeGreaterThan(20);
    // The scenario exercises reach: known counts (0 included), reach-known engagement, and unknown counts.
    const rows = Object.values(expected);
    expect(rows.some((r) => (r.reach ?? 0) > 0 && (r.reachEngagement ?? 0) !== 0)).toBe(true);
    expect(rows.some((r) => r.mentions > 0 && r.reach === undefined)).toBe(true);
    expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(expected);
  });

  it('duplicates (1-3 deliveries) in shuffled order give the oracle figures', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const scenario = generateScenario(seed, { posts: 25 });
        const rnd = new SeededRandom(seed + 1);
        const tables = await freshTables(dynamo);
        const handler = aggregateHandler(dynamo.doc, tables, scenario.config, scenario.now);
        await deliverAll(handler, deliveryPlan(toMessages(rnd.shuffle(scenario.observations), rnd), rnd));
        expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(
          computeOracle(scenario.config, scenario.observations),
        );
      }),
      { numRuns: 12 },
    );
  });
});
