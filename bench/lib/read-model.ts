import { READ_CONCURRENCY } from '../../functions/aggregate/batch-events';
import type { CampaignIndex } from '../../functions/aggregate/matching';
import { touchedBy } from '../../functions/aggregate/spikes';
import type { KolPulseConfig } from '../../shared/config';
import { PUT_EVENTS_MAX_ENTRIES } from '../../shared/events/publisher';
import { kolSeriesPartition } from '../../shared/keys';
import type { Observation } from '../../shared/observation';

/**
 * The aggregate's DynamoDB reads, counted by DynamoDB's rules (developer guide, "DynamoDB read and write
 * operations": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html)
 * on the items the write model (bench/lib/write-model.ts) holds, which calls it at each read the aggregate
 * makes:
 * - per pass, one strongly consistent BatchGetItem of every distinct post's state (`AggregateStore.readStates`);
 * - per pass, for the posts whose state still carries an outbox, one eventually consistent BatchGetItem of
 *   the distinct buckets those outboxes name (`dropApplied`);
 * - per fold (`ChainFolder`), a consistent Query of the chain's two latest fold rows, then a consistent
 *   GetItem of each bucket it folds, up to the first one still open;
 * - per batch, when campaign events are published (`publishBatchEvents`), one eventually consistent Query
 *   of each roster KOL day the batch touched (all its rows: every platform's buckets and folds), then one
 *   KolDayFiguresChanged event each, in PutEvents calls of 10.
 * BatchGetItem and GetItem are charged per item, its size rounded up to 4 KB (1 RRU strong, 0.5 eventual);
 * an item not found still costs that minimum. A Query is charged once on the sum of the rows it reads,
 * rounded up to 4 KB; projections do not lower any of it. Dynalite (the metered run) follows the same rules
 * except that a Query finding nothing costs it 0 where DynamoDB charges the minimum of a read that finds
 * nothing: both are counted, so the calibration compares like with like and the cost uses DynamoDB's.
 * Reads after a failed conditional write (conflicts, closed buckets) are not modelled: a single sequential
 * process never meets them; the cost carries them as the concurrent run's extra reads.
 */

export type ReadRule = 'dynamodb' | 'dynalite';

const READ_UNIT_BYTES = 4 * 1024;

/** GetItem or one key of a BatchGetItem: the item's size rounded up to 4 KB; a missing item the minimum. */
export const itemReadUnits = (bytes: number | undefined, consistent: boolean): number =>
  Math.max(1, Math.ceil((bytes ?? 0) / READ_UNIT_BYTES)) * (consistent ? 1 : 0.5);

/** A Query: the rows' sizes summed, rounded up to 4 KB; an empty Query costs DynamoDB the minimum, dynalite 0. */
export const queryReadUnits = (rows: readonly number[], consistent: boolean, rule: ReadRule): number => {
  const blocks = Math.ceil(rows.reduce((n, b) => n + b, 0) / READ_UNIT_BYTES);
  return (rule === 'dynamodb' ? Math.max(1, blocks) : blocks) * (consistent ? 1 : 0.5);
};

/** Read units of one kind of read (`table:Operation consistency`, as bench/lib/metered-client.ts names it). */
export interface ReadTally {
  /** By DynamoDB's rules. */
  units: number;
  /** By dynalite's (what the metered run reports). */
  dynaliteUnits: number;
  /** Items read by key, or Queries. */
  reads: number;
}

export interface EventModelResult {
  batches: number;
  /** KolDayFiguresChanged events: one per roster KOL day a batch touched. */
  events: number;
  putEventsCalls: number;
  /** The Queries of those KOL days (eventually consistent), and the rows they read. */
  queries: ReadTally;
  rowsRead: number;
  /** Query round trips of the event step summed over batches (8 Queries in flight at once). */
  queryRounds: number;
}

export interface ReadModelResult {
  /** The aggregate's own reads (events apart), by DynamoDB's rules and by dynalite's. */
  readUnits: number;
  dynaliteReadUnits: number;
  byOperation: Record<string, ReadTally>;
  /** State reads that found no item (new or unmatched posts). */
  statesMissing: number;
  events: EventModelResult;
}

/** The size of a row as it is now (a bucket grows, a fold row loses its index keys when retired). */
type RowSize = () => number;

const KOL_SERIES = /^C#[^#]+#K#/;

