import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { describeIssues, type KolPulseConfig, loadConfigFile } from '../../shared/config';
import { optionalEnv, requireEnv } from '../../shared/env';
import { type Platform, PlatformSchema } from '../../shared/platform';
import { createAdapter } from '../../shared/platforms';
import type { AdapterOptions, PlatformAdapter, PlatformCredentials } from '../../shared/platforms/adapter';
import { ENV } from '../../shared/topology';
import { activeCampaigns, rosterHandles } from './campaigns';
import { type Clock, systemClock } from './clock';
import {
  type CredentialsSource,
  FileCredentials,
  noCredentials,
  SecretsManagerCredentials,
} from './credentials';
import { DEFAULT_TUNING, emptySummary, type PollSummary, type PollTuning, runPollCycle } from './poller';

export type AdapterFactory = (platform: Platform, options: AdapterOptions) => PlatformAdapter;

export interface PollDeps {
  platform: Platform;
  config: KolPulseConfig;
  stateTableName: string;
  eventsQueueUrl: string;
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  credentials: CredentialsSource;
  createAdapter: AdapterFactory;
  /** Overrides the configured/default API base URL (local twin, tests). */
  baseUrl?: string;
  logger: Logger;
  /** Powertools metrics; published once per invocation when given. */
  metrics?: Metrics;
  clock?: Clock;
  tuning?: Partial<PollTuning>;
  /** fetch for the adapters (tests may inject one). */
  fetch?: typeof fetch;
}

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
  metrics.addMetric('PostsRefreshed', MetricUnit.Count, summary.refreshed);
  metrics.addMetric('ObservationsSent', MetricUnit.Count, summary.observationsSent);
  metrics.addMetric('Rejects', MetricUnit.Count, summary.rejects);
  metrics.addMetric('OperationFailures', MetricUnit.Count, summary.failures.length);
  metrics.addMetric('StoppedEarly', MetricUnit.Count, summary.stoppedReason === 'complete' ? 0 : 1);
  metrics.addMetric('PollSucceeded', MetricUnit.Count, summary.stoppedReason === 'send-failed' ? 0 : 1);
  metrics.publishStoredMetrics();
};

/**
 * The scheduled poll handler of one platform. The adapter is kept across invocations of a warm Lambda (its
 * rate-limit readings and, for Bluesky, the session stay useful) and rebuilt when the credentials, base URL
 * or roster change. Throws (so the invocation counts as failed and alarms) only when observations could
 * not be put on the queue; every other stop is a normal outcome reported in the summary.
 */
export const createPollHandler = (deps: PollDeps): PollHandler => {
  const clock = deps.clock ?? systemClock;
  const tuning: PollTuning = { ...DEFAULT_TUNING, ...deps.tuning };
  let cached: { credentials: PlatformCredentials; key: string; adapter: PlatformAdapter } | undefined;

  const adapterFor = (credentials: PlatformCredentials, baseUrl: string | undefined): PlatformAdapter => {
    const roster = rosterHandles(activeCampaigns(deps.config, clock.now(), tuning.graceDays), deps.platform);
    const key = JSON.stringify([baseUrl ?? '', roster]);
    if (cached && cached.credentials === credentials && cached.key === key) return cached.adapter;
    const adapter = deps.createAdapter(deps.platform, {
      credentials,
      ...(baseUrl ? { baseUrl } : {}),
      rosterHandles: roster,
      now: clock.now,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    cached = { credentials, key, adapter };
    return adapter;
  };

  return async (event, context) => {
    const parsed = PollEventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new PollEventError(`Invalid poll event: ${describeIssues(parsed.error)}`);
    const pollId = `${deps.platform}-${context.awsRequestId ?? randomUUID()}`;
    const settings = deps.config.platforms[deps.platform];
    if (!settings?.enabled) {
      deps.logger.warn('platform is not enabled in the campaign configuration; nothing to poll', {
        platform: deps.platform,
      });
      return emptySummary(deps.platform, pollId, 'disabled');
    }
    const credentials = await deps.credentials.get();
    const adapter = adapterFor(credentials, deps.baseUrl ?? settings.baseUrl);
    const summary = await runPollCycle(
      {
        platform: deps.platform,
        config: deps.config,
        settings,
        adapter,
        doc: deps.doc,
        stateTableName: deps.stateTableName,
        sqs: deps.sqs,
        eventsQueueUrl: deps.eventsQueueUrl,
        clock,
        tuning,
        log: (level, message, extra) => deps.logger[level](message, extra ?? {}),
      },
      {
        pollId,
        remainingTimeMs: context.getRemainingTimeInMillis(),
        ...(parsed.data.backfill ? { backfillSince: parsed.data.backfill.since } : {}),
      },
    );
    deps.logger.info('poll cycle finished', { ...summary, failures: summary.failures.slice(0, 20) });
    if (deps.metrics) publishMetrics(deps.metrics, summary);
    if (summary.stoppedReason === 'send-failed')
      throw new PollSendError(
        `${deps.platform} poll could not send observations to the events queue; cursors were not advanced`,
        summary,
      );
    return summary;
  };
};

export interface PollClients {
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  /** Needed when PLATFORM_SECRET_ARN is set. */
  secrets?: SecretsManagerClient;
  logger?: Logger;
  metrics?: Metrics;
  clock?: Clock;
  createAdapter?: AdapterFactory;
  fetch?: typeof fetch;
}

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
  const secretArn = optionalEnv(env, ENV.platformSecretArn);
  const credentialsFile = optionalEnv(env, ENV.platformCredentialsFile);
  let credentials: CredentialsSource;
  if (secretArn) {
    if (!clients.secrets)
      throw new Error(`${ENV.platformSecretArn} is set but no Secrets Manager client was given`);
    credentials = new SecretsManagerCredentials(clients.secrets, secretArn, platform.data);
  } else if (credentialsFile) {
    credentials = new FileCredentials(credentialsFile, platform.data);
  } else {
    credentials = noCredentials();
  }
  const baseUrl = optionalEnv(env, ENV.platformBaseUrl);
  return {
    platform: platform.data,
    config: loadConfigFile(requireEnv(env, ENV.campaignsFile)),
    stateTableName: requireEnv(env, ENV.stateTable),
    eventsQueueUrl: requireEnv(env, ENV.eventsQueueUrl),
    doc: clients.doc,
    sqs: clients.sqs,
    credentials,
    createAdapter: clients.createAdapter ?? createAdapter,
    ...(baseUrl ? { baseUrl } : {}),
    logger:
      clients.logger ??
      new Logger({ serviceName: 'kol-pulse-poll', persistentKeys: { platform: platform.data } }),
    ...(clients.metrics ? { metrics: clients.metrics } : {}),
    ...(clients.clock ? { clock: clients.clock } : {}),
    ...(clients.fetch ? { fetch: clients.fetch } : {}),
  };
};
