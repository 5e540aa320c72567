import { modelPostRecordWeek, POST_RECORD_MODEL_SCALE, type PostRecordWeek } from '../lib/post-record-model';
import type { Replay } from '../lib/replay';
import { sum } from '../lib/stats';
import { WriteModel, type WriteModelBusiest } from '../lib/write-model';
import { type ModelledWeek, modelMessages, modelWeek } from '../lib/write-model-run';
import type { EfficiencyResult } from './aggregate';

/**
 * The write model (bench/lib/write-model.ts) at a scale the metered run cannot reach (scale 1 by default),
 * calibrated first against the metered efficiency run on the bench's own replay: the model runs the same
 * batches and its write units are compared, in total and per item kind, with what the metered client saw.
 */

export interface KindCalibration {
  model: number;
  metered: number;
  /** model / metered (1 = exact). */
  ratio: number;
}

export interface Calibration {
  scale: number;
  observations: number;
  model: number;
  metered: number;
  ratio: number;
  byKind: Record<string, KindCalibration>;
  /**
   * Read units on the same batches (bench/lib/read-model.ts): the model by dynalite's rules against the
   * meter, by operation; `modelDynamoDb` is the model by DynamoDB's rules (empty Queries charged).
   */
  reads: {
    model: number;
    modelDynamoDb: number;
    metered: number;
    ratio: number;
    byOperation: Record<string, KindCalibration>;
  };
}

export interface ModelSectionResult {
  calibration?: Calibration;
  week: Omit<ModelledWeek, 'stats'> & { deliveries: number; posts: number; suppressed: number };
  /** Design write units per observation at the model's scale (the figure the cost model carries to scale 1). */
  writeUnitsPerObservation: number;
  naiveWriteUnitsPerObservation: number;
  naiveReadUnitsPerObservation: number;
  /** The aggregate's read units per observation at the model's scale, by DynamoDB's rules (events apart). */
  readUnitsPerObservation: number;
  /** KolDayFiguresChanged events per observation, their Query read units, Query round trips, PutEvents calls. */
  eventsPerObservation: number;
  eventReadUnitsPerObservation: number;
  eventQueryRoundsPerObservation: number;
  eventPutCallsPerObservation: number;
  /**
   * The poller's post-record write units per observation delivered, from the post-record model's own
   * week (`postRecordWeek`, every day of it at POST_RECORD_MODEL_SCALE).
   */
  postRecordWriteUnitsPerObservation: number;
  postRecordWeek: PostRecordWeek;
  /** Busiest partition minutes at the model's scale, as a share of 1,000 WCU/s; divided by the scale when < 1. */
  busiestShareAtScale1?: number;
  busiest?: WriteModelBusiest;
  busiestBase?: WriteModelBusiest;
  busiestIndex?: WriteModelBusiest;
}

export const calibrate = (replay: Replay, efficiency: EfficiencyResult): Calibration => {
  const design = new WriteModel(replay.config);
  modelMessages({ design }, replay.messages);
  const modelled = design.result();
  const metered = efficiency.attribution.unitsByKind;
  const kinds = [...new Set([...Object.keys(metered), ...Object.keys(modelled.unitsByKind)])].sort();
  const byKind: Record<string, KindCalibration> = {};
  for (const kind of kinds) {
    const model = modelled.unitsByKind[kind] ?? 0;
    const m = metered[kind] ?? 0;
    byKind[kind] = { model, metered: m, ratio: m === 0 ? Number.NaN : model / m };
  }
  const meteredTotal = sum(Object.values(metered));
  const reads = modelled.reads;
  const meteredReads = efficiency.meter.readUnitsByOperation;
  const operations = [...new Set([...Object.keys(meteredReads), ...Object.keys(reads.byOperation)])].sort();
  const readsByOperation: Record<string, KindCalibration> = {};
  for (const op of operations) {
    const model = reads.byOperation[op]?.dynaliteUnits ?? 0;
    const m = meteredReads[op] ?? 0;
    readsByOperation[op] = { model, metered: m, ratio: m === 0 ? Number.NaN : model / m };
  }
  return {
    reads: {
      model: reads.dynaliteReadUnits,
      modelDynamoDb: reads.readUnits,
      metered: efficiency.meter.readUnits,
      ratio: reads.dynaliteReadUnits / efficiency.meter.readUnits,
      byOperation: readsByOperation,
    },
    scale: replay.stats.scale,
    observations: modelled.observations,
    model: modelled.writeUnits,
    metered: meteredTotal,
    ratio: modelled.writeUnits / meteredTotal,
    byKind,
  };
};

/**
 * The read units (dynalite's rules, events apart) the aggregate would have spent on the concurrent run's own
 * batches had they run one after another: its metered reads over this are the reads conflicts added.
 */
export const conflictFreeReadUnits = (replay: Replay, batches: readonly (readonly number[])[]): number => {
  const design = new WriteModel(replay.config);
  for (const batch of batches) {
    const messages = batch.flatMap((i) => replay.messages[i] ?? []);
    design.applyBatch(
      messages.flatMap((m) => m.observations),
      messages[0]?.sentAt ?? 0,
    );
  }
  return design.result().reads.dynaliteReadUnits;
};

export interface ModelSectionOptions {
  scale: number;
  days: number;
  seed: number;
  suppressUnchanged: boolean;
  refreshRequests?: number;
  replay?: Replay;
  efficiency?: EfficiencyResult;
  /** Days of the post-record model's week (default 7). */
  recordDays?: number;
}

export const measureWriteModel = (options: ModelSectionOptions): ModelSectionResult => {
  const calibration =
    options.replay && options.efficiency ? calibrate(options.replay, options.efficiency) : undefined;
  const { stats, ...week } = modelWeek({
    scale: options.scale,
    seed: options.seed,
    days: options.days,
    suppressUnchanged: options.suppressUnchanged,
    ...(options.refreshRequests === undefined ? {} : { refreshRequestsPerCycle: options.refreshRequests }),
  });
  const { design, naive } = week;
  const observations = Math.max(1, design.observations);
  const postRecordWeek = modelPostRecordWeek({
    scale: POST_RECORD_MODEL_SCALE,
    seed: options.seed,
    days: options.recordDays ?? 7,
    suppressUnchanged: options.suppressUnchanged,
    ...(options.refreshRequests === undefined ? {} : { refreshRequestsPerCycle: options.refreshRequests }),
  });
  return {
    ...(calibration ? { calibration } : {}),
    week: { ...week, deliveries: stats.deliveries, posts: stats.posts, suppressed: stats.suppressed },
    writeUnitsPerObservation: design.writeUnits / observations,
    naiveWriteUnitsPerObservation: naive.writeUnits / observations,
    naiveReadUnitsPerObservation: naive.readUnits / observations,
    readUnitsPerObservation: design.reads.readUnits / observations,
    eventsPerObservation: design.reads.events.events / observations,
    eventReadUnitsPerObservation: design.reads.events.queries.units / observations,
    eventQueryRoundsPerObservation: design.reads.events.queryRounds / observations,
    eventPutCallsPerObservation: design.reads.events.putEventsCalls / observations,
    postRecordWriteUnitsPerObservation:
      postRecordWeek.records.writeUnits / Math.max(1, postRecordWeek.observations),
    postRecordWeek,
    ...(design.busiest ? { busiestShareAtScale1: design.busiest.share / Math.min(1, options.scale) } : {}),
    ...(design.busiest ? { busiest: design.busiest } : {}),
    ...(design.busiestBase ? { busiestBase: design.busiestBase } : {}),
    ...(design.busiestIndex ? { busiestIndex: design.busiestIndex } : {}),
  };
};
