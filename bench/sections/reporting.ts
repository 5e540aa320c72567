import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createReportHandler } from '../../functions/report/app';
import { proxyEventFor } from '../../infra/local/api-gateway';
import { createTables, LOCAL_REGION, startDynalite } from '../../infra/local/engines';
import { createLambdaContext } from '../../infra/local/lambda-runtime';
import { parseConfig } from '../../shared/config';
import {
  kolDayKey,
  kolWeekKey,
  MARKER_PREFIX,
  TOTAL_SHARDS,
  totalDayKey,
  voiceDayKey,
} from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import { SeededRandom } from '../../shared/random';
import { addDays, type Day, startOfDay, weekStartOf } from '../../shared/time';
import { topology } from '../../shared/topology';
import { chunk, quietLogger, tableSpecsByName } from '../lib/harness';
import { meterDocumentClient } from '../lib/metered-client';
import { mapPool, percentile } from '../lib/stats';

/**
 * Reporting latency through the report handler (API Gateway v2 events, as the HTTP API sends them) over
 * rollups seeded with the key builders: a 90-day campaign of 2,000 KOLs. Each request's answer is checked
 * against the seeded figures, so a fast wrong answer does not pass.
 */

export const REPORT_CAMPAIGN_ID = 'reportbench';
const CAMPAIGN_START: Day = '2026-06-01';
const CAMPAIGN_DAYS = 90;
const PLATFORMS: readonly Platform[] = ['x', 'youtube', 'bluesky', 'mastodon', 'reddit', 'instagram'];
/** The KOL whose 90-day series is requested: active every day on three platforms. */
const SERIES_KOL = 'kol-00001';

export interface LatencyResult {
  name: string;
  path: string;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  targetP95Ms: number;
  /** Median per request of the time spent waiting on dynalite (any Query in flight). */
  dbMsP50: number;
  /** Read units and Query calls per request, as dynalite computes them. */
  readUnitsPerRequest: number;
  queriesPerRequest: number;
  /** Items (index or table rows) the Queries of one request returned. */
  rowsPerRequest: number;
  /** What each answer was checked against. */
  check: string;
  correct: boolean;
}

export interface ReportingResult {
  kols: number;
  seededItems: number;
  seedSeconds: number;
  endpoints: LatencyResult[];
}

interface Figures {
  mentions: number;
  likes: number;
  shares: number;
  comments: number;
}

const figuresFor = (rng: SeededRandom): Figures => {
  const mentions = rng.int(1, 4);
  return {
    mentions,
    likes: Math.round(rng.logNormal(3, 1.2) * mentions),
    shares: Math.round(rng.logNormal(2, 1.2) * mentions),
    comments: Math.round(rng.logNormal(1, 1) * mentions),
  };
};

/** A few per-post marker attributes, as the aggregate leaves them on real items (readers must skip them). */
const markers = (rng: SeededRandom, n: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: n }, () => [`${MARKER_PREFIX}${rng.word(12)}`, rng.int(1, 40)]));

