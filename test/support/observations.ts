import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type KolPulseConfig, parseConfig } from '../../shared/config';
import type { Counters } from '../../shared/metrics';
import { OBSERVATION_MESSAGE_VERSION, type Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { SeededRandom } from '../../shared/random';
import { addDays, type Day, startOfDay } from '../../shared/time';

// ---- Factories -------------------------------------------------------------------------------------

export const makeObservation = (overrides: Partial<Observation> = {}): Observation => ({
  platform: 'x',
  postId: '1001',
  author: { id: 'u-1', handle: 'someone' },
  hashtags: ['NextIdea'],
  publishedAt: '2026-03-06T10:00:00.000Z',
  observedAt: '2026-03-06T11:00:00.000Z',
  counters: { likes: 1, shares: 0, comments: 0 },
  ...overrides,
});

/** An events-queue message body (object; JSON.stringify it for an SQS body). */
export const makeMessage = (observations: readonly unknown[], platform?: Platform, pollId = 'poll-test') => ({
  version: OBSERVATION_MESSAGE_VERSION,
  platform: platform ?? (observations[0] as Observation | undefined)?.platform ?? 'x',
  pollId,
  observations: [...observations],
});

let messageCounter = 0;

/** One SQS record; `body` objects are JSON-encoded, strings are taken as they are. */
export const makeSqsRecord = (
  body: unknown,
  options: { messageId?: string; sentTimestamp?: number; receiveCount?: number } = {},
): SQSRecord => {
  const messageId = options.messageId ?? `msg-${++messageCounter}`;
  const sent = String(options.sentTimestamp ?? Date.parse('2026-03-06T12:00:00Z'));
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: sent,
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: sent,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test-events',
    awsRegion: 'us-east-1',
  };
};

export const makeSqsEvent = (records: readonly SQSRecord[]): SQSEvent => ({ Records: [...records] });

// ---- Seeded scenarios ------------------------------------------------------------------------------

export interface Scenario {
  config: KolPulseConfig;
  observations: Observation[];
  /** A clock for the aggregator that keeps every post within its retention. */
  now: number;
}

export interface ScenarioOptions {
  posts?: number;
  maxSnapshotsPerPost?: number;
  /** Which New York DST change the campaigns straddle. */
  season?: 'spring' | 'autumn';
}

const DST_DAY = { spring: '2026-03-08', autumn: '2026-11-01' } as const;
const PLATFORMS_WITH_VIEWS: ReadonlySet<Platform> = new Set(['x', 'youtube']);

/**
 * A campaign configuration straddling a New York DST change (UTC, America/New_York and Asia/Shanghai
 * campaigns, one open-ended), roster KOLs matched by user id or by handle, outsiders, and posts with
 * growing counters, some decreases, hidden views and snapshots near midnight in each zone.
 */