export class ReadModel {
  private readonly tallies = new Map<string, ReadTally>();
  /** Rows of KOL series partitions (buckets and folds), by partition and sort key: what event Queries read. */
  private readonly kolRows = new Map<string, Map<string, RowSize>>();
  private statesMissing = 0;
  private readonly events: EventModelResult = {
    batches: 0,
    events: 0,
    putEventsCalls: 0,
    queries: { units: 0, dynaliteUnits: 0, reads: 0 },
    rowsRead: 0,
    queryRounds: 0,
  };

  constructor(
    private readonly config: KolPulseConfig,
    private readonly index: CampaignIndex,
  ) {}

  /** Step 1 of a pass: every distinct post's state, strongly consistent (undefined: no item yet). */
  statesRead(sizes: readonly (number | undefined)[]): void {
    for (const bytes of sizes) {
      if (bytes === undefined) this.statesMissing++;
      this.itemRead('state:BatchGet strong', bytes, true);
    }
  }

  /** Step 2 (`dropApplied`): the distinct buckets the found outboxes name, eventually consistent. */
  outboxBucketsRead(sizes: readonly (number | undefined)[]): void {
    for (const bytes of sizes) this.itemRead('rollups:BatchGet eventual', bytes, false);
  }

  /** `ChainFolder.readFolds`: the chain's latest two fold rows (none before its first fold). */
  foldsQueried(rowSizes: readonly number[]): void {
    this.queryRead(this.tally('rollups:Query strong'), rowSizes, true);
  }

  /** `ChainFolder.read`: one bucket, consistent, charged its full size (the projection does not count). */
  bucketRead(bytes: number | undefined): void {
    this.itemRead('rollups:Get strong', bytes, true);
  }

  /** A row written to the rollups table; the model keeps those of KOL series partitions for event Queries. */
  rowWritten(pk: string, sk: string, size: RowSize): void {
    if (!KOL_SERIES.test(pk)) return;
    const rows = this.kolRows.get(pk) ?? new Map<string, RowSize>();
    this.kolRows.set(pk, rows);
    rows.set(sk, size);
  }

  /** `publishBatchEvents` after a batch: one Query and one event per roster KOL day the batch touched. */
  batchEvents(observations: readonly Observation[], nowMs: number): void {
    const { kolDays } = touchedBy(observations, this.index, this.config, nowMs);
    this.events.batches++;
    this.events.events += kolDays.size;
    this.events.putEventsCalls += Math.ceil(kolDays.size / PUT_EVENTS_MAX_ENTRIES);
    this.events.queryRounds += Math.ceil(kolDays.size / READ_CONCURRENCY);
    for (const t of kolDays.values()) {
      const rows = this.kolRows.get(kolSeriesPartition(t.campaignId, t.kolId));
      const last = `${t.day}#~`;
      const sizes: number[] = [];
      for (const [sk, size] of rows ?? []) if (sk >= t.day && sk <= last) sizes.push(size());
      this.events.rowsRead += sizes.length;
      this.queryRead(this.events.queries, sizes, false);
    }
  }

  result(): ReadModelResult {
    const byOperation = Object.fromEntries([...this.tallies].map(([op, t]) => [op, { ...t }]));
    const all = [...this.tallies.values()];
    return {
      readUnits: all.reduce((n, t) => n + t.units, 0),
      dynaliteReadUnits: all.reduce((n, t) => n + t.dynaliteUnits, 0),
      byOperation,
      statesMissing: this.statesMissing,
      events: { ...this.events, queries: { ...this.events.queries } },
    };
  }

  private tally(operation: string): ReadTally {
    let t = this.tallies.get(operation);
    if (!t) {
      t = { units: 0, dynaliteUnits: 0, reads: 0 };
      this.tallies.set(operation, t);
    }
    return t;
  }

  private itemRead(operation: string, bytes: number | undefined, consistent: boolean): void {
    const t = this.tally(operation);
    const units = itemReadUnits(bytes, consistent);
    t.units += units;
    t.dynaliteUnits += units;
    t.reads++;
  }

  private queryRead(t: ReadTally, rows: readonly number[], consistent: boolean): void {
    t.units += queryReadUnits(rows, consistent, 'dynamodb');
    t.dynaliteUnits += queryReadUnits(rows, consistent, 'dynalite');
    t.reads++;
  }
}
