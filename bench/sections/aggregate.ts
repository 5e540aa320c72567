import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAggregateHandler } from '../../functions/aggregate/app';
import type { StoreTuning } from '../../functions/aggregate/store';
import {
  createQueues,
  createTables,
  startDynalite,
  startSqs,
  type TableNames,
} from '../../infra/local/engines';
import { createLambdaContext } from '../../infra/local/lambda-runtime';
import { SqsTrigger } from '../../infra/local/sqs-trigger';
import type { EventPublisher } from '../../shared/events/publisher';
import type { Observation } from '../../shared/observation';
import { addDays, startOfDay } from '../../shared/time';
import { topology } from '../../shared/topology';
import { readRollups } from '../../test/support/observations';
import { computeOracle } from '../../test/support/oracle';
import {
  aggregateFunction,
  chunk,
  countLogBytes,
  deployedLogger,
  elapsedSince,
  quietLogger,
  sqsRecordFor,
  tableSpecsByName,
} from '../lib/harness';
import { type ItemSizeStats, tableItemSizes } from '../lib/item-size';
import { type DynamoMeter, meterDocumentClient } from '../lib/metered-client';
import { type BatchBound, sumBounds, WriteBoundModel } from '../lib/model';
import { type Replay, type ReplayMessage, realTimeBatches } from '../lib/replay';
import { type Comparison, compareTables, modelTable } from '../lib/verify';
import { WriteAttribution, type WriteAttributionResult } from '../lib/write-attribution';

/** What the aggregate must equal (the project's oracle), and a check of the lower bound's bookkeeping. */
export interface Verification {
  oracle: Comparison;
  /** The lower bound's items summed, against the oracle: if these differ, the lower bound is suspect. */
  modelVsOracle: Comparison;
}

/** The clock the functions see: just after the replayed day, so retention windows treat it as recent. */
export const replayClock = (replay: Replay) => {
  const at = startOfDay(addDays(replay.stats.day, 1), replay.stats.timeZone) + 3_600_000;
  return () => at;
};

const allObservations = (messages: readonly ReplayMessage[]): Observation[] =>
  messages.flatMap((m) => m.observations);

const verify = async (
  replay: Replay,
  doc: Parameters<typeof readRollups>[0],
  rollupsTable: string,
  model?: WriteBoundModel,
): Promise<Verification> => {
  const oracle = computeOracle(replay.config, allObservations(replay.messages));
  const actual = await readRollups(doc, rollupsTable);
  const ownModel = model ?? new WriteBoundModel(replay.config);
  if (!model) ownModel.applyBatch(allObservations(replay.messages));
  return {
    oracle: compareTables(oracle, actual),
    modelVsOracle: compareTables(oracle, modelTable(ownModel)),
  };
};

// ---- 1. Write efficiency ----------------------------------------------------------------------------

export interface EfficiencyResult {
  itemSizes: ItemSizeStats;
  stateItemSizes: ItemSizeStats;
  /** Write units by partition and minute of replay time, and the writes of no-op observations. */
  attribution: WriteAttributionResult;
  tables: TableNames;
  batches: number;
  observations: number;
  /** Per invocation: handler duration, time waiting on dynalite (metering reads included), DynamoDB calls. */
  durationsMs: number[];
  dbWaitMs: number[];
  dbCalls: number[];
  /** Payload bytes of each invocation's batch of messages (for SQS receive chunks). */
  batchBytes: number[];
  /** Bytes the handler's logger wrote per batch, at the deployed log level (INFO). */
  logBytes: number[];
  meter: DynamoMeter;
  bound: BatchBound;
  verification: Verification;
  failedRecords: number;
}

/**
 * Drives the aggregate handler directly with the replay's messages in SQS batches of the topology's batch
 * size, one batch at a time, metering every write exactly (item images before and after), and computes the
 * lower bound of the very same batches (bench/lib/model.ts).
 */