export const measureReporting = async (options: {
  kols: number;
  leaderboardActiveShare: number;
  requests: number;
  seed: number;
}): Promise<ReportingResult> => {
  const rng = new SeededRandom(options.seed);
  const end = addDays(CAMPAIGN_START, CAMPAIGN_DAYS - 1);
  const leaderboardFrom = addDays(end, -29);
  const kolIds = Array.from({ length: options.kols }, (_, i) => `kol-${String(i + 1).padStart(5, '0')}`);
  const accounts = new Map<string, Platform[]>(
    kolIds.map((id) => {
      if (id === SERIES_KOL) return [id, ['x', 'youtube', 'bluesky']];
      const first = rng.pick(PLATFORMS);
      const second = rng.pick(PLATFORMS);
      return [id, first === second || rng.chance(0.6) ? [first] : [first, second]];
    }),
  );
  const config = parseConfig({
    campaigns: [
      {
        id: REPORT_CAMPAIGN_ID,
        name: 'Reporting benchmark',
        hashtags: ['ReportBench'],
        timeZone: 'UTC',
        start: CAMPAIGN_START,
        end,
        kols: kolIds.map((id) => ({
          id,
          name: `KOL ${id}`,
          accounts: (accounts.get(id) ?? []).map((platform) => ({
            platform,
            handle: `${id}-${platform}`,
            // YouTube roster accounts need a channel id ("UC" and 22 characters).
            ...(platform === 'youtube' ? { userId: `UC${id.padEnd(22, '0')}` } : {}),
          })),
        })),
      },
    ],
  });

  const dynamo = await startDynalite({ isolated: true });
  try {
    const tables = await createTables(dynamo.client, 'bench-report');
    const items: Record<string, unknown>[] = [];
    const seriesSum: Figures = { mentions: 0, likes: 0, shares: 0, comments: 0 };
    const totalSum: Figures = { mentions: 0, likes: 0, shares: 0, comments: 0 };
    const leaderboard = new Map<string, number>();
    // Each KOL day item also adds to its week item, as the aggregate does.
    const weeks = new Map<string, { kolId: string; week: Day; platform: Platform; f: Figures }>();
    const addFigures = (into: Figures, f: Figures) => {
      into.mentions += f.mentions;
      into.likes += f.likes;
      into.shares += f.shares;
      into.comments += f.comments;
    };
    for (let d = 0; d < CAMPAIGN_DAYS; d++) {
      const day = addDays(CAMPAIGN_START, d);
      const inWindow = day >= leaderboardFrom;
      for (const kolId of kolIds) {
        const isSeries = kolId === SERIES_KOL;
        // Only the series KOL and the leaderboard window are requested: other days stay empty to seed fast.
        if (!isSeries && (!inWindow || !rng.chance(options.leaderboardActiveShare))) continue;
        for (const platform of accounts.get(kolId) ?? []) {
          if (!isSeries && rng.chance(0.3)) continue;
          const f = figuresFor(rng);
          const key = kolDayKey(REPORT_CAMPAIGN_ID, kolId, day, platform);
          items.push({
            ...key,
            campaignId: REPORT_CAMPAIGN_ID,
            kolId,
            platform,
            day,
            kind: 'kol',
            ...f,
            ...markers(rng, f.mentions * 3),
          });
          const week = weekStartOf(day);
          const weekKey = `${kolId}#${week}#${platform}`;
          const weekSum = weeks.get(weekKey) ?? {
            kolId,
            week,
            platform,
            f: { mentions: 0, likes: 0, shares: 0, comments: 0 },
          };
          addFigures(weekSum.f, f);
          weeks.set(weekKey, weekSum);
          if (isSeries) addFigures(seriesSum, f);
          if (inWindow)
            leaderboard.set(kolId, (leaderboard.get(kolId) ?? 0) + f.likes + f.shares + f.comments);
        }
      }
      for (const platform of PLATFORMS)
        for (let shard = 0; shard < TOTAL_SHARDS; shard++) {
          const f = figuresFor(rng);
          f.mentions *= 20;
          f.likes *= 20;
          items.push({
            ...totalDayKey(REPORT_CAMPAIGN_ID, day, platform, shard),
            campaignId: REPORT_CAMPAIGN_ID,
            platform,
            day,
            kind: 'total',
            ...f,
            ...markers(rng, 40),
          });
          addFigures(totalSum, f);
        }
    }
    for (const { kolId, week, platform, f } of weeks.values()) {
      items.push({
        ...kolWeekKey(REPORT_CAMPAIGN_ID, kolId, week, platform),
        campaignId: REPORT_CAMPAIGN_ID,
        kolId,
        platform,
        week,
        kind: 'kolWeek',
        ...f,
        ...markers(rng, f.mentions * 3),
      });
    }
    const voiceEngagement = seedVoices(items, {
      rng: new SeededRandom(options.seed + 1),
      voices: options.kols,
      activeShare: options.leaderboardActiveShare,
      from: leaderboardFrom,
      days: 30,
    });
    const topVoice = [...voiceEngagement.entries()].sort((a, b) => b[1] - a[1])[0];
    const seedStarted = performance.now();
    await seed(dynamo.doc, tables.rollups, items);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const metered = meterDocumentClient(dynamo.doc, { mode: 'count', tables: tableSpecsByName(tables) });
    const handler = createReportHandler({
      config,
      doc: metered.client,
      rollupsTable: tables.rollups,
      logger: quietLogger('kol-pulse-report'),
      now: () => startOfDay(addDays(end, 1), 'UTC'),
    });
    const context = () =>
      createLambdaContext({
        functionName: 'kol-pulse-bench-report',
        timeoutSeconds: topology.functions.report.timeoutSeconds,
        memoryMb: topology.functions.report.memoryMb,
        region: LOCAL_REGION,
      });
    const get = async (
      path: string,
    ): Promise<{
      ms: number;
      dbMs: number;
      readUnits: number;
      queries: number;
      rows: number;
      status: number;
      body: unknown;
    }> => {
      metered.reset();
      const started = performance.now();
      const response = await handler(proxyEventFor({ method: 'GET', url: path }), context());
      const ms = performance.now() - started;
      const { busyMs: dbMs, readUnits, readRequests: queries, readItems: rows } = metered.meter;
      const text = response.isBase64Encoded
        ? Buffer.from(response.body ?? '', 'base64').toString('utf8')
        : (response.body ?? '');
      return {
        ms,
        dbMs,
        readUnits,
        queries,
        rows,
        status: response.statusCode ?? 0,
        body: JSON.parse(text) as unknown,
      };
    };

    const top = [...leaderboard.entries()].sort((a, b) => b[1] - a[1])[0];
    const summaryMatches = (body: unknown, expected: Figures) => {
      const s = (body as { summary?: Figures }).summary;
      return (
        s?.mentions === expected.mentions &&
        s.likes === expected.likes &&
        s.shares === expected.shares &&
        s.comments === expected.comments
      );
    };
    const endpoints: {
      name: string;
      path: string;
      targetP95Ms: number;
      check: string;
      isCorrect: (body: unknown) => boolean;
    }[] = [
      {
        name: "A KOL's 90-day series (3 platforms)",
        path: `/campaigns/${REPORT_CAMPAIGN_ID}/kols/${SERIES_KOL}/series?from=${CAMPAIGN_START}&to=${end}`,
        targetP95Ms: 50,
        check: '90 days, summary equals the seeded sum',
        isCorrect: (body) =>
          (body as { days?: unknown[] }).days?.length === CAMPAIGN_DAYS && summaryMatches(body, seriesSum),
      },
      {
        name: `30-day leaderboard over ${options.kols.toLocaleString('en-US')} KOLs (top 50 by engagement)`,
        path: `/campaigns/${REPORT_CAMPAIGN_ID}/leaderboard?from=${leaderboardFrom}&to=${end}&metric=engagement&limit=50`,
        targetP95Ms: 300,
        check: 'leader and its engagement equal the seeded ranking',
        isCorrect: (body) => {
          const first = (body as { items?: { kolId: string; engagement: number }[] }).items?.[0];
          // Ties may rank in any order: the leader must be one of the KOLs with the top engagement.
          return (
            first !== undefined &&
            top !== undefined &&
            first.engagement === top[1] &&
            leaderboard.get(first.kolId) === top[1]
          );
        },
      },
      {
        name: `30-day voices ranking over ${options.kols.toLocaleString('en-US')} voices (top 50 by engagement)`,
        path: `/campaigns/${REPORT_CAMPAIGN_ID}/voices?from=${leaderboardFrom}&to=${end}&metric=engagement&limit=50`,
        targetP95Ms: 300,
        check: 'leader and its engagement equal the seeded ranking',
        isCorrect: (body) => {
          const first = (body as { items?: { platform: string; userId: string; engagement: number }[] })
            .items?.[0];
          return (
            first !== undefined &&
            topVoice !== undefined &&
            first.engagement === topVoice[1] &&
            voiceEngagement.get(`${first.platform}#${first.userId}`) === topVoice[1]
          );
        },
      },
      {
        name: "A campaign's daily totals (90 days, all platforms)",
        path: `/campaigns/${REPORT_CAMPAIGN_ID}/totals?from=${CAMPAIGN_START}&to=${end}`,
        targetP95Ms: 50,
        check: '90 days, summary equals the seeded shard sum',
        isCorrect: (body) =>
          (body as { days?: unknown[] }).days?.length === CAMPAIGN_DAYS && summaryMatches(body, totalSum),
      },
    ];

    const results: LatencyResult[] = [];
    for (const endpoint of endpoints) {
      for (let i = 0; i < 3; i++) await get(endpoint.path); // warm-up
      const times: number[] = [];
      const dbTimes: number[] = [];
      let last = { readUnits: 0, queries: 0, rows: 0 };
      let correct = true;
      for (let i = 0; i < options.requests; i++) {
        const r = await get(endpoint.path);
        times.push(r.ms);
        dbTimes.push(r.dbMs);
        last = r;
        if (r.status !== 200 || !endpoint.isCorrect(r.body)) correct = false;
      }
      results.push({
        name: endpoint.name,
        path: endpoint.path,
        requests: options.requests,
        p50Ms: percentile(times, 50),
        p95Ms: percentile(times, 95),
        maxMs: Math.max(...times),
        targetP95Ms: endpoint.targetP95Ms,
        dbMsP50: percentile(dbTimes, 50),
        readUnitsPerRequest: last.readUnits,
        queriesPerRequest: last.queries,
        rowsPerRequest: last.rows,
        check: endpoint.check,
        correct,
      });
    }
    return { kols: options.kols, seededItems: items.length, seedSeconds, endpoints: results };
  } finally {
    await dynamo.close();
  }
};

