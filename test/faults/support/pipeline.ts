import { Logger } from '@aws-lambda-powertools/logger';
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAggregateHandler } from '../../../functions/aggregate/app';
import { SqsTrigger } from '../../../infra/local/sqs-trigger';
import { redriveManually } from '../../../scripts/dlq';
import type { KolPulseConfig } from '../../../shared/config';
import { STORED_METRICS } from '../../../shared/metrics';
import type { Observation } from '../../../shared/observation';
import type { SeededRandom } from '../../../shared/random';
import { topology } from '../../../shared/topology';
import { withDynamo, withSqs } from '../../support/engines';
import { withGrantsOf } from '../../support/iam-guard';
import { makeMessage, readRollups } from '../../support/observations';
import { computeOracle, type RollupTable } from '../../support/oracle';
import { type DynamoFaultPlan, faultyDynamo, ProcessCrashedError } from './faulty-dynamo';
import type { ScenarioTally } from './figures';

/**
 * The aggregate half of the pipeline on real engines, with faults: fauxqs (events queue + DLQ with the
 * topology's redrive policy, visibility timeout forced short), the twin's SQS trigger emulation, and the real
 * aggregate handler; every invocation is a fresh "Lambda instance" with its own DynamoDB client, whose
 * transport injects that invocation's faults (throttling, 5xx, lost responses, a crash after k writes).
 */

export const silentLogger = () => new Logger({ serviceName: 'kol-pulse-faults', logLevel: 'SILENT' });

export interface PipelineOptions {
  config: KolPulseConfig;
  /** The aggregator's clock (keeps the scenario's posts within retention). */
  now: number;
  rng: SeededRandom;
  figures: ScenarioTally;
  /** Forced short so slow or failed batches come back while others still run (default 2 s). */
  visibilityTimeoutSeconds?: number;
  maxConcurrency?: number;
  /** The DynamoDB faults of the n-th invocation. */
  faultPlan?: (invocation: number) => DynamoFaultPlan;
}

export interface Drift {
  drift: number;
  compared: number;
  /** The first few differing rows, for the failure message. */
  differences: string[];
}

