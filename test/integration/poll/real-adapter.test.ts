import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPollHandler } from '../../../functions/poll/app';
import { createQueues, createTables } from '../../../infra/local/engines';
import {
  LOCAL_PLATFORM_CREDENTIALS,
  type PlatformApi,
  PlatformStore,
  platformPostId,
  startPlatformApi,
} from '../../../infra/local/platform-api';
import { parseConfig } from '../../../shared/config';
import { postStateKey, trackIndexKey } from '../../../shared/keys';
import type { Platform } from '../../../shared/platform';
import { createAdapter } from '../../../shared/platforms';
import { startEngines } from './harness';

const MINUTE = 60_000;

/**
 * The poll handler with the real adapters over HTTP against the local platform API server (real clock):
 * the same path as the local twin and, but for the base URL, as AWS.
 */
describe('poll handler with the real adapters against the local platform API', () => {
  let engines: Awaited<ReturnType<typeof startEngines>>;
  let api: PlatformApi;
  let store: PlatformStore;
  beforeAll(async () => {
    engines = await startEngines();
    store = new PlatformStore();
    api = await startPlatformApi({ store });
  });
  afterAll(async () => {
    await api.close();
    await engines.close();
  });

  const world = async (platform: Platform) => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const [tables, queues] = await Promise.all([
      createTables(engines.dynamo.client, prefix),
      createQueues(engines.sqs.client, prefix),
    ]);
    const today = new Date().toISOString().slice(0, 10);
    const handler = createPollHandler({
      platform,
      config: parseConfig({
        campaigns: [{ id: 'launch', name: 'Launch', hashtags: ['#NextIdea', '#KolPulseDemo'], start: today }],
        platforms: { [platform]: { overlapMinutes: 5 } },
      }),
      stateTableName: tables.state,
      eventsQueueUrl: queues.events,
      doc: engines.dynamo.doc,
      sqs: engines.sqs.client,
      credentials: { get: async () => ({ ...LOCAL_PLATFORM_CREDENTIALS[platform] }) },
      createAdapter,
      baseUrl: api.baseUrls[platform],
      logger: new Logger({ logLevel: 'SILENT' }),
      tuning: { backoffBaseMs: 5, backoffCapMs: 20 },
    });
    const drain = async () => {
      const sent: string[] = [];
      for (;;) {
        const { Messages = [] } = await engines.sqs.client.send(
          new ReceiveMessageCommand({
            QueueUrl: queues.events,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 600,
          }),
        );
        if (Messages.length === 0) return sent;
        for (const m of Messages)
          sent.push(...JSON.parse(m.Body ?? '{}').observations.map((o: { postId: string }) => o.postId));
      }
    };
    const poll = () => handler({ source: 'aws.scheduler' }, { getRemainingTimeInMillis: () => 120_000 });
    /** Marks posts as tracked, as the aggregate function does when it first applies them. */
    const track = async (ids: readonly string[]) => {
      for (let i = 0; i < ids.length; i += 25) {
        const items = ids.slice(i, i + 25).map((postId) => {
          const post = store.list(platform).find((p) => platformPostId(p) === postId);
          const publishedAt = post?.publishedAt ?? new Date().toISOString();
          return {
            ...postStateKey(platform, postId),
            ...trackIndexKey(platform, publishedAt, postId),
            postId,
          };
        });
        await engines.dynamo.doc.send(
          new BatchWriteCommand({
            RequestItems: { [tables.state]: items.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
      }
    };
    return { poll, drain, track };
  };

  const addPosts = (platform: Platform, n: number, tag: string, handle = 'kol_one') => {
    const now = Date.now();
    return Array.from({ length: n }, (_, i) =>
      platformPostId(
        store.add({
          platform,
          author: { handle },
          text: `post ${i} #${tag}`,
          hashtags: [tag],
          publishedAt: now - (n - i) * 1_000 - MINUTE,
          counters: { likes: i },
        }),
      ),
    );
  };

  it('X: pages a search in the fewest requests, survives a 503, and picks up new posts next cycle', async () => {
    // Arrange: 250 posts -> three pages of 100
    const { poll, drain, track } = await world('x');
    const first = addPosts('x', 250, 'nextidea');
    const searchPath = '/2/tweets/search/recent';
    // Act
    const summary = await poll();
    // Assert
    expect(summary).toMatchObject({ queries: 1, pages: 3, searchesCompleted: 1, stoppedReason: 'complete' });
    expect(api.requestsFor('x', searchPath)).toHaveLength(3);
    expect([...new Set(await drain())].sort()).toEqual([...first].sort());

    // Act: new posts, and the first request of the next cycle fails with 503
    const fresh = addPosts('x', 5, 'kolpulsedemo', 'kol_two');
    api.faults.next({ kind: 'status', status: 503 }, { platform: 'x', path: searchPath });
    const second = await poll();
    const secondIds = await drain();
    // Assert
    expect(second.failures).toEqual([]);
    expect(secondIds).toEqual(expect.arrayContaining(fresh));

    // Act: the 250 posts are now tracked; a cycle refreshes them in batches of 100 ids
    await track(first);
    const refreshesBefore = api.requestsFor('x', '/2/tweets').length;
    const third = await poll();
    // Assert: the minimum number of refresh requests, every post's counters sent
    expect(api.requestsFor('x', '/2/tweets').length - refreshesBefore).toBe(3);
    expect(third).toMatchObject({ tracked: 250, refreshCalls: 3, refreshed: 250 });
    // Unchanged counters are not sent again (no-op observations never reach the queue).
    const resent = await drain();
    expect(third.suppressed + resent.length).toBeGreaterThanOrEqual(250);
    expect(first).toEqual(expect.arrayContaining(resent));
  });

  it('Mastodon: one request per tag timeline page, all posts of both campaign tags delivered', async () => {
    const { poll, drain } = await world('mastodon');
    const posts = [...addPosts('mastodon', 30, 'nextidea'), ...addPosts('mastodon', 12, 'kolpulsedemo')];
    const summary = await poll();
    expect(summary.stoppedReason).toBe('complete');
    expect(summary.failures).toEqual([]);
    expect([...new Set(await drain())].sort()).toEqual(posts.sort());
  });
});
