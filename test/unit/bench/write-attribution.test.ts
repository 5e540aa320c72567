import { describe, expect, it } from 'vitest';
import { partitionShareAtScale1, WriteAttribution } from '../../../bench/lib/write-attribution';

const tables = { state: 's', rollups: 'r' };
const MINUTE = 60_000;

describe('WriteAttribution: the busiest partition keys', () => {
  it('ranks partitions by their own busiest minute, keeps five, and gives their share at scale 1', () => {
    // Arrange: partition k{i} takes i units in minute 0 and 10 - i in minute 1; the index entry 1 unit.
    const attribution = new WriteAttribution(tables);
    for (const minute of [0, 1]) {
      attribution.startBatch([], minute * MINUTE + 5_000);
      for (let i = 1; i <= 9; i++)
        attribution.record({
          tableName: 'r',
          key: { pk: `C#c#T#x#${i}`, sk: 'd' },
          tableUnits: minute === 0 ? i : 10 - i,
          indexWrites: [{ indexName: 'byDay', partition: 'C#c#TD#x', units: 1 }],
          conditionFailed: false,
        });
    }
    // Act
    const result = attribution.result(0.001);
    // Assert: the index partition took 9 units in each minute; k1 and k9 took 9 in one minute each.
    // Ties: the earlier minute first, then by name.
    expect(result.topPartitions.map((p) => [p.partition, p.writeUnits, p.minuteStartMs])).toEqual([
      ['rollups.byDay:gsi1pk=C#c#TD#x', 9, 0],
      ['rollups:pk=C#c#T#x#9', 9, 0],
      ['rollups:pk=C#c#T#x#1', 9, MINUTE],
      ['rollups:pk=C#c#T#x#8', 8, 0],
      ['rollups:pk=C#c#T#x#2', 8, MINUTE],
    ]);
    expect(result.busiest).toEqual({
      partition: result.topPartitions[0]?.partition,
      minuteStartMs: result.topPartitions[0]?.minuteStartMs,
      writeUnits: 9,
    });
    // 9 WCU in a minute at scale 0.001 = 9,000 WCU a minute at scale 1 = 15 % of 60,000.
    expect(result.topPartitions[0]?.shareAtScale1).toBeCloseTo(0.15, 10);
    expect(partitionShareAtScale1(30, 0.0005)).toBeCloseTo(1, 10);
    expect(new WriteAttribution(tables).result(1).topPartitions).toEqual([]);
    expect(attribution.result().topPartitions).toEqual([]); // no scale, no shares
  });
});
