import { DEFAULT_AGGREGATOR_OPTIONS, passesOf } from '../../functions/aggregate/aggregator';
import { DEFAULT_OBSERVATIONS_PER_PASS } from '../../functions/aggregate/app';
import { FRESHNESS_WRITE_INTERVAL_MS, latestObserved } from '../../functions/aggregate/freshness';
import { buildCampaignIndex, type CampaignIndex } from '../../functions/aggregate/matching';
import { toStoredState } from '../../functions/aggregate/outbox-codec';
import { type PlannerOptions, planPostUpdate } from '../../functions/aggregate/planner';
import { type PostState, type RollupChange, stateAttributesOf } from '../../functions/aggregate/post-state';
import { sumDeltas } from '../../functions/aggregate/rollup-update';
import { bucketOpenOf, DEFAULT_STORE_TUNING, postKeyString } from '../../functions/aggregate/store';
import type { KolPulseConfig } from '../../shared/config';
import {
  freshnessPartition,
  markerAttribute,
  postStateKey,
  rollupBucketSk,
  trackIndexKey,
} from '../../shared/keys';
import { type Figures, STORED_METRICS } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import { rollupFoldSk } from '../../shared/rollup-chains';
import { topology } from '../../shared/topology';
import { PARTITION_WCU_PER_SECOND } from './figures';
import { itemSize, valueSize, writeUnitsFor } from './item-size';
import { indexWritesOf } from './metered-client';
import { ReadModel, type ReadModelResult } from './read-model';
import { kindOf } from './write-attribution';

/**
 * An in-memory model of the aggregate's DynamoDB writes (docs/benchmarks.md, "Write model"), for volumes
 * the metered dynalite run cannot reach. It runs the aggregate's own pure steps (pass splitting, the
 * planner `planPostUpdate`, freshness grouping) and models only the store: per pass, one conditional
 * state write per post whose figures change; per rollup bucket, one UpdateItem per `postsPerUpdate` posts
 * costing 1 WRU per started KB of the larger of the item's images (its fixed attributes and its markers,
 * sized by DynamoDB's rules, bench/lib/item-size.ts); a byDay index write whenever the projected figures
 * change; bucket chains that close after `bucketMarkerLimit - postsPerUpdate` marker writes, placement
 * filling a bucket exactly to closing before spilling onto the next (`BucketChains.place`), a closing write
 * folding its chain, a write to a closed bucket failing (charged the item's size), its posts reissued (one
 * more state write) onto the next bucket; one freshness write per campaign and platform a batch touched. The
 * aggregate's reads of the same stream are counted by bench/lib/read-model.ts, called at each read. Conflicts and crashes are not
 * modelled (sequential batches, like the metered efficiency run it is calibrated against).
 */

type Item = Record<string, unknown>;

export interface WriteModelTuning {
  postsPerUpdate: number;
  bucketMarkerLimit: number;
  observationsPerPass: number;
}

export const DEFAULT_WRITE_MODEL_TUNING: WriteModelTuning = {
  postsPerUpdate: DEFAULT_STORE_TUNING.postsPerUpdate,
  bucketMarkerLimit: DEFAULT_STORE_TUNING.bucketMarkerLimit,
  observationsPerPass: DEFAULT_OBSERVATIONS_PER_PASS,
};

/** One rollup bucket as DynamoDB holds it: its non-marker attributes, and its markers by name. */
export interface ModelBucket {
  item: Item;
  /** itemSize(item), kept up to date by `applyUnit`. */
  itemBytes?: number;
  markers: Map<string, number>;
  markerBytes: number;
  /** Marker writes so far (`mk`); the bucket is closed once it exceeds `open`. */
  writes: number;
  open: number;
}

/** Bytes of a bucket item: its attributes plus every marker (name + number). */
export const bucketBytes = (b: ModelBucket): number => (b.itemBytes ?? itemSize(b.item)) + b.markerBytes;

