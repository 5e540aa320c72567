import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createPollHandler } from '../../functions/poll/app';
import type { Clock } from '../../functions/poll/clock';
import { createQueues, createTables, startDynalite, startSqs } from '../../infra/local/engines';
import { LOCAL_PLATFORM_CREDENTIALS, startPlatformApi } from '../../infra/local/platform-api/server';
import { PlatformStore, platformPostId } from '../../infra/local/platform-api/store';
import { parseConfig } from '../../shared/config';
import { postStateKey, trackIndexKey } from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import { createAdapter } from '../../shared/platforms';
import type { PlatformCredentials } from '../../shared/platforms/adapter';
import { SeededRandom } from '../../shared/random';
import { chunk, countLogBytes, deployedLogger, tableSpecsByName } from '../lib/harness';
import { type DynamoMeter, meterDocumentClient } from '../lib/metered-client';
import { mapPool } from '../lib/stats';

/**
 * Poller efficiency: one poll cycle of the real poll handler, with the real adapter, against the local
 * platform API server, with `tracked` posts published in the last 24 hours (all hot, so all due) and
 * `newPosts` published since the previous cycle. API calls are counted at the server and compared with the
 * minimum the platform's page size and id-batch size allow.
 */

export interface PollerResult {
  platform: Platform;
  tracked: number;
  due: number;
  newPosts: number;
  /** Posts the search had to read: new ones plus those inside the overlap window behind the cursor. */
  searchWindowPosts: number;
  maxPageSize: number;
  maxRefreshBatch: number;
  searchCalls: number;
  refreshCalls: number;
  /** Requests and observations of late re-reads (none yet in the measured cycle: layers are due hourly). */
  lateReadCalls: number;
  lateReadObservations: number;
  otherCalls: number;
  apiCalls: number;
  minimumCalls: number;
  observationsSent: number;
  messagesSent: number;
  sendCalls: number;
  cycleMs: number;
  /** Bytes the poll function's logger wrote in the measured cycle (INFO, the deployed level). */
  logBytes: number;
  meter: DynamoMeter;
  stoppedReason: string;
}

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-20T12:00:00.000Z');
const HASHTAG = 'pollbench';

export const measurePoller = async (options: {
  platform: Platform;
  tracked: number;
  newPosts: number;
  seed: number;
}): Promise<PollerResult> => {
  const { platform } = options;
  const rng = new SeededRandom(options.seed);
  const clockState = { t: T0 };
  const clock: Clock = {
    now: () => clockState.t,
    sleep: async (ms) => {
      clockState.t += Math.max(0, ms);
    },
    random: () => rng.next(),
  };
  const store = new PlatformStore();
  const api = await startPlatformApi({ store, now: clock.now });
  const dynamo = await startDynalite({ isolated: true });
  const sqs = await startSqs();
  try {
    const tables = await createTables(dynamo.client, 'bench-poll');
    const queues = await createQueues(sqs.client, 'bench-poll');
    const overlapMinutes = 10;
    const config = parseConfig({
      campaigns: [{ id: 'pollbench', name: 'Poll benchmark', hashtags: [HASHTAG], start: '2026-11-01' }],
      platforms: {
        [platform]: {
          enabled: true,
          baseUrl: api.baseUrls[platform],
          maxRequestsPerCycle: 10_000,
          overlapMinutes,
          trackingDays: 7,
        },
      },
    });
    const credentials: PlatformCredentials = { ...LOCAL_PLATFORM_CREDENTIALS[platform] };
    const adapterShape = createAdapter(platform, { credentials, baseUrl: api.baseUrls[platform] });

    // Tracked posts, published over the last 23 hours, already known to the state table's track index.
    const authors = Array.from({ length: 500 }, (_, i) => `author${i}`);
    const trackedPosts = Array.from({ length: options.tracked }, (_, i) =>
      store.add({
        platform,
        author: {
          handle: platform === 'mastodon' ? `${rng.pick(authors)}@mastodon.social` : rng.pick(authors),
        },
        hashtags: [HASHTAG],
        publishedAt: T0 - 23 * 60 * MINUTE + Math.floor((i / options.tracked) * 23 * 60 * MINUTE),
        counters: {
          likes: rng.int(0, 500),
          shares: rng.int(0, 50),
          comments: rng.int(0, 30),
          views: rng.int(0, 9_000),
        },
      }),
    );
    await mapPool(chunk(trackedPosts, 25), 8, (batch) =>
      dynamo.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [tables.state]: batch.map((post) => {
              const postId = platformPostId(post);
              return {
                PutRequest: {
                  Item: {
                    ...postStateKey(platform, postId),
                    ...trackIndexKey(platform, post.publishedAt, postId),
                    postId,
                  },
                },
              };
            }),
          },
        }),
      ),
    );

    const metered = meterDocumentClient(dynamo.doc, { mode: 'count', tables: tableSpecsByName(tables) });
    const handler = createPollHandler({
      platform,
      config,
      stateTableName: tables.state,
      eventsQueueUrl: queues.events,
      doc: metered.client,
      sqs: sqs.client,
      credentials: { get: async () => credentials },
      createAdapter,
      baseUrl: api.baseUrls[platform],
      logger: deployedLogger('kol-pulse-poll'),
      clock,
    });
    const context = { getRemainingTimeInMillis: () => 120_000, awsRequestId: 'bench' };

    // Cycle 1 sets the cursor; cycle 2, five minutes later, is the one measured.
    await countLogBytes(() => handler({}, context));
    const cursorTime = Math.max(...trackedPosts.map((p) => Date.parse(p.publishedAt)));
    clockState.t = T0 + 5 * MINUTE;
    for (let i = 0; i < options.newPosts; i++)
      store.add({
        platform,
        author: {
          handle: platform === 'mastodon' ? `${rng.pick(authors)}@mastodon.social` : rng.pick(authors),
        },
        hashtags: [HASHTAG],
        publishedAt: T0 + Math.floor((i / Math.max(1, options.newPosts)) * 4 * MINUTE),
      });
    const requestsBefore = api.requests.length;
    metered.reset();
    const started = performance.now();
    const { value: summary, bytes: logBytes } = await countLogBytes(() => handler({}, context));
    const cycleMs = performance.now() - started;
    const requests = api.requests.slice(requestsBefore).filter((r) => r.platform === platform);

    const searchWindowPosts = store
      .list(platform)
      .filter((p) => Date.parse(p.publishedAt) >= cursorTime - overlapMinutes * MINUTE).length;
    const minimumCalls =
      Math.ceil(searchWindowPosts / adapterShape.maxPageSize) +
      Math.ceil(summary.due / adapterShape.maxRefreshBatch);
    const searchCalls = summary.pages;
    const refreshCalls = summary.refreshCalls;
    return {
      platform,
      tracked: options.tracked,
      due: summary.due,
      newPosts: options.newPosts,
      searchWindowPosts,
      maxPageSize: adapterShape.maxPageSize,
      maxRefreshBatch: adapterShape.maxRefreshBatch,
      searchCalls,
      refreshCalls,
      lateReadCalls: summary.lateReadCalls,
      lateReadObservations: summary.lateReadObservations,
      otherCalls: requests.length - searchCalls - refreshCalls - summary.lateReadCalls,
      apiCalls: requests.length,
      minimumCalls,
      observationsSent: summary.observationsSent,
      messagesSent: summary.messagesSent,
      sendCalls: summary.sendCalls,
      cycleMs,
      logBytes,
      meter: metered.meter,
      stoppedReason: summary.stoppedReason,
    };
  } finally {
    await sqs.close();
    await dynamo.close();
    await api.close();
  }
};
