import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createPollHandler, type PollDeps } from '../../../functions/poll/app';
import { noCredentials } from '../../../functions/poll/credentials';
import type { PollTuning } from '../../../functions/poll/poller';
import {
  createQueues,
  createTables,
  type LocalDynamo,
  type LocalSqs,
  startDynalite,
  startSqs,
} from '../../../infra/local/engines';
import { type PlatformSettings, parseConfig } from '../../../shared/config';
import { cursorKey, postStateKey, trackIndexKey } from '../../../shared/keys';
import { type Observation, ObservationMessageSchema, ObservationSchema } from '../../../shared/observation';
import { withGrantsOf } from '../../support/iam-guard';
import { FakeClock, FakePlatform } from '../../unit/poll/fake-platform';

export const T0 = Date.parse('2025-03-10T12:00:00Z');
export const MINUTE = 60_000;

/** One dynalite and one fauxqs per test file; every world gets its own tables and queues on them. */
export const startEngines = async () => {
  const [dynamo, sqs] = await Promise.all([startDynalite(), startSqs()]);
  return { dynamo, sqs, close: () => Promise.all([dynamo.close(), sqs.close()]) };
};

export interface WorldOptions {
  tags?: string[];
  settings?: Partial<PlatformSettings>;
  pageSize?: number;
  maxRefreshBatch?: number;
  tagsPerQuery?: number;
  latencyMs?: number;
  tuning?: Partial<PollTuning>;
  random?: number;
  enabled?: boolean;
  campaignStart?: string;
}

export const makeWorld = async (
  engines: { dynamo: LocalDynamo; sqs: LocalSqs },
  options: WorldOptions = {},
) => {
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const [tables, queues] = await Promise.all([
    createTables(engines.dynamo.client, prefix),
    createQueues(engines.sqs.client, prefix),
  ]);
  const clock = new FakeClock(T0, options.random ?? 0.5);
  const platform = new FakePlatform(
    clock,
    options.pageSize ?? 10,
    options.maxRefreshBatch ?? 100,
    options.tagsPerQuery ?? 2,
    options.latencyMs ?? 100,
  );
  const config = parseConfig({
    campaigns: [
      {
        id: 'launch',
        name: 'Launch',
        hashtags: options.tags ?? ['#NextIdea'],
        start: options.campaignStart ?? '2025-03-01',
      },
    ],
    platforms: {
      x: {
        enabled: options.enabled ?? true,
        schedule: 'rate(5 minutes)',
        overlapMinutes: 10,
        ...options.settings,
      },
    },
  });
  const adapterOptions: unknown[] = [];
  const deps: PollDeps = {
    platform: 'x',
    config,
    stateTableName: tables.state,
    eventsQueueUrl: queues.events,
    // Only what the deployed poll role may do (infra/stacks/table-grants.ts).
    doc: withGrantsOf(engines.dynamo.doc, 'poll', { state: tables.state }, 'x'),
    sqs: engines.sqs.client,
    credentials: noCredentials(),
    createAdapter: (_platform, adapterOpts) => {
      adapterOptions.push(adapterOpts);
      return platform;
    },
    logger: new Logger({ logLevel: 'SILENT' }),
    clock,
    tuning: options.tuning ?? {},
  };
  const handler = createPollHandler(deps);

  /** Runs one scheduled invocation with this much Lambda time left. */
  const poll = (
    remainingMs = 120_000,
    event: unknown = { 'detail-type': 'Scheduled Event', source: 'aws.scheduler' },
  ) => handler(event, { getRemainingTimeInMillis: () => remainingMs, awsRequestId: randomUUID() });

  /** Receives (and deletes) everything on the events queue. */
  const drain = async (): Promise<{ observations: Observation[]; bodies: string[] }> => {
    const observations: Observation[] = [];
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await engines.sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queues.events, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return { observations, bodies };
      for (const m of Messages) {
        const body = m.Body ?? '';
        bodies.push(body);
        const message = ObservationMessageSchema.parse(JSON.parse(body));
        observations.push(...message.observations.map((o) => ObservationSchema.parse(o)));
      }
      await engines.sqs.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queues.events,
          Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  };

  const cursor = async (query: string) => {
    const { Item } = await engines.dynamo.doc.send(
      new GetCommand({ TableName: tables.state, Key: cursorKey('x', query) }),
    );
    return Item;
  };

  /** Writes post state items the way the aggregate function does, so they show up for refresh. */
  const track = async (posts: readonly { postId: string; publishedMs: number }[]) => {
    const items = posts.map((p) => {
      const publishedAt = new Date(p.publishedMs).toISOString();
      return {
        ...postStateKey('x', p.postId),
        ...trackIndexKey('x', publishedAt, p.postId),
        postId: p.postId,
      };
    });
    const chunks = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) =>
      items.slice(i * 25, i * 25 + 25),
    );
    for (let i = 0; i < chunks.length; i += 16)
      await Promise.all(
        chunks.slice(i, i + 16).map((chunk) =>
          engines.dynamo.doc.send(
            new BatchWriteCommand({
              RequestItems: { [tables.state]: chunk.map((Item) => ({ PutRequest: { Item } })) },
            }),
          ),
        ),
      );
  };

  const rejectRecords = async (day: string) => {
    const { Items = [] } = await engines.dynamo.doc.send(
      new QueryCommand({
        TableName: tables.state,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `REJECT#${day}` },
      }),
    );
    return Items;
  };

  return {
    clock,
    platform,
    config,
    deps,
    tables,
    queues,
    poll,
    drain,
    cursor,
    track,
    rejectRecords,
    adapterOptions,
  };
};

export type World = Awaited<ReturnType<typeof makeWorld>>;

/** Post ids of observations, deduplicated and sorted. */
export const idsOf = (observations: readonly Observation[]) =>
  [...new Set(observations.map((o) => o.postId))].sort();
export const postIds = (posts: readonly { id: number }[]) =>
  posts.map((p) => FakePlatform.postId(p.id)).sort();