export const isBucketClosed = (b: ModelBucket): boolean => b.writes > b.open;

const markerBytesOf = (name: string, rev: number) => Buffer.byteLength(name, 'utf8') + valueSize(rev);

/** Counters every rollup item carries (rollup-update.ts); views and reach only once a value contributed. */
const ALWAYS_ADDED = new Set(['mentions', 'likes', 'shares', 'comments']);

/**
 * Applies one coalesced UpdateItem to a bucket as `rollupUpdate` does: descriptive attributes if absent,
 * `mkOpen` if absent, `mk` + contributions, summed metrics added, every contributor's marker set.
 * Returns the item's bytes before and after.
 */
export const applyUnit = (
  bucket: ModelBucket,
  attrs: Record<string, string | number>,
  contributions: ReadonlyMap<string, { rev: number; delta: Partial<Figures> }>,
): { before: number; after: number } => {
  const before = bucketBytes(bucket);
  const item = bucket.item;
  for (const [name, value] of Object.entries(attrs)) if (item[name] === undefined) item[name] = value;
  item.mkOpen ??= bucket.open;
  bucket.writes += contributions.size;
  item.mk = bucket.writes;
  const total = sumDeltas([...contributions.values()].map((c) => c.delta));
  for (const metric of STORED_METRICS) {
    const add = total[metric];
    if (add === undefined && !ALWAYS_ADDED.has(metric)) continue;
    item[metric] = ((item[metric] as number | undefined) ?? 0) + (add ?? 0);
  }
  for (const [marker, c] of contributions) {
    const old = bucket.markers.get(marker);
    bucket.markerBytes += markerBytesOf(marker, c.rev) - (old === undefined ? 0 : markerBytesOf(marker, old));
    bucket.markers.set(marker, c.rev);
  }
  bucket.itemBytes = itemSize(item);
  return { before, after: bucketBytes(bucket) };
};

/** The post state item a state write leaves (store.ts `writeState`): keys, owned attributes, index keys. */
export const stateItemOf = (state: PostState): Item => {
  const values: Item = {
    ...toStoredState(state),
    ...trackIndexKey(state.platform, state.publishedAt, state.postId),
    expiresAt: Math.floor(Date.parse(state.publishedAt) / 1000) + 90 * 24 * 3600,
  };
  const item: Item = { ...postStateKey(state.platform, state.postId) };
  for (const attr of stateAttributesOf(state)) item[attr] = values[attr];
  return item;
};

export interface WriteModelBusiest {
  partition: string;
  minuteStartMs: number;
  writeUnits: number;
  /** writeUnits / (1,000 WCU/s x 60 s). */
  share: number;
}

export interface WriteModelResult {
  observations: number;
  batches: number;
  passes: number;
  writeUnits: number;
  writes: number;
  unitsByKind: Record<string, number>;
  writesByKind: Record<string, number>;
  /** Busiest partition minute, over base-table keys and index partitions together, and apart. */
  busiest?: WriteModelBusiest;
  busiestBase?: WriteModelBusiest;
  busiestIndex?: WriteModelBusiest;
  largestBucketBytes: number;
  largestBucket?: string;
  largestStateBytes: number;
  closedBuckets: number;
  /** Fold rows written (`ChainFolder`). */
  foldRows: number;
  failedBucketWrites: number;
  reissuedStates: number;
  postsDropped: number;
  /** The aggregate's reads on the same stream (bench/lib/read-model.ts), events included apart. */
  reads: ReadModelResult;
}

interface Application {
  postKey: string;
  marker: string;
  state: PostState;
  rev: number;
  changes: RollupChange[];
}

/** Write units per partition and minute; the busiest minute is kept as minutes go by (batches come in order). */
class PartitionMinutes {
  private minute = Number.NaN;
  private current = new Map<string, number>();
  best: Record<'all' | 'base' | 'index', WriteModelBusiest | undefined> = {
    all: undefined,
    base: undefined,
    index: undefined,
  };

