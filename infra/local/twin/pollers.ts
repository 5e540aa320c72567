import { createPollHandler, type PollHandler, pollDepsFromEnv } from '../../../functions/poll/app';
import type { PollSummary } from '../../../functions/poll/poller';
import { enabledPlatforms, type KolPulseConfig, type PlatformSettings } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';
import { startOfDay } from '../../../shared/time';
import { rateToMs } from '../../../shared/topology';
import type { DemoPlatform } from '../demo/demo-platform';
import { LOCAL_REGION } from '../engines';
import { functionEnv, localFunctionName } from '../function-env';
import { invokeLambda } from '../lambda-runtime';
import type { RecoveryMarker } from '../preflight';
import { type ScheduledJob, Scheduler, type SchedulerOptions, scheduledEvent } from '../scheduler';
import type { Closable } from './closers';
import { firstLine, functionSettings, type TwinContext } from './context';

export interface PollersArgs {
  config: KolPulseConfig;
  /** Schedule periods are divided by this factor (the twin's clock, `ctx.clock`, runs this much faster). */
  speed: number;
  recovery: RecoveryMarker;
  credentialsFile: string | undefined;
  /** When set, every poller reads the demo platform instead of the real one. */
  demoPlatform: DemoPlatform | undefined;
}

/**
 * One poll function per enabled platform, on timers standing in for the topology's schedules. Closing stops
 * the timers and waits for running polls to finish.
 */
export const startPollers = (ctx: TwinContext, args: PollersArgs): Closable => {
  const scheduler = new Scheduler(countPolls(ctx));
  const campaignStart = Math.min(...args.config.campaigns.map((c) => startOfDay(c.start, c.timeZone)));
  for (const [platform, settings] of enabledPlatforms(args.config))
    scheduler.add(pollJob(ctx, args, platform, settings, campaignStart));
  scheduler.start();
  return { close: () => scheduler.stop() };
};

const countPolls = ({ counters, fail }: TwinContext): SchedulerOptions => ({
  onRun: (job, result) => {
    const summary = result as PollSummary | undefined;
    counters.pollsRun++;
    counters.observationsQueued += summary?.observationsSent ?? 0;
    const use = summary?.budgetUse ?? [];
    if (summary && use.length > 0)
      counters.budget = {
        ...counters.budget,
        [summary.platform]: Math.max(...use.map((q) => (q.limit > 0 ? q.used / q.limit : 1))),
      };
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

const pollHandlerFor = (ctx: TwinContext, args: PollersArgs, platform: Platform): PollHandler => {
  const { demoPlatform, credentialsFile } = args;
  const env = functionEnv('poll', ctx.engines.resources, {
    platform,
    ...(demoPlatform ? { baseUrl: demoPlatform.baseUrlFor(platform) } : {}),
    ...(credentialsFile || demoPlatform
      ? { credentialsFile: credentialsFile ?? demoPlatform?.credentialsFile }
      : {}),
  });
  return createPollHandler(
    pollDepsFromEnv(env, {
      doc: ctx.engines.dynamo.doc,
      sqs: ctx.engines.sqs.client,
      logger: ctx.loggerFor(localFunctionName('poll', platform)),
      clock: ctx.clock,
    }),
  );
};

const pollJob = (
  ctx: TwinContext,
  args: PollersArgs,
  platform: Platform,
  settings: PlatformSettings,
  campaignStart: number,
): ScheduledJob => {
  const handler = pollHandlerFor(ctx, args, platform);
  const name = localFunctionName('poll', platform);
  const invoke = (event: object) => invokeLambda(handler, event, functionSettings('poll', platform));
  const event = () => scheduledEvent(name, LOCAL_REGION, { platform }, new Date(ctx.clock.now()));
  // Recovery after an unclean stop: observations lost with the in-memory queue are read again by a
  // backfill over the tracking window (its own resume points), one invocation per scheduled run until done.
  let backfillSince = args.recovery.needed
    ? new Date(Math.max(campaignStart, ctx.clock.now() - settings.trackingDays * 86_400_000)).toISOString()
    : undefined;
  return {
    name,
    periodMs: Math.max(100, rateToMs(settings.schedule) / args.speed),
    run: async () => {
      const summary = await invoke(event());
      if (!backfillSince) return summary;
      const backfill = await invoke({ ...event(), backfill: { since: backfillSince } });
      if (backfill.searchesResumable === 0) backfillSince = undefined;
      return { ...summary, observationsSent: summary.observationsSent + backfill.observationsSent };
    },
  };
};
