import { describe, expect, it } from 'vitest';
import { itemSize, writeUnitsFor } from '../../../bench/lib/item-size';
import { NaiveWriteModel } from '../../../bench/lib/naive-write-model';
import type { ReadModelResult } from '../../../bench/lib/read-model';
import { CYCLE_MS, type ReplayMessage } from '../../../bench/lib/replay';
import { generateWeekReplay } from '../../../bench/lib/week';
import {
  applyUnit,
  bucketBytes,
  isBucketClosed,
  type ModelBucket,
  stateItemOf,
  WriteModel,
} from '../../../bench/lib/write-model';
import { modelMessages } from '../../../bench/lib/write-model-run';
import { measureWriteEfficiency } from '../../../bench/sections/aggregate';
import { measureNaive } from '../../../bench/sections/naive';
import { createPublisher } from '../../../shared/events/publisher';
import { markerAttribute } from '../../../shared/keys';
import type { Observation } from '../../../shared/observation';

const emptyBucket = (open: number): ModelBucket => ({
  item: { pk: 'C#c#T', sk: '2026-11-05#x#0' },
  markers: new Map(),
  markerBytes: 0,
  writes: 0,
  open,
});

const dynaliteUnitsByOperation = (reads: ReadModelResult) =>
  Object.fromEntries(Object.entries(reads.byOperation).map(([op, t]) => [op, t.dynaliteUnits]));

const contribution = (rev: number, likes: number) => ({ rev, delta: { likes } });