export const measureWriteEfficiency = async (
  replay: Replay,
  options: { storeTuning?: Partial<StoreTuning>; events?: EventPublisher } = {},
): Promise<EfficiencyResult> => {
  const dynamo = await startDynalite({ isolated: true });
  try {
    const tables = await createTables(dynamo.client, 'bench-eff');
    const attribution = new WriteAttribution(tables);
    const metered = meterDocumentClient(dynamo.doc, {
      mode: 'exact',
      tables: tableSpecsByName(tables),
      onWrite: attribution.record,
    });
    const handler = createAggregateHandler({
      doc: metered.client,
      tables,
      config: replay.config,
      logger: deployedLogger('kol-pulse-aggregate'),
      now: replayClock(replay),
      ...(options.storeTuning ? { storeTuning: options.storeTuning } : {}),
      // Campaign events (tests of the read model): their Queries are then metered with the rest.
      ...(options.events ? { events: options.events } : {}),
    });
    const model = new WriteBoundModel(replay.config);
    const logBytes: number[] = [];
    const bounds: BatchBound[] = [];
    let failedRecords = 0;
    const durationsMs: number[] = [];
    const dbWaitMs: number[] = [];
    const dbCalls: number[] = [];
    const batchBytes: number[] = [];
    const callCount = () => Object.values(metered.meter.calls).reduce((a, b) => a + b, 0);
    const batches = realTimeBatches(replay.messages, topology.triggers.aggregate.batchSize);
    for (const batch of batches) {
      const event: SQSEvent = { Records: batch.map((m) => sqsRecordFor(m.body)) };
      attribution.startBatch(allObservations(batch), batch[0]?.sentAt ?? 0);
      const busyBefore = metered.meter.busyMs;
      const callsBefore = callCount();
      const started = performance.now();
      const { value: response, bytes } = await countLogBytes(() =>
        handler(event, createLambdaContext(aggregateFunction)),
      );
      durationsMs.push(performance.now() - started);
      logBytes.push(bytes);
      dbWaitMs.push(metered.meter.busyMs - busyBefore);
      dbCalls.push(callCount() - callsBefore);
      batchBytes.push(batch.reduce((n, m) => n + Buffer.byteLength(m.body), 0));
      failedRecords += response.batchItemFailures.length;
      bounds.push(model.applyBatch(allObservations(batch)));
    }
    return {
      batches: batches.length,
      observations: replay.stats.deliveries,
      durationsMs,
      dbWaitMs,
      dbCalls,
      batchBytes,
      logBytes,
      meter: metered.meter,
      bound: sumBounds(bounds),
      verification: await verify(replay, dynamo.doc, tables.rollups, model),
      itemSizes: await tableItemSizes(dynamo.doc, tables.rollups),
      stateItemSizes: await tableItemSizes(dynamo.doc, tables.state),
      attribution: attribution.result(replay.stats.scale),
      tables,
      failedRecords,
    };
  } finally {
    await dynamo.close();
  }
};

// ---- 2. Throughput through the twin's pieces -----------------------------------------------------

export interface ThroughputResult {
  observations: number;
  messages: number;
  /** Seconds to put every message on the queue (SendMessageBatch, 10 per call). */
  enqueueSeconds: number;
  /** Seconds from starting the trigger until the last message was processed and deleted. */
  drainSeconds: number;
  observationsPerSecond: number;
  /** Rate over the first 90% of messages: the steady state, without the last partial batch's window. */
  steadyObservationsPerSecond: number;
  invocations: number;
  /** Handler durations (ms), one per invocation, for the Lambda GB-s estimate. */
  durationsMs: number[];
  /**
   * Each invocation's messages (indexes into the replay's), in the order invocations started: the read
   * model runs them one after another to tell the reads conflicts added (bench/sections/cost.ts).
   */
  batches: number[][];
  meter: DynamoMeter;
  triggerStats: SqsTrigger['stats'];
  verification: Verification;
  complete: boolean;
}

const SEND_BATCH_BYTES = 240 * 1024;

