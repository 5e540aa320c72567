import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { aggregateDepsFromEnv, createAggregateHandler } from '../../functions/aggregate/app';
import { createPollHandler, type PollHandler, pollDepsFromEnv } from '../../functions/poll/app';
import type { PollSummary } from '../../functions/poll/poller';
import { createReportHandler, reportDepsFromEnv } from '../../functions/report/app';
import { enabledPlatforms, type KolPulseConfig } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import { startOfDay } from '../../shared/time';
import { rateToMs, topology } from '../../shared/topology';
import { type ReportServer, startReportServer } from './api-gateway';
import { effectiveSpeed, type TwinOptions, wantsDemo } from './cli';
import type { DemoPlatform } from './demo/demo-platform';
import {
  createQueues,
  createTables,
  LOCAL_REGION,
  type LocalDynamo,
  type LocalSqs,
  startDynalite,
  startSqs,
} from './engines';
import { functionEnv, LOCAL_PREFIX, type LocalResources, localFunctionName } from './function-env';
import { invokeLambda, type LambdaFunctionSettings } from './lambda-runtime';
import {
  checkCredentialsFile,
  describeListenError,
  ensurePortFree,
  loadTwinConfig,
  lockDataDir,
  prepareDataDir,
  recoveryMarker,
  TwinStartError,
} from './preflight';
import { recordSentObservations } from './recorder';
import { Scheduler, scheduledEvent } from './scheduler';
import { SqsTrigger } from './sqs-trigger';
import {
  countItems,
  errorCount,
  newCounters,
  observationsIn,
  queueDepth,
  type StatusSnapshot,
  type TwinCounters,
  throttledProbe,
} from './status';

/**
 * The local twin: the topology of shared/topology.ts on one machine. Same handlers as in AWS (app.ts of each
 * function, built from an environment derived from the topology), dynalite for DynamoDB (persisted under
 * the data folder), fauxqs for SQS, timers for the schedules, an emulated SQS trigger, and the report handler
 * behind a local HTTP server bound to 127.0.0.1.
 *
 * fauxqs keeps messages in memory: whatever sits on the queue when the process is killed is lost. Nothing
 * applied is lost (dynalite is on disk), and the pipeline heals what was lost in flight: cursors advance
 * only after a send, every cycle re-reads an overlap window, and tracked posts are refreshed with cumulative
 * counters, so the next snapshot of a post carries everything a lost one did.
 */

export interface TwinUrls {
  dashboard: string;
  api: string;
  openapi: string;
  platformApi?: string;
}

export interface Twin {
  urls: TwinUrls;
  demo: boolean;
  speed: number;
  platforms: Platform[];
  /** The previous run on this data folder ended without draining the queue: pollers re-read once. */
  recovering: boolean;
  counters: TwinCounters;
  snapshot(): Promise<StatusSnapshot>;
  /** Stops scheduling, drains in-flight batches, closes servers and engines. Safe to call twice. */
  stop(): Promise<void>;
}

export interface TwinHooks {
  /** Starts the demo platform (injected so the twin itself does not depend on the demo's internals). */
  startDemo?: (args: {
    config: KolPulseConfig;
    seed: number;
    speed: number;
    durationSeconds: number | undefined;
    dataDir: string;
  }) => Promise<DemoPlatform>;
  /** Called for every poll, aggregate batch error or trigger error, with a one-line description. */
  onError?: (message: string) => void;
}

/** How long a graceful stop waits for the events queue to empty before giving up (recovery then runs). */
const DRAIN_TIMEOUT_MS = 15_000;

const waitForEmptyQueue = async (sqs: LocalSqs, queueUrl: string, timeoutMs: number): Promise<boolean> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if ((await queueDepth(sqs.client, queueUrl)) === 0) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
};

const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0] ?? '';

