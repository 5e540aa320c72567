import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { CursorItems, CursorState } from '../../../functions/poll/cursors';
import { type PollCycleDeps, type PollSummary, runPollCycle } from '../../../functions/poll/poller';
import { RejectStore } from '../../../functions/poll/rejects';
import { ObservationSender } from '../../../functions/poll/sender';
import { DEFAULT_TUNING } from '../../../functions/poll/tuning';
import { type PlatformSettings, parseConfig } from '../../../shared/config';
import { type Observation, ObservationMessageSchema, ObservationSchema } from '../../../shared/observation';
import { FakeClock, FakePlatform } from './fake-platform';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * The real poll cycle on a fake platform, with cursor items in memory and the events queue mocked, so a
 * test can run thousands of scheduled cycles (days of simulated time) in seconds.
 */
export const memoryWorld = (options: {
  start: number;
  settings?: Partial<PlatformSettings>;
  tags?: string[];
}) => {
  const clock = new FakeClock(options.start);
  const platform = new FakePlatform(clock);
  const config = parseConfig({
    campaigns: [{ id: 'launch', name: 'Launch', hashtags: options.tags ?? ['#launch'], start: '2025-01-01' }],
    platforms: { x: { schedule: 'rate(5 minutes)', overlapMinutes: 10, ...options.settings } },
  });
  const settings = config.platforms.x;
  if (!settings) throw new Error('x settings missing');
  const items = new Map<string, CursorState>();
  const cursors: CursorItems = {
    load: async (name, query) => ({ state: structuredClone(items.get(name)) ?? { query }, corrupt: false }),
    save: async (name, state) => {
      items.set(name, structuredClone(state));
    },
  };
  const sqs = new SQSClient({ region: 'us-east-1' });
  const sqsMock = mockClient(sqs);
  const sent: Observation[] = [];
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
    for (const entry of input.Entries ?? [])
      for (const o of ObservationMessageSchema.parse(JSON.parse(entry.MessageBody ?? '')).observations)
        sent.push(ObservationSchema.parse(o));
    return {
      Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })),
    };
  });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const deps: PollCycleDeps = {
    platform: 'x',
    config,
    settings,
    adapter: platform,
    clock,
    tuning: DEFAULT_TUNING,
    log: () => {},
    stores: {
      cursors,
      trackedPosts: async () => [],
      openRejects: (pollId) => new RejectStore(doc, 'state', pollId, clock),
      openSender: (pollId) =>
        new ObservationSender({ sqs, queueUrl: 'events', platform: 'x', pollId, clock }),
    },
  };
  let polls = 0;
  /** One scheduled cycle at the clock's time; returns its summary and the observations it sent. */
  const poll = async (remainingTimeMs = 120_000): Promise<{ summary: PollSummary; sent: Observation[] }> => {
    const before = sent.length;
    const summary = await runPollCycle(deps, { pollId: `x-${polls++}`, remainingTimeMs });
    return { summary, sent: sent.slice(before) };
  };
  return { clock, platform, settings, items, deps, poll, close: () => sqsMock.restore() };
};
