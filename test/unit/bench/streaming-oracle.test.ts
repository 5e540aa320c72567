import { describe, expect, it } from 'vitest';
import { StreamingOracle } from '../../../bench/lib/streaming-oracle';
import { generateWeekReplay } from '../../../bench/lib/week';
import type { Observation } from '../../../shared/observation';
import { SeededRandom } from '../../../shared/random';
import { computeOracle } from '../../support/oracle';

const replay = generateWeekReplay({ scale: 0.0003, seed: 11, days: 3 });
const deliveries = replay.messages.flatMap((m) => m.observations);

const streamed = (observations: readonly Observation[]) => {
  const oracle = new StreamingOracle(replay.config);
  for (const o of observations) oracle.add(o);
  return oracle;
};

describe('StreamingOracle', () => {
  it('equals computeOracle on a week replay in delivery order, duplicates and late snapshots included', () => {
    expect(replay.stats.duplicateDeliveries).toBeGreaterThan(0);
    expect(replay.stats.outOfOrderSnapshots).toBeGreaterThan(0);
    expect(streamed(deliveries).table()).toEqual(computeOracle(replay.config, deliveries));
  });

  it('equals computeOracle whatever the order and however often a snapshot comes', () => {
    const rng = new SeededRandom(5);
    const shuffled = rng.shuffle([...deliveries, ...deliveries.filter(() => rng.chance(0.2))]);
    expect(streamed(shuffled).table()).toEqual(computeOracle(replay.config, deliveries));
  });

  it('keeps one snapshot per post and observed day, plus the earliest, not one per delivery', () => {
    const oracle = streamed(deliveries);
    const { posts, snapshots, deliveries: added } = oracle.size();
    expect(added).toBe(deliveries.length);
    expect(snapshots).toBeLessThanOrEqual(posts * (replay.stats.days + 2));
    expect(snapshots).toBeLessThan(deliveries.length / 2);
  });

  it('keeps a snapshot that defines other counters than the latest of its day', () => {
    const first = deliveries.find((o) => o.counters.views !== undefined) as Observation;
    const later = (minutes: number, counters: Observation['counters']): Observation => ({
      ...first,
      observedAt: new Date(Date.parse(first.observedAt) + minutes * 60_000).toISOString(),
      counters,
    });
    const snapshots = [
      first,
      later(1, { ...first.counters, views: (first.counters.views ?? 0) + 50 }),
      later(2, { likes: (first.counters.likes ?? 0) + 3 }),
    ];
    expect(streamed(snapshots).table()).toEqual(computeOracle(replay.config, snapshots));
    expect(streamed([...snapshots].reverse()).table()).toEqual(computeOracle(replay.config, snapshots));
  });
});
