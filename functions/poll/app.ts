import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { describeIssues, type KolPulseConfig, loadConfigFile } from '../../shared/config';
import { optionalEnv, requireEnv } from '../../shared/env';
import { publishAndLog, publisherFromEnv } from '../../shared/events/from-env';
import type { EventPublisher } from '../../shared/events/publisher';
import { type Platform, PlatformSchema } from '../../shared/platform';
import { createAdapter } from '../../shared/platforms';
import type { AdapterOptions, PlatformAdapter, PlatformCredentials } from '../../shared/platforms/adapter';
import { ENV } from '../../shared/topology';
import { DynamoBudgetLedger } from './budget-ledger';
import { activeCampaigns, rosterHandles } from './campaigns';
import { type Clock, systemClock } from './clock';
import {
  type CredentialsSource,
  FileCredentials,
  noCredentials,
  SecretsManagerCredentials,
} from './credentials';
import { CursorStore } from './cursors';
import type { PollLog, PollStores } from './cycle';
import { pollCycleEvents } from './poll-events';
import { runPollCycle } from './poller';
import { DynamoPostRecords } from './post-record-store';
import { RejectStore } from './rejects';
import { ObservationSender } from './sender';
import { emptySummary, type PollSummary } from './summary';
import { listTrackedPosts } from './tracked';
import { DEFAULT_TUNING, type PollTuning } from './tuning';

export type AdapterFactory = (platform: Platform, options: AdapterOptions) => PlatformAdapter;

/** What one function instance polls and where it delivers; in AWS, read from the environment. */
export interface PollTarget {
  platform: Platform;
  config: KolPulseConfig;
  stateTableName: string;
  eventsQueueUrl: string;
  credentials: CredentialsSource;
  /** Overrides the configured/default API base URL (local twin, tests). */
  baseUrl?: string;
}

/** Clients and services made once per Lambda process; the optional ones default to production's. */
export interface PollClients {
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  /** Needed when PLATFORM_SECRET_ARN is set. */
  secrets?: SecretsManagerClient;
  logger?: Logger;
  /** Powertools metrics; published once per invocation when given. */
  metrics?: Metrics;
  clock?: Clock;
  createAdapter?: AdapterFactory;
  /** fetch for the adapters (tests may inject one). */
  fetch?: typeof fetch;
  /** Campaign events (docs/events.md): PollerFallingBehind after a cycle with work left. */
  events?: EventPublisher;
  /** Builds the EventBridge client when EVENT_BUS_NAME is set (pollDepsFromEnv). */
  eventBridge?: () => EventBridgeClient;
  stage?: string;
}

export type PollDeps = PollTarget & PollClients & { tuning?: Partial<PollTuning> };

/** The part of the Lambda context the poller uses. */
export interface PollContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

/**
 * EventBridge Scheduler and EventBridge rule events (`ScheduledEvent`) are accepted as they come, loosely:
 * the poller needs nothing from them. An operator may invoke it with `{ "backfill": { "since": ISO } }` to
 * re-read every campaign query from that instant (own resume points; invoke again until `searchesResumable`
 * is 0; the regular cursors are not touched).
 */
export const PollEventSchema = z
  .object({
    id: z.string().optional(),
    time: z.string().optional(),
    'detail-type': z.string().optional(),
    source: z.string().optional(),
    backfill: z
      .object({
        since: z.iso.datetime({
          offset: true,
          message: 'must be an ISO date-time such as 2025-01-31T00:00:00Z',
        }),
      })
      .optional(),
  })
  .loose();
export type PollEvent = z.infer<typeof PollEventSchema>;

export class PollEventError extends Error {
  override name = 'PollEventError';
}

export class PollSendError extends Error {
  override name = 'PollSendError';
  constructor(
    message: string,
    readonly summary: PollSummary,
  ) {
    super(message);
  }
}

export type PollHandler = (event: unknown, context: PollContext) => Promise<PollSummary>;