  add(minute: number, partition: string, units: number) {
    if (minute !== this.minute) this.flush();
    this.minute = minute;
    this.current.set(partition, (this.current.get(partition) ?? 0) + units);
  }

  flush() {
    for (const [partition, writeUnits] of this.current) {
      const entry = {
        partition,
        minuteStartMs: this.minute,
        writeUnits,
        share: writeUnits / (PARTITION_WCU_PER_SECOND * 60),
      };
      const group = partition.includes('.') ? 'index' : 'base';
      for (const g of ['all', group] as const)
        if ((this.best[g]?.writeUnits ?? 0) < writeUnits) this.best[g] = entry;
    }
    this.current = new Map();
  }
}

export class WriteModel {
  private readonly index: CampaignIndex;
  private readonly options: PlannerOptions;
  private readonly tuning: WriteModelTuning;
  private readonly open: number;
  private readonly states = new Map<
    string,
    { state: PostState; bytes: number; staticBytes: number; publishedMs: number }
  >();
  private readonly buckets = new Map<string, ModelBucket>();
  /** Per chain (pk + base sk): the first bucket the aggregate does not know closed. */
  private readonly firstOpen = new Map<string, number>();
  /** Per bucket: the posts placed on it whose write has not happened yet. */
  private readonly placed = new Map<string, Set<string>>();
  /** Chains a write closed a bucket of in the current settle round: folded once the round's writes are done. */
  private readonly closing = new Map<string, RollupChange>();
  private readonly partitions = new PartitionMinutes();
  private readonly freshness = new Map<string, number>();
  /** Per chain: its fold rows (oldest first) and the last bucket this process knows folded. */
  private readonly folds = new Map<string, { rows: { item: Item; through: number }[]; folded: number }>();
  private minuteStartMs = 0;
  private readonly reads: ReadModel;
  private readonly out = {
    observations: 0,
    batches: 0,
    passes: 0,
    writeUnits: 0,
    writes: 0,
    unitsByKind: {} as Record<string, number>,
    writesByKind: {} as Record<string, number>,
    largestBucketBytes: 0,
    largestBucket: undefined as string | undefined,
    largestStateBytes: 0,
    closedBuckets: 0,
    foldRows: 0,
    failedBucketWrites: 0,
    reissuedStates: 0,
    postsDropped: 0,
  };

  constructor(config: KolPulseConfig, tuning: Partial<WriteModelTuning> = {}) {
    this.index = buildCampaignIndex(config);
    const hourlyCampaigns = new Set(config.campaigns.filter((c) => c.alerts?.spike).map((c) => c.id));
    this.options = { ...DEFAULT_AGGREGATOR_OPTIONS, hourlyCampaigns };
    this.tuning = { ...DEFAULT_WRITE_MODEL_TUNING, ...tuning };
    this.open = bucketOpenOf(this.tuning);
    this.reads = new ReadModel(config, this.index);
  }

  /** One trigger batch formed in the poll cycle starting at `cycleStartMs` (its writes fall in that minute). */
  applyBatch(observations: readonly Observation[], cycleStartMs: number): void {
    this.minuteStartMs = Math.floor(cycleStartMs / 60_000) * 60_000;
    this.out.batches++;
    this.out.observations += observations.length;
    const sourced = observations.map((observation, i) => ({ recordId: String(i), observation }));
    for (const pass of passesOf(sourced, this.tuning.observationsPerPass)) {
      this.out.passes++;
      this.applyPass(pass.map((p) => p.observation));
    }
    // FreshnessRecorder: a time within FRESHNESS_WRITE_INTERVAL_MS of one this process stored is not written.
    for (const { key, campaignId, platform, ms } of latestObserved(this.index, observations)) {
      const known = this.freshness.get(key);
      if (known !== undefined && ms <= known + FRESHNESS_WRITE_INTERVAL_MS) continue;
      this.write('rollups', freshnessPartition(campaignId), 1, platform);
      this.freshness.set(key, Math.max(known ?? ms, ms));
    }
    this.reads.batchEvents(observations, cycleStartMs);
  }

