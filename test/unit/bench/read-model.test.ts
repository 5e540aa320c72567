import { describe, expect, it } from 'vitest';
import { itemReadUnits, queryReadUnits, ReadModel } from '../../../bench/lib/read-model';
import { realTimeBatches } from '../../../bench/lib/replay';
import { generateWeekReplay } from '../../../bench/lib/week';
import { WriteModel } from '../../../bench/lib/write-model';
import { modelMessages } from '../../../bench/lib/write-model-run';
import { conflictFreeReadUnits } from '../../../bench/sections/model';
import { buildCampaignIndex } from '../../../functions/aggregate/matching';
import type { Observation } from '../../../shared/observation';
import { topology } from '../../../shared/topology';

describe('bench read model', () => {
  it('charges a key read its size rounded up to 4 KB, half when eventually consistent, a missing item the minimum', () => {
    expect(itemReadUnits(undefined, true)).toBe(1);
    expect(itemReadUnits(undefined, false)).toBe(0.5);
    expect(itemReadUnits(4096, true)).toBe(1);
    expect(itemReadUnits(4097, true)).toBe(2);
    expect(itemReadUnits(10 * 1024, false)).toBe(1.5);
  });

  it('charges a Query once on the sum of its rows; an empty one costs DynamoDB the minimum, dynalite nothing', () => {
    expect(queryReadUnits([3000, 3000], false, 'dynamodb')).toBe(1);
    expect(queryReadUnits([3000, 3000], true, 'dynamodb')).toBe(2);
    expect(queryReadUnits([], true, 'dynamodb')).toBe(1);
    expect(queryReadUnits([], true, 'dynalite')).toBe(0);
    expect(queryReadUnits([100], false, 'dynalite')).toBe(0.5);
  });

  it('adds up a hand-built pass: states strong, outbox buckets eventual, fold reads strong', () => {
    // Arrange
    const replay = generateWeekReplay({ scale: 0.0003, seed: 11, days: 1 });
    const reads = new ReadModel(replay.config, buildCampaignIndex(replay.config));

    // Act: a new post, a 100-byte state, a 5,000-byte state; two buckets, one of 9,000 bytes;
    // a chain's first fold (no fold row yet) reading one 4,100-byte bucket.
    reads.statesRead([undefined, 100, 5_000]);
    reads.outboxBucketsRead([9_000, 200]);
    reads.foldsQueried([]);
    reads.bucketRead(4_100);
    const result = reads.result();

    // Assert
    expect(result.byOperation['state:BatchGet strong']).toEqual({ units: 4, dynaliteUnits: 4, reads: 3 });
    expect(result.byOperation['rollups:BatchGet eventual']).toEqual({ units: 2, dynaliteUnits: 2, reads: 2 });
    expect(result.byOperation['rollups:Query strong']).toEqual({ units: 1, dynaliteUnits: 0, reads: 1 });
    expect(result.byOperation['rollups:Get strong']).toEqual({ units: 2, dynaliteUnits: 2, reads: 1 });
    expect(result.readUnits).toBe(9);
    expect(result.dynaliteReadUnits).toBe(8);
    expect(result.statesMissing).toBe(1);
  });

  it("reads a post's state once per pass however many of its observations the pass carries", () => {
    // Arrange: one post observed three times in one batch, then once more in a second batch.
    const replay = generateWeekReplay({ scale: 0.0003, seed: 11, days: 1 });
    const observations = replay.messages.flatMap((m) => m.observations);
    const first = observations[0] as Observation;
    const later = (n: number): Observation => ({
      ...first,
      observedAt: new Date(Date.parse(first.observedAt) + n * 60_000).toISOString(),
      counters: { ...first.counters, likes: (first.counters.likes ?? 0) + n },
    });
    const model = new WriteModel(replay.config);

    // Act
    model.applyBatch([first, later(1), later(2)], 0);
    const afterFirst = model.result().reads;
    model.applyBatch([later(3)], 0);
    const afterSecond = model.result().reads;

    // Assert: the first batch reads one missing state; the second reads it (under 4 KB: 1 RRU) and the
    // buckets its outbox names, once each, eventually consistent.
    expect(afterFirst.byOperation['state:BatchGet strong']).toEqual({ units: 1, dynaliteUnits: 1, reads: 1 });
    expect(afterFirst.byOperation['rollups:BatchGet eventual']).toBeUndefined();
    expect(afterSecond.byOperation['state:BatchGet strong']).toEqual({
      units: 2,
      dynaliteUnits: 2,
      reads: 2,
    });
    const outboxReads = afterSecond.byOperation['rollups:BatchGet eventual'];
    expect(outboxReads?.reads).toBeGreaterThan(0);
    expect(outboxReads?.units).toBe((outboxReads?.reads ?? 0) * 0.5);
  });

  it("replays a concurrent run's batches (message indexes) one after another for its conflict-free reads", () => {
    // Arrange: the batches the sequential run forms, named by message index as the throughput run records them.
    const replay = generateWeekReplay({ scale: 0.0003, seed: 11, days: 1 });
    replay.messages.splice(120);
    const position = new Map(replay.messages.map((m, i) => [m, i]));
    const batches = realTimeBatches(replay.messages, topology.triggers.aggregate.batchSize).map((b) =>
      b.map((m) => position.get(m) ?? -1),
    );
    const design = new WriteModel(replay.config);
    modelMessages({ design }, replay.messages);

    // Act
    const units = conflictFreeReadUnits(replay, batches);

    // Assert: the same reads as the model on those batches; all of them in one batch read less (once each).
    expect(units).toBe(design.result().reads.dynaliteReadUnits);
    expect(units).toBeGreaterThan(0);
    expect(conflictFreeReadUnits(replay, [batches.flat()])).toBeLessThan(units);
  });
});