const publishMetrics = (metrics: Metrics, summary: PollSummary) => {
  metrics.addDimension('platform', summary.platform);
  metrics.addMetric('ApiCalls', MetricUnit.Count, summary.apiCalls);
  metrics.addMetric('SearchPages', MetricUnit.Count, summary.pages);
  metrics.addMetric('LateReadCalls', MetricUnit.Count, summary.lateReadCalls);
  metrics.addMetric('LateReadObservations', MetricUnit.Count, summary.lateReadObservations);
  metrics.addMetric('PostsRefreshed', MetricUnit.Count, summary.refreshed);
  metrics.addMetric('ObservationsSent', MetricUnit.Count, summary.observationsSent);
  metrics.addMetric('Rejects', MetricUnit.Count, summary.rejects);
  metrics.addMetric('OperationFailures', MetricUnit.Count, summary.failures.length);
  metrics.addMetric('StoppedEarly', MetricUnit.Count, summary.stoppedReason === 'complete' ? 0 : 1);
  metrics.addMetric('PollSucceeded', MetricUnit.Count, summary.stoppedReason === 'send-failed' ? 0 : 1);
  metrics.addMetric('ObservationsSuppressed', MetricUnit.Count, summary.suppressed);
  metrics.addMetric('QuotaExhausted', MetricUnit.Count, summary.quotaStops.length);
  metrics.addMetric('RefreshesDeferred', MetricUnit.Count, summary.deferred);
  metrics.publishStoredMetrics();
};

/**
 * `BudgetUsedFraction`: the largest used/limit over the platform's monthly budgets (X's read cap, a
 * `usdPerMonth` ceiling), alarmed at 0.8; `QuotaUsedFraction`: the largest over every quota (daily
 * ones reach 1 at the end of each day by design: the planner paces them to last exactly the day).
 */
const publishBudgetMetrics = (metrics: Metrics, summary: PollSummary) => {
  const quotas = summary.budgetUse;
  if (quotas.length === 0) return;
  const fraction = (q: PollSummary['budgetUse'][number]) => (q.limit > 0 ? q.used / q.limit : 1);
  metrics.addDimension('platform', summary.platform);
  metrics.addMetric('QuotaUsedFraction', MetricUnit.NoUnit, Math.max(...quotas.map(fraction)));
  const monthly = quotas.filter((q) => q.period === 'month');
  if (monthly.length > 0)
    metrics.addMetric('BudgetUsedFraction', MetricUnit.NoUnit, Math.max(...monthly.map(fraction)));
  metrics.publishStoredMetrics();
};

/** The cycle's stores, built once per Lambda process; the reject store and sender are opened per poll. */
export const createPollStores = (deps: PollDeps, clock: Clock, tuning: PollTuning): PollStores => ({
  cursors: new CursorStore(deps.doc, deps.stateTableName, deps.platform),
  trackedPosts: (now, trackingDays) =>
    listTrackedPosts(deps.doc, deps.stateTableName, deps.platform, now, trackingDays),
  openRejects: (pollId) => new RejectStore(deps.doc, deps.stateTableName, pollId, clock),
  budget: new DynamoBudgetLedger(deps.doc, deps.stateTableName, deps.platform),
  records: new DynamoPostRecords(deps.doc, deps.stateTableName, deps.platform),
  openSender: (pollId) =>
    new ObservationSender({
      sqs: deps.sqs,
      queueUrl: deps.eventsQueueUrl,
      platform: deps.platform,
      pollId,
      clock,
      maxMessageBytes: tuning.maxMessageBytes,
      maxAttempts: tuning.sendMaxAttempts,
    }),
});

/**
 * The platform adapter, kept across invocations of a warm Lambda (its rate-limit readings and, for
 * Bluesky, the session stay useful) and rebuilt when the credentials, base URL or roster change.
 */