  /** Forgets posts published before `ms` (their tracking ended): keeps memory bounded over a week. */
  dropPostsPublishedBefore(ms: number): void {
    for (const [key, s] of this.states)
      if (s.publishedMs < ms) {
        this.states.delete(key);
        this.out.postsDropped++;
      }
  }

  result(): WriteModelResult {
    this.partitions.flush();
    const { all, base, index } = this.partitions.best;
    return {
      ...this.out,
      reads: this.reads.result(),
      unitsByKind: { ...this.out.unitsByKind },
      writesByKind: { ...this.out.writesByKind },
      ...(all ? { busiest: all } : {}),
      ...(base ? { busiestBase: base } : {}),
      ...(index ? { busiestIndex: index } : {}),
    };
  }

  private write(table: 'state' | 'rollups', pk: string, units: number, _sk?: string) {
    this.count(`${table}:${kindOf(pk)}`, units);
    this.partitions.add(this.minuteStartMs, `${table}:pk=${pk}`, units);
  }

  private indexWrite(table: 'state' | 'rollups', indexName: string, partition: string, units: number) {
    this.count(`${table}.${indexName}:${kindOf(partition)}`, units);
    this.partitions.add(this.minuteStartMs, `${table}.${indexName}:gsi1pk=${partition}`, units);
  }

  private count(kind: string, units: number) {
    this.out.writeUnits += units;
    this.out.writes++;
    this.out.unitsByKind[kind] = (this.out.unitsByKind[kind] ?? 0) + units;
    this.out.writesByKind[kind] = (this.out.writesByKind[kind] ?? 0) + 1;
  }

  private applyPass(observations: readonly Observation[]) {
    const byPost = new Map<string, Observation[]>();
    for (const o of observations) {
      const key = postKeyString(o.platform, o.postId);
      const list = byPost.get(key) ?? [];
      byPost.set(key, list);
      list.push(o);
    }
    this.readPass(byPost.keys());
    let round: Application[] = [];
    for (const [key, list] of byPost) {
      const held = this.states.get(key);
      const plan = planPostUpdate(held?.state, list, this.index, this.options);
      if (plan.kind !== 'write') continue;
      const outbox = plan.next.outbox && {
        ...plan.next.outbox,
        changes: this.place(markerAttribute(plan.next.platform, plan.next.postId), plan.next.outbox.changes),
      };
      const next: PostState = { ...plan.next, ...(outbox ? { outbox } : {}) };
      this.writeState(key, next, held);
      if (outbox)
        round.push({
          postKey: key,
          marker: markerAttribute(next.platform, next.postId),
          state: next,
          rev: outbox.rev,
          changes: outbox.changes,
        });
    }
    while (round.length > 0) round = this.applyOutboxes(round);
  }

  /** Steps 1 and 2 of a pass: the posts' states, then the buckets their pending outboxes name. */
  private readPass(keys: Iterable<string>) {
    const sizes: (number | undefined)[] = [];
    const buckets = new Set<string>();
    for (const key of keys) {
      const held = this.states.get(key);
      sizes.push(held?.bytes);
      for (const c of held?.state.outbox?.changes ?? [])
        buckets.add(`${c.pk}\u0000${rollupBucketSk(c.sk, c.bucket ?? 0)}`);
    }
    this.reads.statesRead(sizes);
    this.reads.outboxBucketsRead([...buckets].map((key) => this.bucketSize(key)));
  }

  private bucketSize(key: string): number | undefined {
    const bucket = this.buckets.get(key);
    return bucket && bucketBytes(bucket);
  }

