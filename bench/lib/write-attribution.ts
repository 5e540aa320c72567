import type { TableNames } from '../../infra/local/engines';
import { postStateKey } from '../../shared/keys';
import type { Observation } from '../../shared/observation';
import type { ItemWrite } from './metered-client';

/**
 * Attributes the efficiency run's metered writes to what caused them, batch by batch:
 * - write units per partition key value (base table `pk`, and each index partition) per minute of replay
 *   time, where a batch's writes happen at the start of the poll cycle it was formed in;
 * - the state writes of posts whose only observations in a batch repeat the post's previous counters
 *   (no-op observations: nothing a report shows can change).
 */

export interface BusiestPartition {
  /** `table:pk=value` or `table.index:gsi1pk=value` (logical table names: state, rollups). */
  partition: string;
  /** Start of the busiest minute (ms since the epoch, replay time). */
  minuteStartMs: number;
  writeUnits: number;
}

export interface NoopWrites {
  /** Observations whose counters equal the post's previous observation, alone for their post in a batch. */
  isolatedObservations: number;
  /** Writes (items written, conditional failures included) to those posts' state items in those batches. */
  stateWrites: number;
  /** Write units of those writes (index entries included). */
  writeUnits: number;
  /** Every observation whose counters equal the post's previous observation, isolated or not. */
  unchangedObservations: number;
}

/** DynamoDB's write throughput per partition: 1,000 WCU/s (bench/lib/figures.ts cites it). */
const PARTITION_WRITE_UNITS_PER_MINUTE = 1_000 * 60;
/** How many of the busiest partition keys the result lists. */
export const TOP_PARTITIONS = 5;

/** A partition's busiest minute as a share of the per-partition limit, extrapolated linearly to scale 1. */
export const partitionShareAtScale1 = (writeUnits: number, scale: number): number =>
  writeUnits / scale / PARTITION_WRITE_UNITS_PER_MINUTE;

export interface TopPartition extends BusiestPartition {
  /** partitionShareAtScale1 at the run's scale. */
  shareAtScale1: number;
}

export interface WriteAttributionResult {
  busiest?: BusiestPartition;
  /** The TOP_PARTITIONS busiest partition keys by their busiest minute, busiest first (empty without a scale). */
  topPartitions: TopPartition[];
  /** Write units by item kind (`state:POST`, `rollups:T`, `rollups.byDay:VD`, ...), base and index writes apart. */
  unitsByKind: Record<string, number>;
  /** Items written by kind (conditional failures included). */
  writesByKind: Record<string, number>;
  /** Partitions measured (distinct key values written). */
  partitions: number;
  noop: NoopWrites;
}

/**
 * The kind of item a partition key names: `POST`, `PREC`, ... in the state table; the segment after the
 * campaign in the rollups table (`K` KOL day, `W` KOL week, `V` voice day, `T` total shard, `KH`/`VH`/`H`
 * hours, `FRESH`; index partitions `KD`, `KW`, `VD`, `TD`, `TRACK`).
 */
export const kindOf = (partitionKey: string): string => {
  const parts = partitionKey.split('#');
  return (parts[0] === 'C' ? parts[2] : parts[0]) ?? partitionKey;
};

const counterText = (o: Observation) =>
  JSON.stringify([o.counters.likes, o.counters.shares, o.counters.comments, o.counters.views]);

export class WriteAttribution {
  private readonly unitsByPartitionMinute = new Map<string, number>();
  private readonly partitionNames = new Set<string>();
  private readonly lastCounters = new Map<string, string>();
  private readonly unitsByKind: Record<string, number> = {};
  private readonly writesByKind: Record<string, number> = {};
  private noopStateKeys = new Set<string>();
  private minuteStartMs = 0;
  private readonly noop: NoopWrites = {
    isolatedObservations: 0,
    stateWrites: 0,
    writeUnits: 0,
    unchangedObservations: 0,
  };

