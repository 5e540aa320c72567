import { Logger } from '@aws-lambda-powertools/logger';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createReportHandler, type ReportDeps, type ReportHandler } from '../../../functions/report/app';
import { proxyEventFor } from '../../../infra/local/api-gateway';
import { parseConfig } from '../../../shared/config';
import {
  kolDayKey,
  kolWeekKey,
  markerAttribute,
  TOTAL_SHARDS,
  totalDayKey,
  voiceDayKey,
} from '../../../shared/keys';
import type { Platform } from '../../../shared/platform';
import { addDays, type Day, weekStartOf } from '../../../shared/time';

/** Seed data for report tests: rollup items written with the key builders, as the aggregator writes them. */

export const CAMPAIGN_ID = 'spring-launch';
export const SEED_FROM: Day = '2026-03-01';
export const SEED_DAYS = 12;
export const SEED_TO: Day = addDays(SEED_FROM, SEED_DAYS - 1);
/** "Today" for tests: inside the campaign, after the seeded days. */
export const TODAY_MS = Date.parse('2026-03-20T04:00:00Z');

export const config = parseConfig({
  campaigns: [
    {
      id: CAMPAIGN_ID,
      name: 'Spring Launch (demo)',
      hashtags: ['#NextIdea', '#腾讯NextIdea'],
      timeZone: 'Asia/Shanghai',
      start: '2026-03-01',
      end: '2026-04-30',
      kols: [
        {
          id: 'alice',
          name: 'Alice Zhang',
          accounts: [
            { platform: 'x', handle: 'alice' },
            { platform: 'mastodon', handle: 'alice@social.example' },
          ],
        },
        { id: 'bob', name: 'Bob, "the" Builder', accounts: [{ platform: 'x', handle: 'bobbuilds' }] },
        { id: 'carol', name: 'Carol', accounts: [{ platform: 'bluesky', handle: 'carol.bsky.social' }] },
        {
          id: 'dave',
          name: 'Dave',
          accounts: [{ platform: 'youtube', handle: 'davetech', userId: 'UCdavetech0000000000000d' }],
        },
        { id: 'erin', name: 'Erin', accounts: [{ platform: 'x', handle: 'erin' }] },
      ],
    },
    {
      id: 'open-ended',
      name: 'Always on',
      hashtags: ['#always'],
      start: '2025-01-01',
      kols: [],
    },
  ],
});

export interface SeedFigures {
  mentions: number;
  likes: number;
  shares: number;
  comments: number;
  views?: number;
  /** Absent: no mention with a known follower count (unknown reach). */
  reach?: number;
  reachEngagement?: number;
}
export interface SeedRow {
  kind: 'kol' | 'voice';
  /** KOL id or voice handle. */
  id: string;
  platform: Platform;
  day: Day;
  figures: SeedFigures;
}

/** Deterministic pseudo-random figures (mulberry32), including negative like deltas and missing views. */
export const seedRows = (): SeedRow[] => {
  let state = 42;
  const rand = (n: number) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  // reach: whether the actor's follower count is known (Reddit never gives one).
  const actors: { kind: 'kol' | 'voice'; id: string; platform: Platform; views: boolean; reach: boolean }[] =
    [
      { kind: 'kol', id: 'alice', platform: 'x', views: true, reach: true },
      { kind: 'kol', id: 'alice', platform: 'mastodon', views: false, reach: true },
      { kind: 'kol', id: 'bob', platform: 'x', views: true, reach: true },
      { kind: 'kol', id: 'carol', platform: 'bluesky', views: false, reach: true },
      // dave (YouTube) has no data at all; erin only ties with bob on some metrics by chance.
      { kind: 'voice', id: 'fan#1', platform: 'x', views: true, reach: true },
      { kind: 'voice', id: '=HYPERLINK("x")', platform: 'bluesky', views: false, reach: false },
      { kind: 'voice', id: 'techie@fosstodon.org', platform: 'mastodon', views: false, reach: true },
      { kind: 'voice', id: 'quiet', platform: 'reddit', views: false, reach: false },
    ];
  const rows: SeedRow[] = [];
  for (let d = 0; d < SEED_DAYS; d++) {
    const day = addDays(SEED_FROM, d);
    // Days 3 and 7 have no activity at all: reports must zero-fill them.
    if (d === 3 || d === 7) continue;
    for (const a of actors) {
      if (rand(4) === 0) continue;
      const figures: SeedFigures = {
        mentions: rand(3),
        likes: rand(50) - (d === 5 ? 60 : 0),
        shares: rand(10),
        comments: rand(20),
        ...(a.views && rand(3) > 0 ? { views: rand(1000) } : {}),
      };
      if (a.reach) {
        // Reach lands with mentions; the engagement of reach-known posts is part of the day's engagement.
        if (figures.mentions > 0) figures.reach = figures.mentions * rand(3000);
        figures.reachEngagement = figures.likes + figures.shares;
      }
      rows.push({ kind: a.kind, id: a.id, platform: a.platform, day, figures });
    }
  }
  return rows;
};

