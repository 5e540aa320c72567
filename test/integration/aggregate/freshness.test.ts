import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRESHNESS_WRITE_INTERVAL_MS, FreshnessRecorder } from '../../../functions/aggregate/freshness';
import { buildCampaignIndex } from '../../../functions/aggregate/matching';
import { parseConfig } from '../../../shared/config';
import { freshnessPartition } from '../../../shared/keys';
import { SeededRandom } from '../../../shared/random';
import { withDynamo } from '../../support/engines';
import { makeObservation } from '../../support/observations';
import { type Dynamo, freshTables, instrument } from './harness';

/**
 * The freshness item of a (campaign, platform) is written at most once per FRESHNESS_WRITE_INTERVAL_MS of
 * observation time per process, and still never moves back, whatever the order and the processes.
 */
const config = parseConfig({
  campaigns: [{ id: 'launch', name: 'Launch', hashtags: ['#NextIdea'], start: '2026-03-01' }],
});
const index = buildCampaignIndex(config);
const T0 = Date.parse('2026-03-06T11:00:00Z');
const at = (ms: number, platform: 'x' | 'bluesky' = 'x') =>
  makeObservation({ platform, postId: `p${ms}`, observedAt: new Date(ms).toISOString() });
const noLog = { warn: () => {} };

describe('FreshnessRecorder: one write per interval, never moving back', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(() => dynamo.close());

  const stored = async (rollupsTable: string, platform = 'x') => {
    const read = await dynamo.doc.send(
      new GetCommand({
        TableName: rollupsTable,
        Key: { pk: freshnessPartition('launch'), sk: platform },
        ConsistentRead: true,
      }),
    );
    return read.Item?.lastObservedAt as string | undefined;
  };

  it('skips a time within the interval of the one it stored, writes a later one', async () => {
    // Arrange
    const { rollups } = await freshTables(dynamo);
    const probe = instrument(dynamo.doc);
    const recorder = new FreshnessRecorder({ doc: probe.doc, tables: { rollups }, index, logger: noLog });
    // Act + Assert
    await recorder.record([at(T0), at(T0 - 5_000), at(T0, 'bluesky')]);
    expect(probe.writes()).toBe(2); // one per (campaign, platform), the batch's latest time
    expect(await stored(rollups)).toBe(new Date(T0).toISOString());
    await recorder.record([at(T0 + FRESHNESS_WRITE_INTERVAL_MS), at(T0 - 60_000)]);
    await recorder.record([at(T0 + 1_000, 'bluesky')]);
    expect(probe.writes()).toBe(2); // within the interval: no write
    expect(await stored(rollups)).toBe(new Date(T0).toISOString()); // trails by at most the interval
    await recorder.record([at(T0 + FRESHNESS_WRITE_INTERVAL_MS + 1)]);
    expect(probe.writes()).toBe(3);
    expect(await stored(rollups)).toBe(new Date(T0 + FRESHNESS_WRITE_INTERVAL_MS + 1).toISOString());
  });

  it('remembers a later time found stored (failed condition), and retries a write that failed otherwise', async () => {
    // Arrange: another process stored a later time; then this process's table access breaks once.
    const { rollups } = await freshTables(dynamo);
    const other = new FreshnessRecorder({ doc: dynamo.doc, tables: { rollups }, index, logger: noLog });
    await other.record([at(T0 + 10 * 60_000)]);
    const probe = instrument(dynamo.doc);
    const recorder = new FreshnessRecorder({ doc: probe.doc, tables: { rollups }, index, logger: noLog });
    // Act + Assert: the failed condition counts as stored, so the next close time is not written.
    await recorder.record([at(T0)]);
    await recorder.record([at(T0 + 30_000)]);
    expect(probe.writes()).toBe(1);
    expect(probe.errors()).toEqual(['ConditionalCheckFailedException']);
    expect(await stored(rollups)).toBe(new Date(T0 + 10 * 60_000).toISOString());
    // A write that fails otherwise (throttled) is logged, not remembered: the next batch writes again.
    let failNext = true;
    let flakyWrites = 0;
    const flaky = new Proxy(dynamo.doc, {
      get: (target, prop, receiver) =>
        prop === 'send'
          ? async (command: Parameters<typeof dynamo.doc.send>[0]) => {
              flakyWrites++;
              if (failNext) {
                failNext = false;
                throw Object.assign(new Error('slow down'), {
                  name: 'ProvisionedThroughputExceededException',
                });
              }
              return dynamo.doc.send(command);
            }
          : Reflect.get(target, prop, receiver),
    });
    const warnings: string[] = [];
    const throttled = new FreshnessRecorder({
      doc: flaky,
      tables: { rollups },
      index,
      logger: { warn: (message) => warnings.push(message) },
    });
    await throttled.record([at(T0 + 20 * 60_000)]);
    expect(await stored(rollups)).toBe(new Date(T0 + 10 * 60_000).toISOString());
    await throttled.record([at(T0 + 20 * 60_000 + 1_000)]);
    expect(warnings).toEqual(['could not record when the figures were last observed']);
    expect(flakyWrites).toBe(2);
    expect(await stored(rollups)).toBe(new Date(T0 + 20 * 60_000 + 1_000).toISOString());
  });

  it('never moves back with several processes recording shuffled times concurrently', async () => {
    // Arrange: three processes, each its own memory, each given the same times in its own order.
    const { rollups } = await freshTables(dynamo);
    const random = new SeededRandom(5);
    const times = Array.from({ length: 40 }, (_, i) => T0 + i * 17_000);
    const latest = Math.max(...times);
    const processes = [1, 2, 3].map(
      () => new FreshnessRecorder({ doc: dynamo.doc, tables: { rollups }, index, logger: noLog }),
    );
    const seen: string[] = [];
    let running = true;
    const watcher = (async () => {
      while (running) {
        const value = await stored(rollups);
        if (value) seen.push(value);
      }
    })();
    // Act
    await Promise.all(
      processes.map(async (recorder) => {
        for (const ms of random.shuffle([...times])) await recorder.record([at(ms)]);
      }),
    );
    running = false;
    await watcher;
    // Assert: every read is at least the one before, and the end trails the latest by at most the interval.
    expect(seen.length).toBeGreaterThan(1);
    expect(seen).toEqual([...seen].sort()); // ISO times: string order is time order
    const final = Date.parse((await stored(rollups)) ?? '');
    expect(final).toBeLessThanOrEqual(latest);
    expect(final).toBeGreaterThanOrEqual(latest - FRESHNESS_WRITE_INTERVAL_MS);
  });
});
