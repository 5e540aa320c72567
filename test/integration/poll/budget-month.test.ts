import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBudgetLedger } from '../../../functions/poll/budget-ledger';
import type { CursorItems, CursorState } from '../../../functions/poll/cursors';
import { type PollSummary, runPollCycle } from '../../../functions/poll/poller';
import { MemoryPostRecords } from '../../../functions/poll/post-records';
import { RejectStore } from '../../../functions/poll/rejects';
import { ObservationSender } from '../../../functions/poll/sender';
import type { TrackedPost } from '../../../functions/poll/tracked';
import { DEFAULT_TUNING } from '../../../functions/poll/tuning';
import {
  LOCAL_PLATFORM_CREDENTIALS,
  type PlatformApi,
  PlatformStore,
  type QuotaOptions,
  startPlatformApi,
} from '../../../infra/local/platform-api';
import { parseConfig } from '../../../shared/config';
import { ObservationMessageSchema } from '../../../shared/observation';
import type { Platform } from '../../../shared/platform';
import { createAdapter } from '../../../shared/platforms';
import { dayOf } from '../../../shared/time';
import { FakeClock } from '../../unit/poll/fake-platform';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2025-07-01T00:00:00Z');

/**
 * A simulated month of the real poll cycle, with the real adapters over HTTP, against the local platform API
 * enforcing the platforms' quotas the way they answer. Scaled down so it runs in seconds: an hourly
 * schedule, a few posts a day, and budgets a hundredth of the published ones.
 */
const month = async (
  platform: Platform,
  budget: Record<string, unknown>,
  quotas: QuotaOptions,
  postsPerDay = 4,
) => {
  const clock = new FakeClock(START);
  const store = new PlatformStore();
  const api: PlatformApi = await startPlatformApi({ store, now: clock.now, quotas });
  const config = parseConfig({
    campaigns: [{ id: 'launch', name: 'Launch', hashtags: ['#launch'], start: '2025-06-25' }],
    platforms: { [platform]: { schedule: 'rate(1 hour)', lateReads: [], budget } },
  });
  const settings = config.platforms[platform];
  if (!settings) throw new Error('no settings');
  const items = new Map<string, CursorState>();
  const cursors: CursorItems = {
    load: async (name, query) => ({ state: structuredClone(items.get(name)) ?? { query }, corrupt: false }),
    save: async (name, state) => {
      items.set(name, structuredClone(state));
    },
  };
  const tracked = new Map<string, TrackedPost>();
  const sqs = new SQSClient({ region: 'us-east-1' });
  const sqsMock = mockClient(sqs);
  let sent = 0;
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
    for (const entry of input.Entries ?? [])
      for (const o of ObservationMessageSchema.parse(JSON.parse(entry.MessageBody ?? '')).observations) {
        sent++;
        const post = o as { postId: string; publishedAt: string };
        // what the aggregate does when it first applies a post: it becomes tracked
        tracked.set(post.postId, {
          postId: post.postId,
          publishedAt: post.publishedAt,
          publishedMs: Date.parse(post.publishedAt),
        });
      }
    return {
      Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })),
    };
  });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const ledger = new MemoryBudgetLedger();
  const adapter = createAdapter(platform, {
    credentials: { ...LOCAL_PLATFORM_CREDENTIALS[platform] },
    baseUrl: api.baseUrls[platform],
    now: clock.now,
  });
  const deps = {
    platform,
    config,
    settings,
    adapter,
    clock,
    tuning: DEFAULT_TUNING,
    log: () => {},
    stores: {
      cursors,
      trackedPosts: async (now: number, days: number) =>
        [...tracked.values()].filter((p) => p.publishedMs > now - days * DAY && p.publishedMs <= now),
      openRejects: (pollId: string) => new RejectStore(doc, 'state', pollId, clock),
      openSender: (pollId: string) =>
        new ObservationSender({ sqs, queueUrl: 'events', platform, pollId, clock }),
      budget: ledger,
      records: new MemoryPostRecords(),
    },
  };
  const summaries: (PollSummary & { at: number })[] = [];
  for (let cycle = 0; cycle < 31 * 24; cycle++) {
    clock.t = START + cycle * HOUR;
    // new posts through the day, and counters that keep moving on the young ones
    if (cycle % Math.round(24 / postsPerDay) === 0)
      store.add({
        platform,
        author: { handle: `author${cycle % 7}`, id: `UC${String(cycle % 7).padStart(22, 'a')}` },
        text: 'new #launch',
        hashtags: ['launch'],
        publishedAt: clock.t - 60_000,
        counters: { likes: 1, views: 10 },
      });
    for (const post of store.list(platform))
      if (clock.t - Date.parse(post.publishedAt) < 2 * DAY)
        store.update(platform, post.id, { counters: { likes: post.counters.likes + 1 } });
    const at = clock.t;
    summaries.push({ ...(await runPollCycle(deps, { pollId: `p${cycle}`, remainingTimeMs: 600_000 })), at });
  }
  const close = async () => {
    sqsMock.restore();
    await api.close();
  };
  return { api, ledger, summaries, sent: () => sent, close };
};

