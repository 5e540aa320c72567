import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createPollHandler, type PollHandler } from '../../../functions/poll/app';
import type { Clock } from '../../../functions/poll/clock';
import type { PollSummary } from '../../../functions/poll/poller';
import { LOCAL_PLATFORM_CREDENTIALS, type PlatformApi } from '../../../infra/local/platform-api';
import type { KolPulseConfig } from '../../../shared/config';
import type { Observation } from '../../../shared/observation';
import type { Platform } from '../../../shared/platform';
import { createAdapter } from '../../../shared/platforms';
import type { SeededRandom } from '../../../shared/random';
import { withGrantsOf } from '../../support/iam-guard';
import { faultyDynamo, ProcessCrashedError } from './faulty-dynamo';
import { silentLogger } from './pipeline';

/**
 * One poll "Lambda process" for one invocation, with a crash switch shared by its DynamoDB client, its SQS
 * client and its fetch: once the process is killed, nothing it does reaches anything any more.
 * - `afterSends: k`: killed right after the k-th SendMessageBatch reached the queue (mid-search, or between
 *   sending a search's observations and saving its cursor);
 * - `atWrite: k`: killed as its k-th DynamoDB write (a cursor or resume point save, a reject) is sent;
 * - `atFetch: k`: killed as it makes its k-th platform request (mid-page).
 */
export type PollCrash = { afterSends: number } | { atWrite: number } | { atFetch: number };

export interface PollWorld {
  config: KolPulseConfig;
  api: PlatformApi;
  dynamoEndpoint: string;
  stateTable: string;
  sqs: SQSClient;
  eventsQueueUrl: string;
  clock: Clock;
  rng: SeededRandom;
  /** Every observation that reached the events queue (the oracle's input). */
  enqueued: Observation[];
  /** Adapter request timeout, short so a delayed answer times out quickly. */
  timeoutMs: number;
}

export interface PollOutcome {
  summary?: PollSummary;
  error?: Error;
  crashed: boolean;
}

export const runPollProcess = async (
  world: PollWorld,
  platform: Platform,
  crash: PollCrash | undefined,
  event: unknown = { source: 'aws.scheduler', 'detail-type': 'Scheduled Event' },
): Promise<PollOutcome> => {
  const dynamo = faultyDynamo(
    world.dynamoEndpoint,
    crash && 'atWrite' in crash ? { crashAfterWrites: crash.atWrite } : {},
    world.rng,
  );
  const transport = dynamo.transport;
  let sends = 0;
  const sqs = new Proxy(world.sqs, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: { input: unknown }, ...rest: unknown[]) => {
        if (transport.crashed) throw new ProcessCrashedError('the poll process was killed');
        const out = (await (target.send as (c: unknown, ...r: unknown[]) => Promise<unknown>)(
          command,
          ...rest,
        )) as SendMessageBatchCommandOutput;
        if (command instanceof SendMessageBatchCommand) {
          const ok = new Set((out.Successful ?? []).map((s) => s.Id));
          for (const entry of command.input.Entries ?? [])
            if (ok.has(entry.Id))
              world.enqueued.push(
                ...(JSON.parse(entry.MessageBody ?? '{}') as { observations: Observation[] }).observations,
              );
          sends++;
          if (crash && 'afterSends' in crash && sends >= crash.afterSends) {
            transport.crash();
            throw new ProcessCrashedError(`killed after send ${sends} reached the queue`);
          }
        }
        return out;
      };
    },
  });
  let fetches = 0;
  const crashingFetch: typeof fetch = async (input, init) => {
    if (transport.crashed) throw new ProcessCrashedError('the poll process was killed');
    fetches++;
    if (crash && 'atFetch' in crash && fetches >= crash.atFetch) {
      transport.crash();
      throw new ProcessCrashedError(`killed at platform request ${fetches}`);
    }
    return fetch(input, init);
  };
  const handler: PollHandler = createPollHandler({
    platform,
    config: world.config,
    stateTableName: world.stateTable,
    eventsQueueUrl: world.eventsQueueUrl,
    doc: withGrantsOf(dynamo.doc, 'poll', { state: world.stateTable }, platform),
    sqs,
    credentials: { get: async () => ({ ...LOCAL_PLATFORM_CREDENTIALS[platform] }) },
    createAdapter: (p, options) => createAdapter(p, { ...options, timeoutMs: world.timeoutMs }),
    baseUrl: world.api.baseUrls[platform],
    logger: silentLogger(),
    clock: world.clock,
    fetch: crashingFetch,
    tuning: { backoffBaseMs: 50, backoffCapMs: 400, rateLimitFallbackMs: 5_000 },
  });
  const started = world.clock.now();
  try {
    const summary = await handler(event, {
      getRemainingTimeInMillis: () => 120_000 - (world.clock.now() - started),
    });
    if (transport.crashed) return { summary, crashed: true };
    return { summary, crashed: false };
  } catch (e) {
    return { error: e as Error, crashed: transport.crashed };
  } finally {
    dynamo.destroy();
  }
};

/** A simulated clock: sleeping advances it (after yielding), so backoffs and rate-limit waits cost no real time. */
export const simulatedClock = (start: number, rng: SeededRandom): Clock & { advance(ms: number): void } => {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms) => {
      await new Promise((r) => setImmediate(r));
      if (ms > 0) t += ms;
    },
    random: () => rng.next(),
    advance: (ms) => {
      t += ms;
    },
  };
};