const seed = async (doc: DynamoDBDocumentClient, tableName: string, items: Record<string, unknown>[]) => {
  await mapPool(chunk(items, 25), 8, async (batch) => {
    let pending: Record<string, unknown>[] = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 10) throw new Error('seeding rollups: unprocessed items after 10 attempts');
      const out = await doc.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      pending = (out.UnprocessedItems?.[tableName] ?? []).map((r) => r.PutRequest?.Item ?? {});
    }
  });
};

/**
 * Discovered voices (non-roster authors) over the leaderboard window: each active on a share of its days,
 * with day items as the aggregate writes them. Returns each voice's engagement by `platform#userId`.
 */
const seedVoices = (
  items: Record<string, unknown>[],
  o: { rng: SeededRandom; voices: number; activeShare: number; from: Day; days: number },
): Map<string, number> => {
  const engagement = new Map<string, number>();
  const voices = Array.from({ length: o.voices }, (_, i) => ({
    platform: o.rng.pick(PLATFORMS),
    userId: `u${String(i + 1).padStart(6, '0')}`,
  }));
  for (let d = 0; d < o.days; d++) {
    const day = addDays(o.from, d);
    for (const v of voices) {
      if (!o.rng.chance(o.activeShare)) continue;
      const f = figuresFor(o.rng);
      items.push({
        ...voiceDayKey(REPORT_CAMPAIGN_ID, v.platform, v.userId, day),
        campaignId: REPORT_CAMPAIGN_ID,
        platform: v.platform,
        day,
        kind: 'voice',
        userId: v.userId,
        handle: `voice-${v.userId}`,
        ...f,
        ...markers(o.rng, f.mentions * 3),
      });
      const id = `${v.platform}#${v.userId}`;
      engagement.set(id, (engagement.get(id) ?? 0) + f.likes + f.shares + f.comments);
    }
  }
  return engagement;
};