  /**
   * A conditional state write, sized like the item the store writes. Keys, author, associations and index
   * keys never change, so their bytes are measured on a post's first write and only the rest after.
   */
  private writeState(key: string, next: PostState, before?: { bytes: number; staticBytes: number }) {
    let staticBytes = before?.staticBytes;
    if (staticBytes === undefined) {
      const item = stateItemOf(next);
      staticBytes = itemSize(item) - changingBytes(next);
      for (const w of indexWritesOf(topology.tables.state, undefined, item))
        this.indexWrite('state', w.indexName, w.partition, w.units);
    }
    const bytes = staticBytes + changingBytes(next);
    this.write(
      'state',
      postStateKey(next.platform, next.postId).pk,
      writeUnitsFor(Math.max(bytes, before?.bytes ?? 0)),
    );
    this.out.largestStateBytes = Math.max(this.out.largestStateBytes, bytes);
    this.states.set(key, { state: next, bytes, staticBytes, publishedMs: Date.parse(next.publishedAt) });
  }

  /**
   * `BucketChains.place`: each chain's first open bucket whose marker writes and placed posts leave room for
   * one more within `mkOpen + 1` (this single process knows every bucket's `mk`), one bucket per chain.
   */
  private place(marker: string, changes: readonly RollupChange[]): RollupChange[] {
    const chosen = new Map<string, number>();
    return changes.map((change) => {
      const chain = `${change.pk}\u0000${change.sk}`;
      let bucket = chosen.get(chain);
      for (let n = this.firstOpen.get(chain) ?? 0; bucket === undefined; n++) {
        const key = `${change.pk}\u0000${rollupBucketSk(change.sk, n)}`;
        const existing = this.buckets.get(key);
        const placed = this.placed.get(key) ?? new Set<string>();
        if (existing && isBucketClosed(existing)) continue;
        if (!placed.has(marker) && (existing?.writes ?? 0) + placed.size > (existing?.open ?? this.open))
          continue;
        placed.add(marker);
        this.placed.set(key, placed);
        bucket = n;
      }
      chosen.set(chain, bucket);
      const { bucket: _previous, ...base } = change;
      return bucket === 0 ? base : { ...base, bucket };
    });
  }

  /** One settle round over the applications; returns the reissued ones whose changes moved to a new bucket. */
  private applyOutboxes(applications: readonly Application[]): Application[] {
    const byBucket = new Map<string, { change: RollupChange; contributions: Map<string, Contribution> }>();
    for (const a of applications)
      for (const change of a.changes) {
        const key = `${change.pk}\u0000${rollupBucketSk(change.sk, change.bucket ?? 0)}`;
        const entry = byBucket.get(key) ?? { change, contributions: new Map<string, Contribution>() };
        byBucket.set(key, entry);
        const existing = entry.contributions.get(a.marker);
        entry.contributions.set(a.marker, {
          application: a,
          rev: a.rev,
          delta: existing ? sumDeltas([existing.delta, change.delta]) : { ...change.delta },
          changes: [...(existing?.changes ?? []), change],
        });
      }
    const moved = new Map<string, { application: Application; changes: RollupChange[] }>();
    for (const [key, { change, contributions }] of byBucket) {
      const parts = [...contributions];
      for (let i = 0; i < parts.length; i += this.tuning.postsPerUpdate) {
        const unit = new Map(parts.slice(i, i + this.tuning.postsPerUpdate));
        const failed = this.applyToBucket(key, change, unit);
        for (const marker of unit.keys()) this.placed.get(key)?.delete(marker);
        for (const c of failed) {
          const m = moved.get(c.application.postKey) ?? { application: c.application, changes: [] };
          moved.set(c.application.postKey, m);
          m.changes.push(...c.changes);
        }
      }
    }
    for (const c of this.closing.values()) this.fold(c, (this.firstOpen.get(chainOf(c)) ?? 0) - 1);
    this.closing.clear();
    return [...moved.values()].map(({ application, changes }) => this.reissue(application, changes));
  }

