import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '../../../shared/observation';
import { withDynamo } from '../../support/engines';
import {
  generateScenario,
  makeMessage,
  makeSqsEvent,
  makeSqsRecord,
  readRollups,
} from '../../support/observations';
import { computeOracle } from '../../support/oracle';
import { aggregateHandler, type Dynamo, freshTables } from './harness';

/** A Lambda context whose remaining time is whatever the test says at the moment it is asked. */
const contextWithRemaining = (remainingMs: () => number): Context =>
  ({
    getRemainingTimeInMillis: remainingMs,
    functionName: 'aggregate',
    awsRequestId: 'test',
  }) as unknown as Context;

describe('Aggregate: passes and the Lambda deadline', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('a big batch runs in passes; near the deadline the rest fails untouched and its redelivery completes the oracle', async () => {
    // Arrange: records of up to 5 observations, passes of about 10 observations.
    const scenario = generateScenario(11, { posts: 30 });
    // A message carries one platform's observations, as the poller sends them.
    const byPlatform = new Map<string, Observation[]>();
    for (const o of scenario.observations)
      byPlatform.set(o.platform, [...(byPlatform.get(o.platform) ?? []), o]);
    const records = [...byPlatform.values()].flatMap((list) =>
      Array.from({ length: Math.ceil(list.length / 5) }, (_, i) =>
        makeSqsRecord(makeMessage(list.slice(i * 5, i * 5 + 5))),
      ),
    );
    expect(records.length).toBeGreaterThan(6);
    const tables = await freshTables(dynamo);
    const handler = aggregateHandler(dynamo.doc, tables, scenario.config, scenario.now, {
      observationsPerPass: 10,
    });
    // Plenty of time when the first pass is judged, then the deadline is near.
    let asked = 0;
    const context = contextWithRemaining(() => (asked++ === 0 ? 60_000 : 1_000));

    // Act
    const first = await handler(makeSqsEvent(records), context);

    // Assert: two passes ran (the first needs no judgement, the second had ample time), then the rest was
    // deferred: the records that succeeded are a prefix of the batch, and only their observations count.
    const failed = new Set(first.batchItemFailures.map((f) => f.itemIdentifier));
    const applied = records.filter((r) => !failed.has(r.messageId));
    expect(applied.length).toBeGreaterThanOrEqual(2);
    expect(failed.size).toBeGreaterThan(0);
    expect(records.slice(0, applied.length)).toEqual(applied);
    expect(asked).toBe(2);
    const appliedObservations = applied.flatMap((r) => JSON.parse(r.body).observations as Observation[]);
    expect(appliedObservations.length).toBeGreaterThanOrEqual(20);
    expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(
      computeOracle(scenario.config, appliedObservations),
    );

    // Redelivery with time to spare finishes the job, exactly.
    const second = await handler(makeSqsEvent(records.filter((r) => failed.has(r.messageId))));
    expect(second.batchItemFailures).toEqual([]);
    expect(await readRollups(dynamo.doc, tables.rollups)).toEqual(
      computeOracle(scenario.config, scenario.observations),
    );
  });
});
