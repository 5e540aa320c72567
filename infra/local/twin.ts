import { staticSigningSecrets } from '../../functions/report/direct-response/secrets';
import type { KolPulseConfig } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import type { TwinOptions } from './cli';
import type { DemoPlatform } from './demo/demo-platform';
import { preflightTwin, type TwinPreflight, TwinStartError } from './preflight';
import { startTwinTime } from './simulated-time';
import type { StatusSnapshot, TwinCounters } from './status';
import { startAggregateTrigger } from './twin/aggregate-trigger';
import { Closers, startAll } from './twin/closers';
import { twinContext } from './twin/context';
import { localSigningSecrets, startDemoShop } from './twin/direct-response';
import { startTwinEngines } from './twin/engines';
import { startPollers } from './twin/pollers';
import { startReportApi } from './twin/report-api';
import { statusProbe } from './twin/snapshot';

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
  /** Local signing secrets of direct-response events (stand-in for Secrets Manager). */
  signingSecretsFile: string;
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
    /** The twin's clock (simulated, `speed` times the wall clock); the demo's posts and server run on it. */
    now: () => number;
    durationSeconds: number | undefined;
    lateShare: number | undefined;
    dataDir: string;
  }) => Promise<DemoPlatform>;
  /** Called for every poll, aggregate batch error or trigger error, with a one-line description. */
  onError?: (message: string) => void;
}

/**
 * Starts the parts in order and closes them in reverse: report server, pollers (waits for running polls),
 * aggregate trigger (drains the queue, then in-flight batches), demo platform, engines; then the data folder
 * lock is released. When a part fails to start, the parts already started are closed the same way.
 */
export const startTwin = async (options: TwinOptions, hooks: TwinHooks = {}): Promise<Twin> => {
  const pre = await preflightTwin(options);
  const closers = new Closers();
  closers.defer(() => pre.lock.release());
  const time = startTwinTime({ simulated: pre.demo, speed: pre.speed, dataDir: pre.dataDir });
  closers.defer(() => time.close());
  const { close, ...twin } = await startAll(async () => {
    const engines = closers.add(
      await startTwinEngines({ ...pre, recordObservations: options.recordObservations }),
    );
    const demoPlatform = pre.demo ? await startDemo(options, pre, hooks, time.clock.now) : undefined;
    if (demoPlatform) closers.defer(() => demoPlatform.stop());
    const ctx = twinContext(engines, time.clock, options.verbose, hooks.onError);
    closers.add(await startAggregateTrigger(ctx, pre.recovery));
    closers.add(startPollers(ctx, { ...pre, demoPlatform }));
    const signing = localSigningSecrets(pre.dataDir, pre.config);
    const server = closers.add(
      await startReportApi(ctx, options.port, { signingSecrets: staticSigningSecrets(signing.secrets) }),
    );
    if (pre.demo)
      closers.add(
        startDemoShop(ctx, {
          apiUrl: server.url,
          config: pre.config,
          secrets: signing.secrets,
          seed: options.seed,
        }),
      );
    return {
      urls: {
        dashboard: `${server.url}/`,
        api: `${server.url}/campaigns`,
        openapi: `${server.url}/openapi.json`,
        ...(demoPlatform ? { platformApi: demoPlatform.url } : {}),
      },
      demo: pre.demo,
      speed: pre.speed,
      platforms: pre.platforms,
      signingSecretsFile: signing.file,
      recovering: pre.recovery.needed,
      counters: ctx.counters,
      snapshot: statusProbe(ctx, demoPlatform),
    };
  }, closers);
  let stopping: Promise<void> | undefined;
  return {
    ...twin,
    stop: () => {
      stopping ??= close();
      return stopping;
    },
  };
};

const startDemo = async (
  options: TwinOptions,
  pre: TwinPreflight,
  hooks: TwinHooks,
  now: () => number,
): Promise<DemoPlatform> => {
  if (!hooks.startDemo) throw new TwinStartError('demo mode needs the demo platform');
  return hooks.startDemo({
    config: pre.config,
    seed: options.seed,
    speed: pre.speed,
    now,
    durationSeconds: options.demoDurationSeconds,
    lateShare: options.demoLateShare,
    dataDir: pre.dataDir,
  });
};