const descriptive = (row: SeedRow) => ({
  campaignId: CAMPAIGN_ID,
  platform: row.platform,
  day: row.day,
  kind: row.kind,
  ...row.figures,
  // A per-post idempotency marker, as the aggregator leaves on items; readers must not fetch it.
  [markerAttribute(row.platform, `${row.id}-${row.day}`)]: '2026-03-01T00:00:00.000Z#1',
});

/**
 * Writes KOL/voice items, adds each KOL row to its week item and splits each row's figures over total
 * shards, as the aggregator would.
 */
export const seedRollups = async (
  doc: DynamoDBDocumentClient,
  table: string,
  rows: readonly SeedRow[],
  campaignId = CAMPAIGN_ID,
): Promise<void> => {
  const items: Record<string, unknown>[] = [];
  type Sum = { f: Required<SeedFigures>; views: boolean; reach: boolean };
  const add = (into: Sum, figures: SeedFigures) => {
    into.f.mentions += figures.mentions;
    into.f.likes += figures.likes;
    into.f.shares += figures.shares;
    into.f.comments += figures.comments;
    if (figures.views !== undefined) {
      into.f.views += figures.views;
      into.views = true;
    }
    if (figures.reach !== undefined) {
      into.f.reach += figures.reach;
      into.reach = true;
    }
    into.f.reachEngagement += figures.reachEngagement ?? 0;
  };
  const emptySum = (): Sum => ({
    f: { mentions: 0, likes: 0, shares: 0, comments: 0, views: 0, reach: 0, reachEngagement: 0 },
    views: false,
    reach: false,
  });
  const counters = ({ f: { views, reach, ...rest }, views: known, reach: reachKnown }: Sum) => ({
    ...rest,
    ...(known ? { views } : {}),
    ...(reachKnown ? { reach } : {}),
  });
  // Items that sum rows (total shards, KOL weeks), by key.
  const sums = new Map<string, { item: Record<string, unknown>; sum: Sum }>();
  const addTo = (item: { pk: string; sk: string } & Record<string, unknown>, figures: SeedFigures) => {
    const id = `${item.pk}\u0000${item.sk}`;
    const entry = sums.get(id) ?? { item, sum: emptySum() };
    add(entry.sum, figures);
    sums.set(id, entry);
  };
  rows.forEach((row, i) => {
    const common = { campaignId, platform: row.platform };
    items.push(
      row.kind === 'kol'
        ? { ...kolDayKey(campaignId, row.id, row.day, row.platform), ...descriptive(row), kolId: row.id }
        : {
            ...voiceDayKey(campaignId, row.platform, row.id, row.day),
            ...descriptive(row),
            handle: row.id,
            userId: row.id,
          },
    );
    const shard = i % TOTAL_SHARDS;
    addTo(
      { ...totalDayKey(campaignId, row.day, row.platform, shard), ...common, day: row.day, kind: 'total' },
      row.figures,
    );
    if (row.kind === 'kol') {
      const week = weekStartOf(row.day);
      addTo(
        {
          ...kolWeekKey(campaignId, row.id, week, row.platform),
          ...common,
          week,
          kind: 'kolWeek',
          kolId: row.id,
        },
        row.figures,
      );
    }
  });
  for (const { item, sum } of sums.values()) items.push({ ...item, ...counters(sum) });
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
};

export const quietLogger = (): Logger => new Logger({ serviceName: 'report-test', logLevel: 'SILENT' });

export const testHandler = (
  deps: Partial<ReportDeps> & Pick<ReportDeps, 'doc' | 'rollupsTable'>,
): ReportHandler => createReportHandler({ config, logger: quietLogger(), now: () => TODAY_MS, ...deps });

const CONTEXT = { awsRequestId: 'test' } as Context;

export interface TestResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: () => unknown;
}

/** Calls the handler as API Gateway would for `GET url`. */
export const get = async (
  handler: ReportHandler,
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<TestResponse> => {
  const result: APIGatewayProxyStructuredResultV2 = await handler(
    proxyEventFor({ method, url, headers: { host: 'reports.test', ...headers } }),
    CONTEXT,
  );
  const body = result.body ?? '';
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) lower[k.toLowerCase()] = String(v);
  return { status: result.statusCode ?? 200, headers: lower, body, json: () => JSON.parse(body) };
};