describe('bench write model', () => {
  it('sizes a bucket as DynamoDB does: its attributes plus every distinct marker, once', () => {
    // Arrange
    const bucket = emptyBucket(100);
    const a = markerAttribute('x', 'post-a');
    const b = markerAttribute('x', 'post-b');

    // Act: a's marker written twice (rev 1 then 120), b's once.
    applyUnit(bucket, { kind: 'total', day: '2026-11-05' }, new Map([[a, contribution(1, 5)]]));
    const { before, after } = applyUnit(
      bucket,
      { kind: 'total', day: '2026-11-05' },
      new Map([
        [a, contribution(120, 2)],
        [b, contribution(1, 1)],
      ]),
    );

    // Assert: the same bytes as the item with its markers, by the developer guide's rules.
    const image = { ...bucket.item, [a]: 120, [b]: 1 };
    expect(after).toBe(itemSize(image));
    expect(bucketBytes(bucket)).toBe(itemSize(image));
    expect(before).toBeLessThan(after);
    expect(bucket.item.likes).toBe(8);
    expect(bucket.item.mk).toBe(3);
    expect(bucket.item.mkOpen).toBe(100);
  });

  it('charges 1 WRU per started KB of the larger image, at least 1', () => {
    expect(writeUnitsFor(0)).toBe(1);
    expect(writeUnitsFor(1024)).toBe(1);
    expect(writeUnitsFor(1025)).toBe(2);
    expect(writeUnitsFor(51 * 1024 + 1)).toBe(52);
  });

  it('closes a bucket once its marker writes pass mkOpen, not before', () => {
    // Arrange
    const bucket = emptyBucket(3);
    const markers = ['a', 'b', 'c', 'd'].map((p) => markerAttribute('x', p));

    // Act / Assert: 3 marker writes leave it open; the 4th closes it for good.
    applyUnit(bucket, {}, new Map(markers.slice(0, 3).map((m) => [m, contribution(1, 1)])));
    expect(isBucketClosed(bucket)).toBe(false);
    applyUnit(bucket, {}, new Map(markers.slice(3).map((m) => [m, contribution(1, 1)])));
    expect(isBucketClosed(bucket)).toBe(true);
  });

  it('writes the post state item with the keys and attributes the store writes', () => {
    // Arrange
    const replay = generateWeekReplay({ scale: 0.0003, seed: 11, days: 1 });
    const first = replay.messages[0]?.observations[0] as Observation;
    const model = new WriteModel(replay.config);

    // Act
    model.applyBatch([first], 0);
    const result = model.result();

    // Assert: one state write (with its byTrackDay entry) and a state item of a sensible size.
    expect(result.writesByKind['state:POST']).toBe(1);
    expect(result.writesByKind['state.byTrackDay:TRACK']).toBe(1);
    expect(result.largestStateBytes).toBeGreaterThan(200);
    const item = stateItemOf({
      platform: first.platform,
      postId: first.postId,
      author: { id: first.author.id, handle: first.author.handle },
      publishedAt: first.publishedAt,
      associations: [],
      rev: 1,
      snaps: {},
    });
    expect(Object.keys(item)).toEqual(expect.arrayContaining(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt']));
    expect(item.outbox).toBeUndefined();
  });

  it("forms the efficiency run's batches: at most 50 messages, never across two poll cycles", () => {
    // Arrange: 60 messages of one cycle, 10 of the next, each of one observation.
    const replay = generateWeekReplay({ scale: 0.0003, seed: 11, days: 1 });
    const observations = replay.messages.flatMap((m) => m.observations);
    const message = (i: number, sentAt: number): ReplayMessage => {
      const o = observations[i % observations.length] as Observation;
      return { platform: o.platform, body: '', observations: [o], sentAt };
    };
    const messages = [
      ...Array.from({ length: 60 }, (_, i) => message(i, 1_000)),
      ...Array.from({ length: 10 }, (_, i) => message(60 + i, 1_000 + CYCLE_MS)),
    ];
    const design = new WriteModel(replay.config);
    const naive = new NaiveWriteModel(replay.config);

    // Act
    modelMessages({ design, naive }, messages);

    // Assert: 50 + 10 in the first cycle, 10 in the second.
    expect(design.result().batches).toBe(3);
    expect(design.result().observations).toBe(70);
    expect(naive.result().observations).toBe(70);
  });

  it('agrees with the metered aggregate unit for unit, bucket chains closing and folding included', async () => {
    // Arrange: small buckets (6 marker writes), so batches fill chains many buckets deep.
    const replay = generateWeekReplay({ scale: 0.0003, seed: 5, days: 1 });
    replay.messages.splice(80);
    const tuning = { postsPerUpdate: 3, bucketMarkerLimit: 8 };

    // Act
    const efficiency = await measureWriteEfficiency(replay, { storeTuning: tuning });
    const design = new WriteModel(replay.config, tuning);
    modelMessages({ design }, replay.messages);
    const modelled = design.result();

    // Assert: placement fills each bucket to closing and spills onto the next, so one sequential process
    // never writes to a closed bucket nor reissues a post; the closing writes fold their chains.
    expect(efficiency.verification.oracle.mismatches).toEqual([]);
    expect(modelled.closedBuckets).toBeGreaterThan(20);
    expect(modelled.foldRows).toBeGreaterThan(10);
    expect(modelled.failedBucketWrites).toBe(0);
    expect(modelled.reissuedStates).toBe(0);
    expect(efficiency.meter.conditionalFailures).toBe(0);
    expect(modelled.unitsByKind).toEqual(efficiency.attribution.unitsByKind);
    // Reads too, operation by operation (dynalite's rules: an empty fold Query costs it nothing).
    expect(modelled.reads.byOperation['rollups:Get strong']?.reads).toBeGreaterThan(10);
    expect(dynaliteUnitsByOperation(modelled.reads)).toEqual(efficiency.meter.readUnitsByOperation);
    expect(modelled.reads.dynaliteReadUnits).toBe(efficiency.meter.readUnits);
  }, 90_000);

  it("counts the campaign events' KOL-day Queries as the metered aggregate reads them", async () => {
    // Arrange: the aggregate publishes its events to memory; small buckets, so KOL days span several rows.
    const replay = generateWeekReplay({ scale: 0.0003, seed: 7, days: 1 });
    replay.messages.splice(60);
    const tuning = { postsPerUpdate: 2, bucketMarkerLimit: 5 };
    const published: unknown[] = [];
    const events = createPublisher(
      {
        description: 'memory',
        put: async (entries) => {
          published.push(...entries);
          return [];
        },
      },
      'bench',
    );

    // Act
    const efficiency = await measureWriteEfficiency(replay, { storeTuning: tuning, events });
    const design = new WriteModel(replay.config, tuning);
    modelMessages({ design }, replay.messages);
    const reads = design.result().reads;

    // Assert: one event per KOL day touched, and its Query read unit for unit.
    expect(reads.events.events).toBeGreaterThan(10);
    expect(reads.events.rowsRead).toBeGreaterThan(reads.events.events);
    expect(published).toHaveLength(reads.events.events);
    expect(reads.events.putEventsCalls).toBeGreaterThanOrEqual(Math.ceil(reads.events.events / 10));
    expect(reads.events.queries.dynaliteUnits).toBe(
      efficiency.meter.readUnitsByOperation['rollups:Query eventual'],
    );
    expect(reads.dynaliteReadUnits + reads.events.queries.dynaliteUnits).toBe(efficiency.meter.readUnits);
  }, 90_000);

  it('models the naive run unit for unit against its metered run', async () => {
    // Arrange
    const replay = generateWeekReplay({ scale: 0.0003, seed: 5, days: 1 });
    replay.messages.splice(80);
    const naive = new NaiveWriteModel(replay.config);

    // Act
    modelMessages({ design: new WriteModel(replay.config), naive }, replay.messages);
    const metered = await measureNaive(replay);

    // Assert
    expect(naive.result().writeUnits).toBe(metered.meter.tableWriteUnits + metered.meter.indexWriteUnits);
    expect(naive.result().readUnits).toBe(metered.meter.readUnits);
  }, 90_000);
});