const cachedAdapter = (deps: PollDeps, clock: Clock, graceDays: number) => {
  const create = deps.createAdapter ?? createAdapter;
  let cached: { credentials: PlatformCredentials; key: string; adapter: PlatformAdapter } | undefined;
  return (credentials: PlatformCredentials, baseUrl: string | undefined): PlatformAdapter => {
    const roster = rosterHandles(activeCampaigns(deps.config, clock.now(), graceDays), deps.platform);
    const key = JSON.stringify([baseUrl ?? '', roster]);
    if (cached && cached.credentials === credentials && cached.key === key) return cached.adapter;
    const adapter = create(deps.platform, {
      credentials,
      ...(baseUrl ? { baseUrl } : {}),
      rosterHandles: roster,
      now: clock.now,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    cached = { credentials, key, adapter };
    return adapter;
  };
};

/**
 * The scheduled poll handler of one platform. Throws (so the invocation counts as failed and alarms) only
 * when observations could not be put on the queue; every other stop is a normal outcome reported in the
 * summary.
 */
export const createPollHandler = (deps: PollDeps): PollHandler => {
  const clock = deps.clock ?? systemClock;
  const tuning: PollTuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const logger =
    deps.logger ?? new Logger({ serviceName: 'kol-pulse-poll', persistentKeys: { platform: deps.platform } });
  const log: PollLog = (level, message, extra) => logger[level](message, extra ?? {});
  const stores = createPollStores(deps, clock, tuning);
  const adapterFor = cachedAdapter(deps, clock, tuning.graceDays);

  return async (event, context) => {
    const parsed = PollEventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new PollEventError(`Invalid poll event: ${describeIssues(parsed.error)}`);
    const pollId = `${deps.platform}-${context.awsRequestId ?? randomUUID()}`;
    const settings = deps.config.platforms[deps.platform];
    if (!settings?.enabled) {
      logger.warn('platform is not enabled in the campaign configuration; nothing to poll', {
        platform: deps.platform,
      });
      return emptySummary(deps.platform, pollId, 'disabled');
    }
    const credentials = await deps.credentials.get();
    const adapter = adapterFor(credentials, deps.baseUrl ?? settings.baseUrl);
    const summary = await runPollCycle(
      { platform: deps.platform, config: deps.config, settings, adapter, stores, clock, tuning, log },
      {
        pollId,
        remainingTimeMs: context.getRemainingTimeInMillis(),
        ...(parsed.data.backfill ? { backfillSince: parsed.data.backfill.since } : {}),
      },
    );
    logger.info('poll cycle finished', { ...summary, failures: summary.failures.slice(0, 20) });
    if (deps.metrics) {
      publishMetrics(deps.metrics, summary);
      publishBudgetMetrics(deps.metrics, summary);
    }
    if (deps.events) {
      const events = pollCycleEvents(
        deps.platform,
        settings.budget,
        summary,
        deps.stage ?? 'local',
        clock.now(),
      );
      if (events.length > 0) await publishAndLog(deps.events, events, logger);
    }
    if (summary.stoppedReason === 'send-failed')
      throw new PollSendError(
        `${deps.platform} poll could not send observations to the events queue; cursors were not advanced`,
        summary,
      );
    return summary;
  };
};

/**
 * Builds the deps from the environment the topology defines. Credentials come from Secrets Manager
 * (PLATFORM_SECRET_ARN, AWS), else from a local JSON file (PLATFORM_CREDENTIALS_FILE, local twin), else none
 * (the demo platform server).
 */
export const pollDepsFromEnv = (env: Record<string, string | undefined>, clients: PollClients): PollDeps => {
  const platformName = requireEnv(env, ENV.platform);
  const platform = PlatformSchema.safeParse(platformName);
  if (!platform.success)
    throw new Error(
      `${ENV.platform} environment variable must be one of ${PlatformSchema.options.join(', ')}`,
    );
  const credentials = credentialsFromEnv(env, platform.data, clients.secrets);
  const baseUrl = optionalEnv(env, ENV.platformBaseUrl);
  return {
    ...clients,
    platform: platform.data,
    config: loadConfigFile(requireEnv(env, ENV.campaignsFile)),
    stateTableName: requireEnv(env, ENV.stateTable),
    eventsQueueUrl: requireEnv(env, ENV.eventsQueueUrl),
    credentials,
    ...(baseUrl ? { baseUrl } : {}),
    events: clients.events ?? publisherFromEnv(env, clients.eventBridge),
    stage: optionalEnv(env, ENV.stage) ?? 'local',
  };
};

const credentialsFromEnv = (
  env: Record<string, string | undefined>,
  platform: Platform,
  secrets: SecretsManagerClient | undefined,
): CredentialsSource => {
  const secretArn = optionalEnv(env, ENV.platformSecretArn);
  if (secretArn) {
    if (!secrets) throw new Error(`${ENV.platformSecretArn} is set but no Secrets Manager client was given`);
    return new SecretsManagerCredentials(secrets, secretArn, platform);
  }
  const credentialsFile = optionalEnv(env, ENV.platformCredentialsFile);
  return credentialsFile ? new FileCredentials(credentialsFile, platform) : noCredentials();
};
