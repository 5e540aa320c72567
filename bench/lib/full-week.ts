import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { createAggregateHandler } from '../../functions/aggregate/app';
import { listQuarantine } from '../../functions/aggregate/quarantine';
import { createTables } from '../../infra/local/engines';
import { createLambdaContext } from '../../infra/local/lambda-runtime';
import { parseConfig } from '../../shared/config';
import { topology } from '../../shared/topology';
import { type RollupRow, readRollups } from '../../test/support/oracle';
import {
  type EnginePlace,
  persistTables,
  restoreScratch,
  startEngine,
  type WeekEngine,
} from './full-week-engine';
import { aggregateFunction, quietLogger, sqsRecordFor, tableSpecsByName } from './harness';
import { type ItemSizeStats, tableItemSizes } from './item-size';
import { meterDocumentClient } from './metered-client';
import { CYCLE_MS, type ReplayMessage, realTimeBatches } from './replay';
import { StreamingOracle } from './streaming-oracle';
import { type Comparison, compareTables } from './verify';
import { type WeekStats, weekCycles } from './week';
import { partLabel, partMessages, type WeekPart } from './week-parts';

export { WEEK_ENGINES, type WeekEngine } from './full-week-engine';

/**
 * The Next-Idea week run whole through the real aggregate handler on DynamoDB Local (or dynalite), checked
 * against the oracle:
 * the one run that proves exactness at full scale (issue 13). The replay streams a poll cycle at a time
 * (bench/lib/week.ts) and the oracle keeps a snapshot per post and day (StreamingOracle), so memory stays
 * bounded. Batches go to the handler as the trigger would hand them over: up to the topology's batch size,
 * never spanning two cycles, up to its maximum concurrency at once; failed records are delivered again like
 * SQS would, up to the queue's maxReceiveCount, then counted as dead letters.
 *
 * A run with a data folder survives being stopped: the engine keeps its tables on disk and a checkpoint
 * records the last poll cycle fully processed. With a scratch folder as well, the engine works on a RAM disk
 * and the tables and checkpoint reach the data folder at each check, at an interruption (`signal`) and at
 * the end (bench/lib/full-week-engine.ts), so only a crash loses cycles: those since the last check. A
 * resumed run regenerates the replay from its seed, feeds the cycles already done to the oracle only, and
 * hands the aggregate everything after, the interrupted cycle again in full: a redelivery the exactly-once
 * protocol must absorb like any other.
 *
 * At a checkpoint the aggregate has acknowledged exactly the cycles the oracle has been fed, so the rollups
 * must equal the oracle then too: every `checkEveryCycles` (a replay day by default) the run compares them,
 * records the check in the checkpoint and stops at the first difference, so a long run proves the cycles
 * behind it exact as it goes, whether or not it lives to the end.
 */

export interface FullWeekOptions extends EnginePlace {
  scale: number;
  days: number;
  seed: number;
  concurrency?: number;
  /**
   * Stops as if killed once the aggregate has processed this many batches in this process, before the
   * cycle they belong to is checkpointed (so a resumed run delivers that cycle again): tests use it.
   */
  stopAfterBatches?: number;
  /**
   * Aborted: stop once the batches in flight are answered (Ctrl-C). With a scratch folder the tables persist
   * then, the checkpoint at the last cycle fully acknowledged (the cycle cut short is delivered again).
   */
  signal?: AbortSignal;
  /** Compare the rollups with the oracle after every this many cycles (0: only at the end). */
  checkEveryCycles?: number;
  /** Deliver only this part of the week's posts (bench/lib/week-parts.ts). */
  part?: WeekPart;
  onProgress?: (progress: FullWeekProgress) => void;
  onCheck?: (check: FullWeekCheck) => void;
}

/** A comparison of every rollup row with the oracle at a checkpoint. */
export interface FullWeekCheck {
  cycle: number;
  observations: number;
  rows: number;
  mismatchedRows: number;
}