export const generateScenario = (seed: number, options: ScenarioOptions = {}): Scenario => {
  const rnd = new SeededRandom(seed);
  const dst = DST_DAY[options.season ?? (rnd.chance(0.5) ? 'spring' : 'autumn')];
  const config = parseConfig({
    campaigns: [
      {
        id: 'launch',
        name: 'Launch',
        hashtags: ['NextIdea', '#腾讯NextIdea'],
        timeZone: 'UTC',
        start: addDays(dst, -3),
        end: addDays(dst, 3),
        kols: [
          {
            id: 'ada',
            name: 'Ada',
            accounts: [
              { platform: 'x', handle: '@AdaTech', userId: 'x-100' },
              { platform: 'mastodon', handle: 'ada@social.example' },
            ],
          },
          { id: 'bo', name: 'Bo', accounts: [{ platform: 'bluesky', handle: 'bo.bsky.social' }] },
        ],
      },
      {
        id: 'ny',
        name: 'New York',
        hashtags: ['BrandDay', 'NextIdea'],
        timeZone: 'America/New_York',
        start: addDays(dst, -2),
        end: addDays(dst, 2),
        kols: [
          {
            id: 'cy',
            name: 'Cy',
            accounts: [
              { platform: 'x', handle: 'CyNYC', userId: 'x-200' },
              { platform: 'youtube', handle: 'CyTube', userId: 'UCcytube0000000000000200' },
            ],
          },
          { id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'adatech' }] },
        ],
      },
      {
        id: 'asia',
        name: 'Asia',
        hashtags: ['ShanghaiLive', '腾讯NextIdea'],
        timeZone: 'Asia/Shanghai',
        start: addDays(dst, -4),
        kols: [
          { id: 'dee', name: 'Dee', accounts: [{ platform: 'mastodon', handle: '@Dee@mastodon.example' }] },
        ],
      },
    ],
  });

  // Follower counts as the adapters' per-author cache gives them: one value per author (0 is a known count;
  // absent, as for a hidden YouTube count, is unknown).
  const authors: { platform: Platform; id: string; handle: string; followers?: number }[] = [
    { platform: 'x', id: 'x-100', handle: 'AdaTech', followers: 52_000 },
    { platform: 'x', id: 'x-101', handle: 'adatech', followers: 0 }, // no user id match: matched by handle
    { platform: 'x', id: 'x-200', handle: 'cy_renamed', followers: 1_250 }, // matched by user id despite the handle
    { platform: 'mastodon', id: 'm-1', handle: 'Ada@social.example', followers: 4_100 },
    { platform: 'mastodon', id: 'm-2', handle: 'dee@mastodon.example', followers: 830 },
    { platform: 'bluesky', id: 'did:plc:bo', handle: 'Bo.bsky.social', followers: 9_900 },
    { platform: 'youtube', id: 'UCcytube0000000000000200', handle: 'CyTube' },
    { platform: 'x', id: 'x-900', handle: 'Outsider_One', followers: 17 },
    { platform: 'mastodon', id: 'm-900', handle: 'fan@other.example', followers: 260 },
    { platform: 'bluesky', id: 'did:plc:zz', handle: 'voice.bsky.social' },
    { platform: 'youtube', id: 'yt-900', handle: 'ReviewChannel', followers: 310_000 },
  ];
  const tagSets: string[][] = [
    ['NextIdea'],
    ['nextidea', 'other'],
    ['＃ＮｅｘｔＩｄｅａ'],
    ['#腾讯NextIdea'],
    ['BrandDay'],
    ['shanghailive', 'BRANDDAY'],
    ['unrelated'],
  ];

  const dayStartMs = startOfDay(addDays(dst, -5), 'UTC');
  const hour = 3_600_000;
  // Instants near midnight in each campaign zone, so day boundaries get exercised.
  const boundaries: number[] = [];
  for (let d = -5; d <= 6; d++) {
    const day = addDays(dst, d) as Day;
    for (const zone of ['UTC', 'America/New_York', 'Asia/Shanghai']) boundaries.push(startOfDay(day, zone));
  }
  const instant = (fromMs: number, spanMs: number): number => {
    if (rnd.chance(0.3)) {
      const near = boundaries.filter((b) => b > fromMs && b < fromMs + spanMs);
      if (near.length > 0)
        return Math.max(fromMs, rnd.pick(near) + rnd.pick([-1, 1]) * rnd.int(1, 40) * 60_000);
    }
    return fromMs + Math.floor(rnd.next() * spanMs);
  };

  const observations: Observation[] = [];
  const postCount = options.posts ?? 30;
  const maxSnapshots = options.maxSnapshotsPerPost ?? 5;
  for (let p = 0; p < postCount; p++) {
    const author = rnd.pick(authors);
    const publishedMs = instant(dayStartMs, 10 * 24 * hour);
    const hashtags = rnd.pick(tagSets);
    const postId = `${author.platform}-${seed}-${p}${rnd.chance(0.1) ? '#odd/id' : ''}`;
    const hasViews = PLATFORMS_WITH_VIEWS.has(author.platform);
    const counters: Required<Counters> = { likes: 0, shares: 0, comments: 0, views: 0 };
    let observedMs = publishedMs + rnd.int(1, 90) * 60_000;
    const snapshots = rnd.int(1, maxSnapshots);
    for (let s = 0; s < snapshots; s++) {
      const decrease = rnd.chance(0.15);
      counters.likes = Math.max(0, counters.likes + (decrease ? -rnd.int(1, 3) : rnd.int(0, 40)));
      counters.shares = Math.max(0, counters.shares + (decrease && rnd.chance(0.5) ? -1 : rnd.int(0, 8)));
      counters.comments += rnd.int(0, 5);
      counters.views += rnd.int(0, 900);
      const snapshot: Counters = {
        likes: counters.likes,
        shares: counters.shares,
        comments: counters.comments,
      };
      // Views exist on some platforms and are occasionally hidden in one snapshot.
      if (hasViews && !rnd.chance(0.2)) snapshot.views = counters.views;
      observations.push({
        platform: author.platform,
        postId,
        author: {
          id: author.id,
          handle: author.handle,
          ...(author.followers === undefined ? {} : { followers: author.followers }),
        },
        hashtags,
        publishedAt: new Date(publishedMs).toISOString(),
        observedAt: new Date(observedMs).toISOString(),
        counters: snapshot,
      });
      observedMs = instant(observedMs + 60_000, rnd.int(1, 30) * hour);
    }
  }
  return { config, observations, now: startOfDay(addDays(dst, 20), 'UTC') };
};

/** Splits observations into SQS messages of one platform each, `pageSize` observations per message at most. */
export const toMessages = (
  observations: readonly Observation[],
  rnd: SeededRandom,
  maxPageSize = 6,
): SQSRecord[] => {
  const byPlatform = new Map<Platform, Observation[]>();
  for (const o of observations) byPlatform.set(o.platform, [...(byPlatform.get(o.platform) ?? []), o]);
  const records: SQSRecord[] = [];
  for (const [platform, list] of byPlatform) {
    for (let i = 0; i < list.length; ) {
      const size = rnd.int(1, maxPageSize);
      records.push(makeSqsRecord(makeMessage(list.slice(i, i + size), platform)));
      i += size;
    }
  }
  return records;
};

/** Every record 1-3 times, in shuffled order, cut into SQS batches of at most `batchSize` records. */
export const deliveryPlan = (
  records: readonly SQSRecord[],
  rnd: SeededRandom,
  batchSize = 10,
): SQSRecord[][] => {
  const deliveries = rnd.shuffle(records.flatMap((r) => Array.from({ length: rnd.int(1, 3) }, () => r)));
  const batches: SQSRecord[][] = [];
  for (let i = 0; i < deliveries.length; ) {
    const size = rnd.int(1, batchSize);
    batches.push(deliveries.slice(i, i + size));
    i += size;
  }
  return batches;
};

// ---- Reading rollups back --------------------------------------------------------------------------

/** Defined next to the oracle (its output shape); re-exported here for the scenario helpers' users. */
export { readRollups } from './oracle';