export const startTwin = async (options: TwinOptions, hooks: TwinHooks = {}): Promise<Twin> => {
  // ---- preflight: every user mistake ends here in one line -----------------------------------------
  const { config, campaignsFile } = loadTwinConfig(options.configFile);
  const platforms = enabledPlatforms(config).map(([p]) => p);
  if (platforms.length === 0)
    throw new TwinStartError(
      `no platform is enabled in ${campaignsFile}: add e.g. "platforms": { "x": { "enabled": true } }`,
    );
  const credentialsFile = options.credentialsFile ? checkCredentialsFile(options.credentialsFile) : undefined;
  await ensurePortFree(options.port);
  const { dataDir, dynamoDir } = prepareDataDir(options.dataDir);
  const lock = lockDataDir(dataDir);
  const recovery = recoveryMarker(dataDir);
  const demo = wantsDemo(options, config);
  const speed = effectiveSpeed(options, demo);

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch {
        // keep closing the rest
      }
    }
    lock.release();
  };

  try {
    // ---- engines --------------------------------------------------------------------------------------
    const dynamo: LocalDynamo = await startDynalite({ path: dynamoDir, isolated: true });
    closers.push(() => dynamo.close());
    const sqs: LocalSqs = await startSqs();
    closers.push(() => sqs.close());
    if (options.recordObservations) recordSentObservations(sqs.client, resolve(options.recordObservations));
    const resources: LocalResources = {
      tables: await createTables(dynamo.client, LOCAL_PREFIX),
      queues: await createQueues(sqs.client, LOCAL_PREFIX),
      campaignsFile,
    };

    // Operator tools (scripts/dlq.ts --local <data dir>) find the running twin's queues here.
    const twinFile = join(dataDir, 'twin.json');
    writeFileSync(
      twinFile,
      `${JSON.stringify({ sqs: { endpoint: sqs.endpoint }, queues: resources.queues }, null, 2)}\n`,
    );
    closers.push(async () => rmSync(twinFile, { force: true }));

    // ---- demo platform --------------------------------------------------------------------------------
    let demoPlatform: DemoPlatform | undefined;
    if (demo) {
      if (!hooks.startDemo) throw new TwinStartError('demo mode needs the demo platform');
      demoPlatform = await hooks.startDemo({
        config,
        seed: options.seed,
        speed,
        durationSeconds: options.demoDurationSeconds,
        dataDir,
      });
      closers.push(() => demoPlatform?.stop() ?? Promise.resolve());
    }

    const counters = newCounters();
    const fail = (message: string) => {
      counters.lastError = message;
      hooks.onError?.(message);
    };
    const logLevel = options.verbose ? 'INFO' : 'WARN';
    const loggerFor = (serviceName: string) => new Logger({ serviceName, logLevel });
    const settingsOf = (
      fn: 'poll' | 'aggregate' | 'report',
      platform?: Platform,
    ): LambdaFunctionSettings => ({
      functionName: localFunctionName(fn, platform),
      timeoutSeconds: topology.functions[fn].timeoutSeconds,
      memoryMb: topology.functions[fn].memoryMb,
      region: LOCAL_REGION,
    });

    // ---- aggregate behind the emulated SQS trigger ------------------------------------------------------
    const aggregate = createAggregateHandler(
      aggregateDepsFromEnv(functionEnv('aggregate', resources), {
        doc: dynamo.doc,
        logger: loggerFor(localFunctionName('aggregate')),
      }),
    );
    const triggerSpec = topology.triggers.aggregate;
    const trigger = new SqsTrigger({
      client: sqs.client,
      queueUrl: resources.queues[triggerSpec.queue],
      handler: (event: SQSEvent, context) => aggregate(event, context),
      function: settingsOf('aggregate'),
      batchSize: triggerSpec.batchSize,
      maxBatchingWindowMs: triggerSpec.maxBatchingWindowSeconds * 1000,
      maxConcurrency: triggerSpec.maxConcurrency,
      reportBatchItemFailures: triggerSpec.reportBatchItemFailures,
      onBatch: (outcome) => {
        counters.aggregateBatches++;
        const succeeded = new Set(outcome.succeeded);
        for (const r of outcome.records)
          if (succeeded.has(r.messageId)) counters.observationsApplied += observationsIn(r.body);
        counters.aggregateFailures += outcome.failed.length;
        if (outcome.error) fail(`aggregate: ${firstLine(outcome.error)}`);
        else if (outcome.failed.length > 0)
          fail(
            `aggregate: ${outcome.failed.length} message(s) not applied; retried after the visibility timeout`,
          );
      },
      onPollError: (e) => {
        counters.triggerErrors++;
        fail(`events queue: ${firstLine(e)}`);
      },
    });
    await trigger.start();
    closers.push(() => trigger.stop());
    // Runs after the scheduler stopped and before the trigger stops: what is queued gets applied, and only
    // a drained queue lets the next start skip recovery.
    closers.push(async () => {
      const drained = await waitForEmptyQueue(sqs, resources.queues.events, DRAIN_TIMEOUT_MS);
      if (drained) recovery.clear();
    });

    // ---- pollers on timers ----------------------------------------------------------------------------
    const scheduler = new Scheduler({
      onRun: (job, result) => {
        const summary = result as PollSummary | undefined;
        counters.pollsRun++;
        counters.observationsQueued += summary?.observationsSent ?? 0;
        const failures = summary?.failures ?? [];
        counters.pollFailures += failures.length;
        if (failures.length > 0) fail(`${job}: ${firstLine(failures[0])}`);
      },
      onError: (job, e) => {
        counters.pollsRun++;
        counters.pollErrors++;
        counters.observationsQueued += (e as { summary?: PollSummary }).summary?.observationsSent ?? 0;
        fail(`${job}: ${firstLine(e)}`);
      },
    });
    const campaignStart = Math.min(...config.campaigns.map((c) => startOfDay(c.start, c.timeZone)));
    for (const [platform, settings] of enabledPlatforms(config)) {
      const env = functionEnv('poll', resources, {
        platform,
        ...(demoPlatform ? { baseUrl: demoPlatform.baseUrlFor(platform) } : {}),
        ...(credentialsFile || demoPlatform
          ? { credentialsFile: credentialsFile ?? demoPlatform?.credentialsFile }
          : {}),
      });
      const handler: PollHandler = createPollHandler(
        pollDepsFromEnv(env, {
          doc: dynamo.doc,
          sqs: sqs.client,
          logger: loggerFor(localFunctionName('poll', platform)),
        }),
      );
      const name = localFunctionName('poll', platform);
      const invoke = (event: object) => invokeLambda(handler, event, settingsOf('poll', platform));
      // Recovery after an unclean stop: observations lost with the in-memory queue are read again by a
      // backfill over the tracking window (its own resume points), one invocation per scheduled run until done.
      let backfillSince = recovery.needed
        ? new Date(Math.max(campaignStart, Date.now() - settings.trackingDays * 86_400_000)).toISOString()
        : undefined;
      scheduler.add({
        name,
        periodMs: Math.max(100, rateToMs(settings.schedule) / speed),
        run: async () => {
          const summary = await invoke(scheduledEvent(name, LOCAL_REGION, { platform }));
          if (backfillSince) {
            const backfill = await invoke({
              ...scheduledEvent(name, LOCAL_REGION, { platform }),
              backfill: { since: backfillSince },
            });
            if (backfill.searchesResumable === 0) backfillSince = undefined;
            return { ...summary, observationsSent: summary.observationsSent + backfill.observationsSent };
          }
          return summary;
        },
      });
    }
    scheduler.start();
    closers.push(() => scheduler.stop());

    // ---- report behind a local HTTP server ------------------------------------------------------------
    const report = createReportHandler(
      reportDepsFromEnv(functionEnv('report', resources), {
        doc: dynamo.doc,
        logger: loggerFor(localFunctionName('report')),
      }),
    );
    let server: ReportServer;
    try {
      server = await startReportServer({ handler: report, port: options.port, host: '127.0.0.1' });
    } catch (e) {
      throw describeListenError(e, options.port);
    }
    closers.push(() => server.close());

    const startedAt = Date.now();
    const countRollups = throttledProbe(() => countItems(dynamo.doc, resources.tables.rollups));
    const snapshot = async (): Promise<StatusSnapshot> => {
      const [depth, dlq, rollups] = await Promise.all([
        queueDepth(sqs.client, resources.queues.events),
        queueDepth(sqs.client, resources.queues.eventsDlq),
        countRollups(),
      ]);
      return {
        ...counters,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        queueDepth: depth,
        dlqDepth: dlq,
        rollupItems: rollups,
        errors: errorCount(counters),
        ...(demoPlatform ? { demo: demoPlatform.stats() } : {}),
      };
    };

    let stopping: Promise<void> | undefined;
    return {
      urls: {
        dashboard: `${server.url}/`,
        api: `${server.url}/campaigns`,
        openapi: `${server.url}/openapi.json`,
        ...(demoPlatform ? { platformApi: demoPlatform.url } : {}),
      },
      demo,
      speed,
      platforms,
      recovering: recovery.needed,
      counters,
      snapshot,
      // Closers run in reverse: report server, scheduler (waits for running polls), trigger (drains
      // in-flight batches), demo platform, fauxqs, dynalite; then the data folder lock is released.
      stop: () => {
        stopping ??= closeAll();
        return stopping;
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
};