/** The aggregate's DynamoDB reads as DynamoDB reports them (ReturnConsumedCapacity), over the whole run. */
export interface FullWeekReads {
  requests: number;
  units: number;
}

export interface FullWeekProgress {
  cycle: number;
  cycles: number;
  observations: number;
  seconds: number;
}

interface Checkpoint {
  scale: number;
  days: number;
  seed: number;
  engine: WeekEngine;
  /** `i/K` for a part of the week, 'whole' for all of it. */
  part: string;
  /** Index of the last poll cycle whose every batch the aggregate has acknowledged. */
  cycle: number;
  observations: number;
  batches: number;
  redeliveries: number;
  deadLetters: number;
  /** Seconds spent processing, over every process of the run. */
  seconds: number;
  resumes: number;
  checks: FullWeekCheck[];
  reads: FullWeekReads;
}

export interface FullWeekResult {
  complete: boolean;
  scale: number;
  days: number;
  seed: number;
  engine: WeekEngine;
  stats?: WeekStats;
  observations: number;
  batches: number;
  redeliveries: number;
  deadLetters: number;
  resumes: number;
  seconds: number;
  observationsPerSecond: number;
  checks: FullWeekCheck[];
  reads: FullWeekReads;
  /** The first check that found the rollups and the oracle apart, if any (the run stopped there). */
  failedCheck?: Comparison;
  oracle?: Comparison;
  oracleMemory?: ReturnType<StreamingOracle['size']>;
  quarantined?: number;
  itemSizes?: { rollups: ItemSizeStats; state: ItemSizeStats };
  largestItemBytes?: number;
  /** The campaign total rows at the end of the run (a part's are summed with the others'). */
  totalRows?: RollupRow[];
}

const CHECKPOINT_FILE = 'checkpoint.json';

const readCheckpoint = (options: FullWeekOptions): Checkpoint => {
  const fresh: Checkpoint = {
    scale: options.scale,
    days: options.days,
    seed: options.seed,
    engine: options.engine,
    part: options.part ? partLabel(options.part) : 'whole',
    cycle: -1,
    observations: 0,
    batches: 0,
    redeliveries: 0,
    deadLetters: 0,
    seconds: 0,
    resumes: 0,
    checks: [],
    reads: { requests: 0, units: 0 },
  };
  if (!options.dataDir) return fresh;
  const file = join(options.dataDir, CHECKPOINT_FILE);
  if (!existsSync(file)) return fresh;
  // Checkpoints written before checks, read metering, engines and parts lack them (those runs were whole, on dynalite).
  const saved = {
    checks: [],
    reads: fresh.reads,
    engine: 'dynalite',
    part: 'whole',
    ...JSON.parse(readFileSync(file, 'utf8')),
  } as Checkpoint;
  for (const key of ['scale', 'days', 'seed', 'engine', 'part'] as const)
    if (saved[key] !== fresh[key])
      throw new Error(
        `${options.dataDir} holds a run with ${key} ${saved[key]}, not ${fresh[key]}: resume it with the same options, or start over with --fresh`,
      );
  return { ...saved, resumes: saved.resumes + 1 };
};

