import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type KolPulseConfig, loadConfigFile } from '../../shared/config';
import { optionalEnv, requireEnv } from '../../shared/env';
import { publisherFromEnv } from '../../shared/events/from-env';
import type { EventPublisher } from '../../shared/events/publisher';
import { ENV } from '../../shared/topology';
import { Aggregator, type AggregatorOptions, DEFAULT_AGGREGATOR_OPTIONS } from './aggregator';
import { publishBatchEvents } from './batch-events';
import { FreshnessRecorder } from './freshness';
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
  /** Powertools metrics; published once per invocation when given. */
  metrics?: Metrics;
  /** Campaign events (docs/events.md), published after the batch's rollups are committed. */
  events?: EventPublisher;
  stage?: string;
}

export const DEFAULT_OBSERVATIONS_PER_PASS = 2_000;

/** A record whose observations were not all durably applied; SQS redelivers it (redelivery is safe). */
export class RecordNotAppliedError extends Error {
  override name = 'RecordNotAppliedError';
}

export type AggregateHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * The SQS handler. Coalescing needs the batch at once, so every record is parsed first, one aggregation
 * runs over all valid observations (in passes of `observationsPerPass` when the batch is bigger), and only
 * then Powertools' batch processor maps each record to success or failure: a record fails only when one of
 * its observations (or reject records) could not be durably written, or its pass was left out because the
 * Lambda deadline was too close (`Aggregator.aggregateInPasses`).
 */
export const createAggregateHandler = (deps: AggregateDeps): AggregateHandler => {
  const now = deps.now ?? Date.now;
  const store = new AggregateStore(deps.doc, deps.tables, { ...DEFAULT_STORE_TUNING, ...deps.storeTuning });
  const index = buildCampaignIndex(deps.config);
  const hourlyCampaigns = new Set(deps.config.campaigns.filter((c) => c.alerts?.spike).map((c) => c.id));
  const aggregator = new Aggregator(
    store,
    index,
    { ...DEFAULT_AGGREGATOR_OPTIONS, hourlyCampaigns, ...deps.options },
    now,
  );
  const freshness = new FreshnessRecorder({ ...deps, index });
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
    const result = await aggregator.aggregateInPasses(parsed.observations, {
      observationsPerPass: deps.observationsPerPass ?? DEFAULT_OBSERVATIONS_PER_PASS,
      ...(context ? { timeLeftMs: () => context.getRemainingTimeInMillis() } : {}),
    });
    for (const [recordId, error] of result.failedRecords) failures.set(recordId, error);
    await freshness.record(
      parsed.observations.filter((o) => !result.failedRecords.has(o.recordId)).map((o) => o.observation),
    );
    if (deps.events)
      await publishBatchEvents(
        {
          ...deps,
          rollupsTable: deps.tables.rollups,
          index,
          publisher: deps.events,
          stage: deps.stage ?? 'local',
          now,
          log: deps.logger,
        },
        parsed.observations.map((o) => o.observation),
      );

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
      ...result.stats,
      failedRecords: failures.size,
    });
    if (result.stats.quarantinedChanges > 0)
      deps.logger.error('rollup changes quarantined: see docs/operations.md to replay them', {
        quarantinedChanges: result.stats.quarantinedChanges,
      });
    if (deps.metrics) {
      deps.metrics.addMetric('QuarantinedChanges', MetricUnit.Count, result.stats.quarantinedChanges);
      deps.metrics.addMetric('FailedRecords', MetricUnit.Count, failures.size);
      deps.metrics.publishStoredMetrics();
    }

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
  clients: {
    doc: DynamoDBDocumentClient;
    logger?: Logger;
    metrics?: Metrics;
    eventBridge?: () => EventBridgeClient;
  },
): AggregateDeps => ({
  events: publisherFromEnv(env, clients.eventBridge),
  stage: optionalEnv(env, ENV.stage) ?? 'local',
  doc: clients.doc,
  tables: {
    state: requireEnv(env, ENV.stateTable),
    rollups: requireEnv(env, ENV.rollupsTable),
  },
  config: loadConfigFile(requireEnv(env, ENV.campaignsFile)),
  logger: clients.logger ?? new Logger({ serviceName: 'kol-pulse-aggregate' }),
  ...(clients.metrics ? { metrics: clients.metrics } : {}),
});