/** Sum of absolute differences per figure over the union of rows; a views value present on one side only counts. */
export const compareRollups = (expected: RollupTable, actual: RollupTable): Drift => {
  let drift = 0;
  let compared = 0;
  const differences: string[] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const e = expected[key];
    const a = actual[key];
    let rowDrift = 0;
    for (const m of STORED_METRICS) {
      compared++;
      const ev = e?.[m];
      const av = a?.[m];
      if (ev === undefined && av === undefined) continue;
      rowDrift += ev === undefined || av === undefined ? Math.abs(ev ?? av ?? 0) + 1 : Math.abs(ev - av);
    }
    if (rowDrift > 0 && differences.length < 8)
      differences.push(`${key}: expected ${JSON.stringify(e ?? null)} got ${JSON.stringify(a ?? null)}`);
    drift += rowDrift;
  }
  return { drift, compared, differences };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const startPipeline = async (options: PipelineOptions) => {
  const dynamo = await withDynamo();
  const sqs = await withSqs();
  const { figures, rng } = options;
  const setVisibilityTimeout = async (seconds: number) => {
    await sqs.client.send(
      new SetQueueAttributesCommand({
        QueueUrl: sqs.queues.events,
        Attributes: { VisibilityTimeout: String(seconds) },
      }),
    );
  };
  await setVisibilityTimeout(options.visibilityTimeoutSeconds ?? 2);
  const logger = silentLogger();
  let invocations = 0;
  const crashes = { count: 0 };
  const spec = topology.functions.aggregate;
  const trigger = topology.triggers.aggregate;

  const aggregate = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const plan = options.faultPlan?.(invocations++) ?? {};
    const instance = faultyDynamo(dynamo.endpoint, plan, rng);
    const handler = createAggregateHandler({
      doc: withGrantsOf(instance.doc, 'aggregate', dynamo.tables),
      tables: dynamo.tables,
      config: options.config,
      logger,
      now: () => options.now,
    });
    try {
      const response = await handler(event, context);
      if (instance.transport.crashed) throw new ProcessCrashedError('the invocation was killed mid-batch');
      return response;
    } catch (e) {
      if (instance.transport.crashed) crashes.count++;
      throw e;
    } finally {
      figures.add('dynamoFaultsInjected', instance.transport.injected);
      instance.destroy();
    }
  };

  const sqsTrigger = new SqsTrigger({
    client: sqs.client,
    queueUrl: sqs.queues.events,
    handler: aggregate,
    function: {
      functionName: 'faults-aggregate',
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
      region: 'us-east-1',
    },
    batchSize: trigger.batchSize,
    maxBatchingWindowMs: 100,
    maxConcurrency: options.maxConcurrency ?? trigger.maxConcurrency,
    reportBatchItemFailures: true,
    longPollSeconds: 1,
    onBatch: (outcome) => {
      for (const r of outcome.records)
        if (Number(r.attributes.ApproximateReceiveCount) > 1) figures.add('redeliveries');
    },
  });

  const depth = async (queueUrl: string) => {
    const out = await sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };

  /** Sends message bodies; each is sent 1 + up to `maxExtraCopies` times, in shuffled order. */
  const send = async (
    bodies: readonly string[],
    opts: { maxExtraCopies?: number; shuffle?: boolean } = {},
  ) => {
    const copies = bodies.flatMap((b) => {
      const extra = opts.maxExtraCopies ? rng.int(0, opts.maxExtraCopies) : 0;
      figures.add('messagesDuplicated', extra);
      return Array.from({ length: 1 + extra }, () => b);
    });
    figures.add('messagesSent', bodies.length);
    const ordered = opts.shuffle === false ? copies : rng.shuffle(copies);
    for (let i = 0; i < ordered.length; i += 10) {
      const chunk = ordered.slice(i, i + 10);
      const out = await sqs.client.send(
        new SendMessageBatchCommand({
          QueueUrl: sqs.queues.events,
          Entries: chunk.map((MessageBody, j) => ({ Id: String(j), MessageBody })),
        }),
      );
      if ((out.Failed ?? []).length > 0) throw new Error(`send failed: ${out.Failed?.[0]?.Message}`);
    }
  };

  /**
   * Waits until the events queue is empty and no batch is in flight; then redrives whatever reached the DLQ
   * (counted) and waits again, until both are empty.
   */
  const settle = async (opts: { timeoutMs?: number; redrive?: boolean; maxRedrives?: number } = {}) => {
    const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
    let redrives = 0;
    for (;;) {
      let quiet = 0;
      while (quiet < 3) {
        if (Date.now() > deadline)
          throw new Error(
            `pipeline did not settle: queue ${await depth(sqs.queues.events)}, DLQ ${await depth(sqs.queues.eventsDlq)}, in flight ${sqsTrigger.stats.inFlightBatches}`,
          );
        const busy = (await depth(sqs.queues.events)) > 0 || sqsTrigger.stats.inFlightBatches > 0;
        quiet = busy ? 0 : quiet + 1;
        await sleep(150);
      }
      const dead = await depth(sqs.queues.eventsDlq);
      if (dead === 0 || opts.redrive === false) return;
      if (redrives++ >= (opts.maxRedrives ?? 10)) throw new Error(`DLQ still holds ${dead} message(s)`);
      const moved = await redriveManually(sqs.client, sqs.queues.eventsDlq, sqs.queues.events);
      figures.add('dlqMessagesRedriven', moved.moved);
    }
  };

  /** Compares every rollup with the oracle of `observations`, and records the figures. */
  const drift = async (observations: readonly Observation[]): Promise<Drift> => {
    const expected = computeOracle(options.config, observations);
    const actual = await readRollups(dynamo.doc, dynamo.tables.rollups);
    const d = compareRollups(expected, actual);
    figures.add('rollupFiguresCompared', d.compared);
    figures.add('rollupDrift', d.drift);
    return d;
  };

  return {
    dynamo,
    sqs,
    trigger: sqsTrigger,
    crashes,
    send,
    settle,
    drift,
    depth,
    setVisibilityTimeout,
    start: () => sqsTrigger.start(),
    async close() {
      await sqsTrigger.stop();
      figures.add('crashesInjected', crashes.count);
      await sqs.close();
      await dynamo.close();
    },
  };
};
export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

/** Observations packed into message bodies of 1..maxPerMessage observations, one platform each. */
export const toBodies = (
  observations: readonly Observation[],
  rng: SeededRandom,
  maxPerMessage = 8,
): string[] => {
  const byPlatform = new Map<string, Observation[]>();
  for (const o of observations) byPlatform.set(o.platform, [...(byPlatform.get(o.platform) ?? []), o]);
  const bodies: string[] = [];
  for (const list of byPlatform.values()) {
    for (let i = 0; i < list.length; ) {
      const size = rng.int(1, maxPerMessage);
      bodies.push(JSON.stringify(makeMessage(list.slice(i, i + size))));
      i += size;
    }
  }
  return bodies;
};