  constructor(private readonly tables: TableNames) {}

  /** Call before the handler runs a batch: its observations, and the poll cycle it was formed in. */
  startBatch(observations: readonly Observation[], cycleStartMs: number): void {
    this.minuteStartMs = Math.floor(cycleStartMs / 60_000) * 60_000;
    const unchangedByPost = new Map<string, { all: boolean; count: number }>();
    for (const o of observations) {
      const post = `${o.platform}\u0000${o.postId}`;
      const counters = counterText(o);
      const unchanged = this.lastCounters.get(post) === counters;
      if (unchanged) this.noop.unchangedObservations++;
      const entry = unchangedByPost.get(post) ?? { all: true, count: 0 };
      entry.all &&= unchanged;
      entry.count++;
      unchangedByPost.set(post, entry);
      this.lastCounters.set(post, counters);
    }
    this.noopStateKeys = new Set();
    for (const o of observations) {
      const entry = unchangedByPost.get(`${o.platform}\u0000${o.postId}`);
      if (!entry?.all) continue;
      const pk = postStateKey(o.platform, o.postId).pk;
      if (this.noopStateKeys.has(pk)) continue;
      this.noopStateKeys.add(pk);
      this.noop.isolatedObservations += entry.count;
    }
  }

  /** The metered client's onWrite hook. */
  record = (write: ItemWrite): void => {
    const pk = String(write.key.pk);
    const table = write.tableName === this.tables.state ? 'state' : 'rollups';
    this.add(`${table}:pk=${pk}`, write.tableUnits);
    this.count(`${table}:${kindOf(pk)}`, write.tableUnits);
    for (const w of write.indexWrites) {
      this.add(`${table}.${w.indexName}:gsi1pk=${w.partition}`, w.units);
      this.count(`${table}.${w.indexName}:${kindOf(w.partition)}`, w.units);
    }
    if (table === 'state' && this.noopStateKeys.has(pk)) {
      this.noop.stateWrites++;
      this.noop.writeUnits += write.tableUnits + write.indexWrites.reduce((n, w) => n + w.units, 0);
    }
  };

  private count(kind: string, units: number) {
    this.unitsByKind[kind] = (this.unitsByKind[kind] ?? 0) + units;
    this.writesByKind[kind] = (this.writesByKind[kind] ?? 0) + 1;
  }

  private add(partition: string, units: number) {
    this.partitionNames.add(partition);
    const id = `${partition}\u0000${this.minuteStartMs}`;
    this.unitsByPartitionMinute.set(id, (this.unitsByPartitionMinute.get(id) ?? 0) + units);
  }

  /** `scale`: the replay's scale, for the top partitions' shares at scale 1. */
  result(scale?: number): WriteAttributionResult {
    const busiestMinute = new Map<string, BusiestPartition>();
    for (const [id, units] of this.unitsByPartitionMinute) {
      const [partition = '', minute = '0'] = id.split('\u0000');
      const seen = busiestMinute.get(partition);
      if (!seen || units > seen.writeUnits)
        busiestMinute.set(partition, { partition, minuteStartMs: Number(minute), writeUnits: units });
    }
    const ranked = [...busiestMinute.values()].sort(
      (a, b) =>
        b.writeUnits - a.writeUnits ||
        a.minuteStartMs - b.minuteStartMs ||
        (a.partition < b.partition ? -1 : 1),
    );
    const busiest = ranked[0];
    return {
      ...(busiest ? { busiest } : {}),
      topPartitions:
        scale === undefined
          ? []
          : ranked.slice(0, TOP_PARTITIONS).map((p) => ({
              ...p,
              shareAtScale1: partitionShareAtScale1(p.writeUnits, scale),
            })),
      partitions: this.partitionNames.size,
      unitsByKind: { ...this.unitsByKind },
      writesByKind: { ...this.writesByKind },
      noop: { ...this.noop },
    };
  }
}