/** Sends every message (SendMessageBatch, 10 per call), returning observation counts by message id. */
const enqueue = async (
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly ReplayMessage[],
): Promise<Map<string, number>> => {
  const calls: ReplayMessage[][] = [];
  let current: ReplayMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.body);
    if (current.length === 10 || (current.length > 0 && bytes + size > SEND_BATCH_BYTES)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  const counts = new Map<string, number>();
  // A few sends in flight, like pollers of several platforms.
  for (const group of chunk(calls, 4))
    await Promise.all(
      group.map(async (entries) => {
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: entries.map((m, i) => ({ Id: String(i), MessageBody: m.body })),
          }),
        );
        if (out.Failed && out.Failed.length > 0)
          throw new Error(`SendMessageBatch failed: ${out.Failed[0]?.Message ?? 'unknown error'}`);
        for (const ok of out.Successful ?? [])
          counts.set(ok.MessageId ?? '', entries[Number(ok.Id)]?.observations.length ?? 0);
      }),
    );
  return counts;
};

/**
 * fauxqs queue -> SqsTrigger (the twin's event source mapping emulation, with the topology's batch size,
 * batching window and concurrency) -> aggregate handler -> dynalite, with the queue loaded beforehand.
 */
export const measureThroughput = async (
  replay: Replay,
  options: { timeoutMs: number },
): Promise<ThroughputResult> => {
  const dynamo = await startDynalite({ isolated: true });
  const sqs = await startSqs();
  try {
    const tables: TableNames = await createTables(dynamo.client, 'bench-tp');
    const queues = await createQueues(sqs.client, 'bench-tp');
    const metered = meterDocumentClient(dynamo.doc, { mode: 'count', tables: tableSpecsByName(tables) });
    const handler = createAggregateHandler({
      doc: metered.client,
      tables,
      config: replay.config,
      logger: quietLogger('kol-pulse-aggregate'),
      now: replayClock(replay),
    });
    const durationsMs: number[] = [];
    const indexOfBody = new Map(replay.messages.map((m, i) => [m.body, i]));
    const batches: number[][] = [];
    const timed = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      batches.push(event.Records.map((r) => indexOfBody.get(r.body) ?? -1));
      const started = performance.now();
      try {
        return await handler(event);
      } finally {
        durationsMs.push(performance.now() - started);
      }
    };

    const enqueueStarted = performance.now();
    const observationsOf = await enqueue(sqs.client, queues.events, replay.messages);
    const enqueueSeconds = elapsedSince(enqueueStarted);

    const total = replay.messages.length;
    const steadyMark = Math.floor(total * 0.9);
    let steadyAt: number | undefined;
    let steadyObservations = 0;
    let processedObservations = 0;
    let started = performance.now();

    const trigger = new SqsTrigger({
      client: sqs.client,
      queueUrl: queues.events,
      handler: timed,
      function: aggregateFunction,
      batchSize: topology.triggers.aggregate.batchSize,
      maxBatchingWindowMs: topology.triggers.aggregate.maxBatchingWindowSeconds * 1000,
      maxConcurrency: topology.triggers.aggregate.maxConcurrency,
      reportBatchItemFailures: topology.triggers.aggregate.reportBatchItemFailures,
      longPollSeconds: 1,
      onBatch: (outcome) => {
        for (const id of outcome.succeeded) processedObservations += observationsOf.get(id) ?? 0;
        if (steadyAt === undefined && trigger.stats.succeeded >= steadyMark) {
          steadyAt = performance.now();
          steadyObservations = processedObservations;
        }
      },
    });
    started = performance.now();
    await trigger.start();
    const deadline = Date.now() + options.timeoutMs;
    while (trigger.stats.succeeded < total && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const drainSeconds = elapsedSince(started);
    const complete = trigger.stats.succeeded >= total;
    await trigger.stop();
    const observations = replay.stats.deliveries;
    return {
      observations,
      messages: total,
      enqueueSeconds,
      drainSeconds,
      observationsPerSecond: observations / drainSeconds,
      steadyObservationsPerSecond:
        steadyAt === undefined ? Number.NaN : steadyObservations / ((steadyAt - started) / 1000),
      invocations: durationsMs.length,
      durationsMs,
      batches,
      meter: metered.meter,
      triggerStats: { ...trigger.stats },
      verification: await verify(replay, dynamo.doc, tables.rollups),
      complete,
    };
  } finally {
    await sqs.close();
    await dynamo.close();
  }
};