  /** One UpdateItem; returns the contributions refused because the bucket is closed. */
  private applyToBucket(key: string, change: RollupChange, unit: Map<string, Contribution>): Contribution[] {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { item: {}, markers: new Map(), markerBytes: 0, writes: 0, open: this.open };
      const [pk = '', sk = ''] = key.split('\u0000');
      bucket.item.pk = pk;
      bucket.item.sk = sk;
      this.buckets.set(key, bucket);
      const created = bucket;
      this.reads.rowWritten(pk, sk, () => bucketBytes(created));
    }
    if (isBucketClosed(bucket)) {
      // The condition fails: charged the item's size; the aggregate learns the chain moved on.
      this.out.failedBucketWrites++;
      this.write('rollups', change.pk, writeUnitsFor(bucketBytes(bucket)));
      const chain = `${change.pk}\u0000${change.sk}`;
      this.firstOpen.set(chain, Math.max(this.firstOpen.get(chain) ?? 0, (change.bucket ?? 0) + 1));
      return [...unit.values()];
    }
    const indexBefore = projectedFigures(bucket.item);
    const { before, after } = applyUnit(bucket, change.attrs, unit);
    this.write('rollups', change.pk, writeUnitsFor(Math.max(before, after)));
    // The byDay entry (keys, descriptive attributes, figures: far below 1 KB) is written when a figure moved.
    const partition = bucket.item[BY_DAY.partitionKey];
    if (partition !== undefined && projectedFigures(bucket.item) !== indexBefore)
      this.indexWrite('rollups', BY_DAY.indexName, String(partition), 1);
    if (isBucketClosed(bucket) && bucket.writes - unit.size <= bucket.open) {
      this.out.closedBuckets++;
      this.closing.set(chainOf(change), change);
      this.advanceFirstOpen(change);
    }
    if (after > this.out.largestBucketBytes) {
      this.out.largestBucketBytes = after;
      this.out.largestBucket = key.replace('\u0000', ' ');
    }
    return [];
  }

  /** The post's next revision, whose outbox holds only the moved changes, placed on the next open bucket. */
  private reissue(a: Application, changes: RollupChange[]): Application {
    this.out.reissuedStates++;
    const rev = a.state.rev + 1;
    // `BucketChains.move`: the first open bucket after the closed one, the chain folded up to it, then placed.
    const placed = changes.map((c) => {
      const open = this.nextOpenBucket(c);
      this.firstOpen.set(chainOf(c), Math.max(this.firstOpen.get(chainOf(c)) ?? 0, open));
      this.fold(c, open - 1);
      const [moved] = this.place(a.marker, [c]);
      return moved ?? c;
    });
    const next: PostState = { ...a.state, rev, outbox: { rev, changes: placed } };
    this.writeState(a.postKey, next, this.states.get(a.postKey));
    return { ...a, state: next, rev, changes: placed };
  }

  /**
   * `ChainFolder.fold` (functions/aggregate/fold.ts): retire what the latest fold covers (and the fold before
   * it) from the byDay index, then write the fold of the closed buckets after it.
   */
  private fold(change: RollupChange, through: number) {
    if (typeof change.attrs.gsi1pk !== 'string' || through < 0) return;
    const chain = this.folds.get(`${change.pk}\u0000${change.sk}`) ?? { rows: [], folded: -1 };
    this.folds.set(`${change.pk}\u0000${change.sk}`, chain);
    if (chain.folded >= through) return;
    this.reads.foldsQueried(chain.rows.slice(-2).map((r) => itemSize(r.item)));
    const [latest, previous] = [chain.rows.at(-1), chain.rows.at(-2)];
    const from = latest ? latest.through : -1;
    if (latest) {
      const start = Number(latest.item.foldedFrom) + 1;
      for (let b = start; b <= from; b++) {
        const bucket = this.buckets.get(`${change.pk}\u0000${rollupBucketSk(change.sk, b)}`);
        if (bucket)
          this.unindex(
            change.pk,
            bucket.item,
            bucketBytes(bucket),
            () => (bucket.itemBytes = itemSize(bucket.item)),
          );
      }
      if (previous?.item.gsi1pk !== undefined)
        this.unindex(change.pk, previous.item, itemSize(previous.item));
    }
    const rows: Item[] = latest ? [latest.item] : [];
    let last = from;
    for (let b = from + 1; b <= through; b++) {
      const key = `${change.pk}\u0000${rollupBucketSk(change.sk, b)}`;
      this.reads.bucketRead(this.bucketSize(key));
      const bucket = this.buckets.get(key);
      if (!bucket || !isBucketClosed(bucket)) break;
      rows.push(bucket.item);
      last = b;
    }
    const sum = { mentions: 0, likes: 0, shares: 0, comments: 0, ...sumDeltas(rows as Partial<Figures>[]) };
    if (last > from) {
      const row: Item = {
        ...change.attrs,
        ...sum,
        foldedFrom: from,
        pk: change.pk,
        sk: rollupFoldSk(change.sk, last),
      };
      this.write('rollups', change.pk, writeUnitsFor(itemSize(row)));
      for (const w of indexWritesOf(topology.tables.rollups, undefined, row))
        this.indexWrite('rollups', w.indexName, w.partition, w.units);
      chain.rows.push({ item: row, through: last });
      this.reads.rowWritten(change.pk, String(row.sk), () => itemSize(row));
      this.out.foldRows++;
    }
    chain.folded = last;
  }

  /** `REMOVE gsi1pk, gsi1sk` if they are there (a failed condition is charged the item's size). */
  private unindex(pk: string, item: Item, bytes: number, resized?: () => void) {
    this.write('rollups', pk, writeUnitsFor(bytes));
    if (item.gsi1pk === undefined) return;
    const before = { ...item };
    delete item.gsi1pk;
    delete item.gsi1sk;
    resized?.();
    for (const w of indexWritesOf(topology.tables.rollups, before, item))
      this.indexWrite('rollups', w.indexName, w.partition, w.units);
  }

  /** Past the buckets now closed at the start of the chain (`BucketChains.observed`). */
  private advanceFirstOpen(change: RollupChange) {
    const chain = chainOf(change);
    let n = this.firstOpen.get(chain) ?? 0;
    for (;;) {
      const b = this.buckets.get(`${change.pk}\u0000${rollupBucketSk(change.sk, n)}`);
      if (!b || !isBucketClosed(b)) break;
      n++;
    }
    this.firstOpen.set(chain, n);
  }

  private nextOpenBucket(change: RollupChange): number {
    let n = (change.bucket ?? 0) + 1;
    for (;;) {
      const b = this.buckets.get(`${change.pk}\u0000${rollupBucketSk(change.sk, n)}`);
      if (!b || !isBucketClosed(b)) return n;
      n++;
    }
  }
}

const chainOf = (change: RollupChange): string => `${change.pk}\u0000${change.sk}`;

interface Contribution {
  application: Application;
  rev: number;
  delta: Partial<Figures>;
  changes: RollupChange[];
}

/** Bytes of the state attributes a write can change (absent ones count nothing, as in `itemSize`). */
const changingBytes = (s: PostState): number =>
  itemSize({ rev: s.rev, snaps: s.snaps, hourly: s.hourly, outbox: toStoredState(s).outbox });

const BY_DAY = topology.tables.rollups.globalIndexes[0] as (typeof topology.tables.rollups.globalIndexes)[0];

/** The figures the byDay index projects, as one comparable string ('' for a bucket not written yet). */
const projectedFigures = (item: Item): string =>
  item.mk === undefined ? '' : STORED_METRICS.map((m) => String(item[m])).join('|');