const writeCheckpoint = (dataDir: string, checkpoint: Checkpoint): void => {
  const file = join(dataDir, CHECKPOINT_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(checkpoint, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
};

class Stopped extends Error {}

/** Hands one cycle's messages to the aggregate, delivering failed records again like SQS. */
const deliverCycle = async (
  handler: ReturnType<typeof createAggregateHandler>,
  messages: readonly ReplayMessage[],
  progress: Checkpoint,
  limits: { concurrency: number; stopNow: () => boolean },
): Promise<void> => {
  const { batchSize } = topology.triggers.aggregate;
  const { maxReceiveCount } = topology.queues.events.deadLetter;
  let pending = realTimeBatches(messages, batchSize);
  for (let receive = 1; pending.length > 0; receive++) {
    const failed: ReplayMessage[] = [];
    let next = 0;
    let stopped = false;
    const worker = async () => {
      while (!stopped && next < pending.length) {
        const batch = pending[next++] as ReplayMessage[];
        progress.batches++;
        const records = batch.map((m) => sqsRecordFor(m.body, receive));
        const event: SQSEvent = { Records: records };
        const { batchItemFailures } = await handler(event, createLambdaContext(aggregateFunction));
        const failedIds = new Set(batchItemFailures.map((f) => f.itemIdentifier));
        records.forEach((r, i) => {
          if (failedIds.has(r.messageId)) failed.push(batch[i] as ReplayMessage);
        });
        if (limits.stopNow()) stopped = true;
      }
    };
    await Promise.all(Array.from({ length: limits.concurrency }, worker));
    if (stopped) throw new Stopped();
    if (receive >= maxReceiveCount) {
      progress.deadLetters += failed.length;
      return;
    }
    progress.redeliveries += failed.length;
    pending = failed.length > 0 ? realTimeBatches(failed, batchSize) : [];
  }
};

/** Rollups against the oracle fed with exactly the cycles the aggregate has acknowledged. */
const compareWithOracle = async (
  doc: Parameters<typeof readRollups>[0],
  rollupsTable: string,
  oracle: StreamingOracle,
): Promise<Comparison> => compareTables(oracle.table(), await readRollups(doc, rollupsTable));

const isCheckDue = (cycle: number, every: number | undefined): boolean =>
  every !== undefined && every > 0 && (cycle + 1) % every === 0;

/** The engine, its tables and the aggregate handler over them, metered; restarted at every persist. */
interface Connection {
  dynamo: Awaited<ReturnType<typeof startEngine>>;
  tables: Awaited<ReturnType<typeof createTables>>;
  handler: ReturnType<typeof createAggregateHandler>;
  meter: ReturnType<typeof meterDocumentClient>['meter'];
}

const connect = async (
  options: FullWeekOptions,
  config: ReturnType<typeof parseConfig>,
  now: () => number,
): Promise<Connection> => {
  const dynamo = await startEngine(options);
  try {
    const tables = await createTables(dynamo.client, 'week');
    const metered = meterDocumentClient(dynamo.doc, { mode: 'count', tables: tableSpecsByName(tables) });
    const handler = createAggregateHandler({
      doc: metered.client,
      tables,
      config,
      logger: quietLogger('kol-pulse-aggregate'),
      now,
    });
    return { dynamo, tables, handler, meter: metered.meter };
  } catch (e) {
    await dynamo.close();
    throw e;
  }
};

export const runFullWeek = async (options: FullWeekOptions): Promise<FullWeekResult> => {
  if (options.scratchDir && !options.dataDir)
    throw new Error('a scratch folder needs a data folder to persist to');
  if (options.scratchDir && !options.checkEveryCycles)
    throw new Error('with a scratch folder the tables persist at each check: give checkEveryCycles');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const progress = readCheckpoint(options);
  const doneBefore = progress.cycle;
  const { configJson, cycles } = weekCycles({ scale: options.scale, seed: options.seed, days: options.days });
  const config = parseConfig(configJson, 'bench week configuration');
  const oracle = new StreamingOracle(config);
  restoreScratch(options);
  let clockMs = 0;
  let conn = await connect(options, config, () => clockMs);
  const result = (complete: boolean, failedCheck?: Comparison): FullWeekResult => ({
    complete,
    scale: options.scale,
    days: options.days,
    seed: options.seed,
    engine: options.engine,
    observations: progress.observations,
    batches: progress.batches,
    redeliveries: progress.redeliveries,
    deadLetters: progress.deadLetters,
    resumes: progress.resumes,
    seconds: progress.seconds,
    observationsPerSecond: progress.seconds > 0 ? progress.observations / progress.seconds : 0,
    checks: progress.checks,
    reads: progress.reads,
    ...(failedCheck ? { failedCheck } : {}),
  });
  let engineRunning = true;
  /**
   * Saves the checkpoint; with a scratch folder, copies the tables into the data folder with it, the engine
   * stopped meanwhile (and started again to go on).
   */
  const save = async (andGoOn: boolean) => {
    const { dataDir } = options;
    if (!dataDir) return;
    if (!options.scratchDir) return writeCheckpoint(dataDir, progress);
    await conn.dynamo.close();
    engineRunning = false;
    persistTables(options, () => writeCheckpoint(dataDir, progress));
    if (!andGoOn) return;
    conn = await connect(options, config, () => clockMs);
    engineRunning = true;
  };
  try {
    const totalCycles = Math.round((options.days * 86_400_000) / CYCLE_MS) + 2;
    let batchesHere = 0;
    const limits = {
      concurrency: options.concurrency ?? topology.triggers.aggregate.maxConcurrency,
      stopNow: () =>
        ++batchesHere >= (options.stopAfterBatches ?? Number.POSITIVE_INFINITY) || !!options.signal?.aborted,
    };
    let cycle = -1;
    let next = cycles.next();
    while (!next.done) {
      if (options.signal?.aborted) {
        // Between cycles (or catching up, where the tables have not changed yet).
        if (cycle > doneBefore) await save(false);
        return result(false);
      }
      cycle++;
      const { at } = next.value;
      const messages = options.part ? partMessages(next.value.messages, options.part) : next.value.messages;
      for (const m of messages) for (const o of m.observations) oracle.add(o);
      if (cycle > doneBefore) {
        const started = performance.now();
        clockMs = at + 60_000;
        const readsBefore = { requests: conn.meter.readRequests, units: conn.meter.readUnits };
        try {
          await deliverCycle(conn.handler, messages, progress, limits);
        } catch (e) {
          if (!(e instanceof Stopped)) throw e;
          if (options.signal?.aborted) await save(false);
          return result(false);
        }
        progress.cycle = cycle;
        progress.observations += messages.reduce((n, m) => n + m.observations.length, 0);
        progress.seconds += (performance.now() - started) / 1000;
        progress.reads = {
          requests: progress.reads.requests + conn.meter.readRequests - readsBefore.requests,
          units: progress.reads.units + conn.meter.readUnits - readsBefore.units,
        };
        if (isCheckDue(cycle, options.checkEveryCycles)) {
          const comparison = await compareWithOracle(conn.dynamo.doc, conn.tables.rollups, oracle);
          const check = {
            cycle,
            observations: progress.observations,
            rows: comparison.expectedRows,
            mismatchedRows: comparison.mismatches.length,
          };
          progress.checks.push(check);
          options.onCheck?.(check);
          // A failed check saves too: its tables are the ones to examine.
          await save(check.mismatchedRows === 0);
          if (check.mismatchedRows > 0) return result(false, comparison);
        } else if (!options.scratchDir) await save(true);
        options.onProgress?.({
          cycle,
          cycles: totalCycles,
          observations: progress.observations,
          seconds: progress.seconds,
        });
      }
      next = cycles.next();
    }
    const { doc } = conn.dynamo;
    const quarantined = (await listQuarantine(doc, conn.tables.state)).length;
    const rollups = await tableItemSizes(doc, conn.tables.rollups);
    const state = await tableItemSizes(doc, conn.tables.state);
    const largest = (s: ItemSizeStats) => Math.max(0, ...Object.values(s.byKind).map((k) => k.maxBytes));
    const rows = await readRollups(doc, conn.tables.rollups);
    const final = {
      ...result(true),
      stats: next.value,
      oracle: compareTables(oracle.table(), rows),
      totalRows: Object.values(rows).filter((r) => r.kind === 'total'),
      oracleMemory: oracle.size(),
      quarantined,
      itemSizes: { rollups, state },
      largestItemBytes: Math.max(largest(rollups), largest(state)),
    };
    await save(false);
    return final;
  } finally {
    if (engineRunning) await conn.dynamo.close();
  }
};
