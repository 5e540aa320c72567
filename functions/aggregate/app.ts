import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ENV } from '../../infra/topology';
import { type KolPulseConfig, loadConfigFile } from '../../shared/config';
import { requireEnv } from '../../shared/env';
import {
  Aggregator,
  type AggregatorOptions,
  DEFAULT_AGGREGATOR_OPTIONS,
  type SourcedObservation,
} from './aggregator';
import { buildCampaignIndex } from './matching';
import { parseRecords } from './records';
import { AggregateStore, DEFAULT_STORE_TUNING, type StoreTuning } from './store';

export interface AggregateDeps {
  doc: DynamoDBDocumentClient;
  tables: { state: string; rollups: string };
  config: KolPulseConfig;
  logger: Logger;
  /** Injected clock (tests, the twin's simulated time). */
  now?: () => number;
  options?: Partial<AggregatorOptions>;
  storeTuning?: Partial<StoreTuning>;
  /** Observations aggregated in one pass; a bigger batch is split at record boundaries (default 2,000). */
  observationsPerPass?: number;
}

const DEFAULT_OBSERVATIONS_PER_PASS = 2_000;
/** Time kept back at the end of an invocation for the response and the logs. */
const DEADLINE_RESERVE_MS = 2_000;

/** Consecutive observations cut into passes of about `limit`, never splitting one record's observations. */
const passesOf = (observations: readonly SourcedObservation[], limit: number): SourcedObservation[][] => {
  const passes: SourcedObservation[][] = [];
  let current: SourcedObservation[] = [];
  for (const o of observations) {
    const last = current.at(-1);
    if (current.length >= limit && last && last.recordId !== o.recordId) {
      passes.push(current);
      current = [];
    }
    current.push(o);
  }
  if (current.length > 0) passes.push(current);
  return passes;
};

/** A record whose observations were not all durably applied; SQS redelivers it (redelivery is safe). */
export class RecordNotAppliedError extends Error {
  override name = 'RecordNotAppliedError';
}

export type AggregateHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * The SQS handler. Coalescing needs the batch at once, so every record is parsed first, one aggregation
 * runs over all valid observations (in passes of `observationsPerPass` when the batch is bigger), and only
 * then Powertools' batch processor maps each record to success or failure: a record fails only when one of
 * its observations (or reject records) could not be durably written. A pass starts only when the time left
 * before the Lambda deadline covers it (judged by the passes so far); the records of the passes left out
 * fail untouched and come back, instead of the invocation timing out halfway.
 */
export const createAggregateHandler = (deps: AggregateDeps): AggregateHandler => {
  const now = deps.now ?? Date.now;
  const store = new AggregateStore(deps.doc, deps.tables, { ...DEFAULT_STORE_TUNING, ...deps.storeTuning });
  const aggregator = new Aggregator(
    store,
    buildCampaignIndex(deps.config),
    { ...DEFAULT_AGGREGATOR_OPTIONS, ...deps.options },
    now,
  );
  return async (event, context) => {
    const parsed = parseRecords(event.Records, now());
    const failures = new Map<string, Error>();
    await Promise.all(
      [...parsed.rejects].map(async ([messageId, rejects]) => {
        try {
          await store.writeRejects(rejects);
        } catch (e) {
          failures.set(messageId, e as Error);
        }
      }),
    );
    const passes = passesOf(parsed.observations, deps.observationsPerPass ?? DEFAULT_OBSERVATIONS_PER_PASS);
    const stats: Record<string, number> = {};
    const started = performance.now();
    let deferredRecords = 0;
    for (const [i, pass] of passes.entries()) {
      const perPassMs = i > 0 ? (performance.now() - started) / i : 0;
      if (i > 0 && context && context.getRemainingTimeInMillis() < perPassMs * 1.5 + DEADLINE_RESERVE_MS) {
        const deferred = new Set(passes.slice(i).flatMap((p) => p.map((o) => o.recordId)));
        const error = new Error('not started: too close to the Lambda deadline; redelivery applies it');
        for (const recordId of deferred) failures.set(recordId, error);
        deferredRecords = deferred.size;
        break;
      }
      const result = await aggregator.aggregate(pass);
      for (const [recordId, error] of result.failedRecords) failures.set(recordId, error);
      for (const [name, value] of Object.entries(result.stats)) stats[name] = (stats[name] ?? 0) + value;
    }

    const rejectCount = [...parsed.rejects.values()].reduce((n, list) => n + list.length, 0);
    if (rejectCount > 0)
      deps.logger.warn('rejected malformed input', {
        rejects: rejectCount,
        messages: [...parsed.rejects.keys()],
      });
    for (const [messageId, error] of failures)
      deps.logger.error('record not applied; it will be redelivered', { messageId, error });
    deps.logger.info('batch aggregated', {
      records: event.Records.length,
      observations: parsed.observations.length,
      passes: passes.length,
      deferredRecords,
      ...stats,
      failedRecords: failures.size,
    });

    const recordHandler = async (record: SQSRecord): Promise<void> => {
      const error = failures.get(record.messageId);
      if (error) throw new RecordNotAppliedError(`${record.messageId}: ${error.message}`, { cause: error });
    };
    return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
  };
};

export const aggregateDepsFromEnv = (
  env: Record<string, string | undefined>,
  clients: { doc: DynamoDBDocumentClient; logger?: Logger },
): AggregateDeps => ({
  doc: clients.doc,
  tables: {
    state: requireEnv(env, ENV.stateTable),
    rollups: requireEnv(env, ENV.rollupsTable),
  },
  config: loadConfigFile(requireEnv(env, ENV.campaignsFile)),
  logger: clients.logger ?? new Logger({ serviceName: 'kol-pulse-aggregate' }),
});