describe('a simulated month within the budget (local platform API enforcing the quotas)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('YouTube: never over either bucket, lasts every day, and refresh goes on when search is spent', async () => {
    // Config: 4 searches and 60 units a day; the platform's search bucket is smaller (3): someone else
    // spends the rest, so search.list answers 403 quotaExceeded before the ledger expects it.
    const world = await month(
      'youtube',
      { quotas: { search: { limit: 4 }, units: { limit: 60 } } },
      {
        youtube: { search: 3, units: 60 },
      },
    );
    closers.push(world.close);
    const searchCalls = world.api.requestsFor('youtube', '/search');
    const videoCalls = world.api.requestsFor('youtube', '/videos');
    // never more than the published (scaled) units a Pacific day: no 403 from the units bucket
    expect(videoCalls.filter((r) => r.status === 403)).toEqual([]);
    const perDay = new Map<string, number>();
    for (const r of videoCalls)
      perDay.set(
        dayOf(r.at, 'America/Los_Angeles'),
        (perDay.get(dayOf(r.at, 'America/Los_Angeles')) ?? 0) + 1,
      );
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(60);
    // the search bucket ran dry on the platform's side: each such day the poller stopped searching only
    const stops = world.summaries.filter((s) => s.quotaStops.includes('search'));
    expect(stops.length).toBeGreaterThan(0);
    expect(searchCalls.filter((r) => r.status === 403).length).toBe(stops.length);
    for (const stop of stops) {
      const day = dayOf(stop.at, 'America/Los_Angeles');
      const laterRefresh = videoCalls.filter(
        (r) => r.at > stop.at && dayOf(r.at, 'America/Los_Angeles') === day && r.status === 200,
      );
      if (stop.at < Date.parse(`${day}T23:00:00-07:00`) - 2 * HOUR)
        expect(laterRefresh.length).toBeGreaterThan(0);
    }
    // the units budget lasts the day: refreshes happen in the last Pacific hours of days, not only the first
    const lateInDay = videoCalls.filter(
      (r) => new Date(r.at).getUTCHours() >= 4 && new Date(r.at).getUTCHours() < 7,
    );
    expect(lateInDay.length).toBeGreaterThan(20);
    expect(world.summaries.every((s) => s.failures.length === 0)).toBe(true);
  });

  it('X: never over $1.50 a month of post reads, charged once per post per UTC day, lasting the month', async () => {
    const world = await month('x', { usdPerMonth: 1.5 }, { x: { readsPerMonth: 2_000 } });
    closers.push(world.close);
    const quotas = world.api.quotas;
    if (!quotas) throw new Error('quotas not enforced');
    // what the platform charged for July: within 300 reads ($1.50 at $0.005)
    const charged = quotas.xReadsCharged(START + 10 * DAY);
    expect(charged).toBeLessThanOrEqual(300);
    expect(charged).toBeGreaterThan(200); // and the budget was used, not left idle
    // spread over the month: the last week still reads
    const lastWeek = world.api.requestsFor('x').filter((r) => r.at >= START + 24 * DAY && r.status === 200);
    expect(lastWeek.length).toBeGreaterThan(0);
    // the ledger agrees with the platform's bill
    const usd = world.summaries.at(-1)?.budgetUse.find((q) => q.name === 'usd');
    expect(usd?.used).toBeGreaterThanOrEqual(charged);
    expect(usd?.used).toBeLessThanOrEqual(300);
    // unchanged posts were not re-sent
    expect(world.summaries.reduce((n, s) => n + s.suppressed, 0)).toBeGreaterThan(0);
  });
});
