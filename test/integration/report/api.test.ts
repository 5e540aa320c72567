import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReportHandler } from '../../../functions/report/app';
import {
  CampaignDetailSchema,
  CampaignsResponseSchema,
  ErrorResponseSchema,
  LeaderboardResponseSchema,
  SeriesResponseSchema,
  TotalsResponseSchema,
  VoicesResponseSchema,
} from '../../../functions/report/schemas';
import { documentClientFor } from '../../../shared/aws';
import { legacyTotalIndexPartition, MARKER_PREFIX, totalIndexPartition } from '../../../shared/keys';
import { METRICS } from '../../../shared/metrics';
import { PLATFORMS } from '../../../shared/platform';
import { addDays, daysBetween } from '../../../shared/time';
import { withDynamo } from '../../support/engines';
import {
  CAMPAIGN_ID,
  config,
  get,
  quietLogger,
  SEED_FROM,
  SEED_TO,
  type SeedRow,
  seedRollups,
  seedRows,
  testHandler,
} from './fixtures';
import { rankIds, sumRows } from './reference';

const rows = seedRows();
const base = `/campaigns/${CAMPAIGN_ID}`;
const campaign = config.campaigns[0];
if (!campaign) throw new Error('fixture campaign missing');

let dynamo: Awaited<ReturnType<typeof withDynamo>>;
let handler: ReportHandler;
/** Every DynamoDB command the handler under count sends, with its input. */
let sent: { command: string; input: Record<string, unknown> }[] = [];
let counted: ReportHandler;

beforeAll(async () => {
  dynamo = await withDynamo();
  await seedRollups(dynamo.doc, dynamo.tables.rollups, rows);
  handler = testHandler({ doc: dynamo.doc, rollupsTable: dynamo.tables.rollups });
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize' },
  );
  counted = testHandler({ doc: documentClientFor(client), rollupsTable: dynamo.tables.rollups });
});

afterAll(async () => {
  await dynamo?.close();
});

const kolRows = (filter: (r: SeedRow) => boolean = () => true) =>
  rows.filter((r) => r.kind === 'kol').filter(filter);

describe('GET /campaigns', () => {
  it('lists the configured campaigns from the config', async () => {
    const res = await get(handler, '/campaigns');
    expect(res.status).toBe(200);
    const body = CampaignsResponseSchema.parse(res.json());
    expect(body.items.map((c) => c.id)).toEqual(config.campaigns.map((c) => c.id));
    expect(body.items[1]).toMatchObject({ id: 'open-ended', end: null, kolCount: 0, timeZone: 'UTC' });
  });

  it('answers CSV with a header row, RFC 4180 quoting and a filename', async () => {
    const res = await get(handler, '/campaigns?format=csv');
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="campaigns.csv"');
    const lines = res.body.split('\r\n');
    expect(lines[0]).toBe('id,name,timeZone,start,end,hashtags,kolCount');
    expect(lines[1]).toBe(
      'spring-launch,Spring Launch (demo),Asia/Shanghai,2026-03-01,2026-04-30,#NextIdea #腾讯NextIdea,5',
    );
    expect(lines[2]).toBe('open-ended,Always on,UTC,2025-01-01,,#always,0');
  });
});

describe('GET /campaigns/{campaignId}', () => {
  it('returns the config summary and roster', async () => {
    const body = CampaignDetailSchema.parse((await get(handler, base)).json());
    expect(body).toMatchObject({
      id: CAMPAIGN_ID,
      name: 'Spring Launch (demo)',
      start: '2026-03-01',
      end: '2026-04-30',
    });
    expect(body.kols.find((k) => k.id === 'alice')).toEqual({
      id: 'alice',
      name: 'Alice Zhang',
      platforms: ['x', 'mastodon'],
    });
  });

  it('gives the roster as CSV, quoting a name with a comma and quotes', async () => {
    const res = await get(handler, base, { accept: 'text/csv' });
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.body.split('\r\n')).toContain('bob,"Bob, ""the"" Builder",x');
  });
});

describe('GET /campaigns/{campaignId}/totals', () => {
  it('defaults to campaign start .. today (campaign time zone) and zero-fills days without activity', async () => {
    const body = TotalsResponseSchema.parse((await get(handler, `${base}/totals`)).json());
    // TODAY_MS is 2026-03-20T04:00Z, which is already 12:00 on the 20th in Asia/Shanghai.
    expect([body.from, body.to]).toEqual(['2026-03-01', '2026-03-20']);
    expect(body.days.map((d) => d.day)).toEqual(daysBetween('2026-03-01', '2026-03-20'));
    for (const d of body.days) {
      const { platforms, day, ...figures } = d;
      expect(figures, day).toEqual(sumRows(rows.filter((r) => r.day === day)));
      for (const p of PLATFORMS) {
        const onPlatform = rows.filter((r) => r.day === day && r.platform === p);
        expect(platforms[p], `${day} ${p}`).toEqual(onPlatform.length ? sumRows(onPlatform) : undefined);
      }
    }
    const quiet = body.days.find((d) => d.day === addDays(SEED_FROM, 3));
    expect(quiet).toEqual({
      day: '2026-03-04',
      mentions: 0,
      likes: 0,
      shares: 0,
      comments: 0,
      views: null,
      engagement: 0,
      reach: null,
      reachEngagement: 0,
      engagementRate: null,
      platforms: {},
    });
    expect(body.summary).toEqual(sumRows(rows));
  });

  it('filters one platform and respects from/to', async () => {
    const url = `${base}/totals?platform=bluesky&from=2026-03-02&to=2026-03-06`;
    const body = TotalsResponseSchema.parse((await get(handler, url)).json());
    expect(body.platform).toBe('bluesky');
    expect(body.days).toHaveLength(5);
    const inRange = rows.filter(
      (r) => r.platform === 'bluesky' && r.day >= '2026-03-02' && r.day <= '2026-03-06',
    );
    expect(body.summary).toEqual(sumRows(inRange));
    expect(body.summary.views).toBeNull();
    for (const d of body.days) expect(Object.keys(d.platforms).every((p) => p === 'bluesky')).toBe(true);
  });

  it('serves the same days as CSV in the documented column order', async () => {
    const json = TotalsResponseSchema.parse(
      (await get(handler, `${base}/totals?from=${SEED_FROM}&to=${SEED_TO}`)).json(),
    );
    const res = await get(handler, `${base}/totals?from=${SEED_FROM}&to=${SEED_TO}&format=csv`);
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="${CAMPAIGN_ID}_totals_${SEED_FROM}_${SEED_TO}.csv"`,
    );
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'day,platform,mentions,likes,shares,comments,views,engagement,reach,reachEngagement,engagementRate',
    );
    expect(lines.slice(1)).toEqual(
      json.days.map((d) =>
        [
          d.day,
          'all',
          d.mentions,
          d.likes,
          d.shares,
          d.comments,
          d.views ?? '',
          d.engagement,
          d.reach ?? '',
          d.reachEngagement,
          d.engagementRate ?? '',
        ].join(','),
      ),
    );
  });
});

describe('GET /campaigns/{campaignId}/kols/{kolId}/series', () => {
  it("sums a KOL's platforms per day with a per-platform breakdown", async () => {
    const url = `${base}/kols/alice/series?from=${SEED_FROM}&to=${SEED_TO}`;
    const body = SeriesResponseSchema.parse((await get(handler, url)).json());
    expect(body).toMatchObject({ kolId: 'alice', name: 'Alice Zhang', platform: null });
    for (const d of body.days) {
      const { platforms, day, ...figures } = d;
      expect(figures).toEqual(sumRows(kolRows((r) => r.id === 'alice' && r.day === day)));
      const mastodon = kolRows((r) => r.id === 'alice' && r.day === day && r.platform === 'mastodon');
      expect(platforms.mastodon).toEqual(mastodon.length ? sumRows(mastodon) : undefined);
    }
    expect(body.summary).toEqual(sumRows(kolRows((r) => r.id === 'alice')));
  });

  it('narrows to one platform', async () => {
    const url = `${base}/kols/alice/series?from=${SEED_FROM}&to=${SEED_TO}&platform=mastodon`;
    const body = SeriesResponseSchema.parse((await get(handler, url)).json());
    expect(body.summary).toEqual(sumRows(kolRows((r) => r.id === 'alice' && r.platform === 'mastodon')));
    expect(body.days.every((d) => d.views === null)).toBe(true);
  });

  it('returns zeros for a roster KOL without data', async () => {
    const body = SeriesResponseSchema.parse(
      (await get(handler, `${base}/kols/dave/series?from=2026-03-01&to=2026-03-03`)).json(),
    );
    expect(body.days.map((d) => d.engagement)).toEqual([0, 0, 0]);
  });

  it('writes CSV with kolId and platform columns', async () => {
    const res = await get(
      handler,
      `${base}/kols/bob/series?from=2026-03-01&to=2026-03-02&platform=x&format=csv`,
    );
    expect(res.headers['content-disposition']).toContain(
      `${CAMPAIGN_ID}_bob_series_x_2026-03-01_2026-03-02.csv`,
    );
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'kolId,day,platform,mentions,likes,shares,comments,views,engagement,reach,reachEngagement,engagementRate',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      'bob,2026-03-01,x',
      'bob,2026-03-02,x',
    ]);
  });
});

describe('GET /campaigns/{campaignId}/leaderboard', () => {
  const range = `from=${SEED_FROM}&to=${SEED_TO}`;
  const expected = (platform?: string) =>
    campaign.kols
      .filter((k) => !platform || k.accounts.some((a) => a.platform === platform))
      .map((k) => ({
        id: k.id,
        figures: sumRows(kolRows((r) => r.id === k.id && (!platform || r.platform === platform))),
      }));

  it.each(METRICS)('ranks roster KOLs by %s, descending, ties by kolId', async (metric) => {
    const body = LeaderboardResponseSchema.parse(
      (await get(handler, `${base}/leaderboard?${range}&metric=${metric}`)).json(),
    );
    expect(body.metric).toBe(metric);
    expect(body.items.map((e) => e.kolId)).toEqual(rankIds(expected(), metric));
    expect(body.items.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5]);
    for (const e of body.items) {
      const { rank: _r, kolId, name: _n, platforms: _p, ...figures } = e;
      expect(figures).toEqual(expected().find((x) => x.id === kolId)?.figures);
    }
  });

  it('defaults to engagement and filters KOLs by platform', async () => {
    const body = LeaderboardResponseSchema.parse(
      (await get(handler, `${base}/leaderboard?${range}&platform=x`)).json(),
    );
    expect(body.metric).toBe('engagement');
    expect(body.items.map((e) => e.kolId)).toEqual(rankIds(expected('x'), 'engagement'));
    expect(body.items.map((e) => e.kolId).sort()).toEqual(['alice', 'bob', 'erin']);
  });

  it('pages with an opaque next token until the last page', async () => {
    const full = LeaderboardResponseSchema.parse(
      (await get(handler, `${base}/leaderboard?${range}&metric=likes`)).json(),
    );
    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const url: string = `${base}/leaderboard?${range}&metric=likes&limit=2${next ? `&next=${next}` : ''}`;
      const page = LeaderboardResponseSchema.parse((await get(handler, url)).json());
      expect(page.total).toBe(5);
      seen.push(...page.items.map((e) => e.kolId));
      next = page.next;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(seen).toEqual(full.items.map((e) => e.kolId));
  });

  it('rejects a token from a different query', async () => {
    const first = LeaderboardResponseSchema.parse(
      (await get(handler, `${base}/leaderboard?${range}&limit=1`)).json(),
    );
    expect(first.next).not.toBeNull();
    const res = await get(handler, `${base}/leaderboard?${range}&limit=1&metric=views&next=${first.next}`);
    expect(res.status).toBe(400);
    expect(ErrorResponseSchema.parse(res.json()).error).toMatchObject({
      code: 'invalid_token',
      parameter: 'next',
    });
  });

  it('serves CSV pages with the next token in a header', async () => {
    const res = await get(handler, `${base}/leaderboard?${range}&limit=2&format=csv`);
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'rank,kolId,name,platforms,mentions,likes,shares,comments,views,engagement,reach,reachEngagement,engagementRate',
    );
    expect(lines).toHaveLength(3);
    expect(res.headers['x-next-token']).toMatch(/^[A-Za-z0-9_-]+$/);
    const rest = await get(
      handler,
      `${base}/leaderboard?${range}&limit=2&format=csv&next=${res.headers['x-next-token']}`,
    );
    expect(rest.body.split('\r\n')[1]?.startsWith('3,')).toBe(true);
  });
});

describe('GET /campaigns/{campaignId}/voices', () => {
  const range = `from=${SEED_FROM}&to=${SEED_TO}`;
  const voiceRows = rows.filter((r) => r.kind === 'voice');
  const expected = (platform?: string) => {
    const ids = [...new Set(voiceRows.filter((r) => !platform || r.platform === platform).map((r) => r.id))];
    return ids.map((id) => ({ id, figures: sumRows(voiceRows.filter((r) => r.id === id)) }));
  };

  it.each(METRICS)('ranks discovered voices by %s', async (metric) => {
    const body = VoicesResponseSchema.parse(
      (await get(handler, `${base}/voices?${range}&metric=${metric}`)).json(),
    );
    expect(new Set(body.items.map((e) => e.handle))).toEqual(new Set(expected().map((e) => e.id)));
    for (let i = 1; i < body.items.length; i++) {
      const [prev, cur] = [body.items[i - 1], body.items[i]];
      const a = prev?.[metric] ?? Number.NEGATIVE_INFINITY;
      const b = cur?.[metric] ?? Number.NEGATIVE_INFINITY;
      expect(a).toBeGreaterThanOrEqual(b);
      // Ties go by the voice key, platform first.
      if (a === b) expect(`${prev?.platform}#${prev?.handle}` < `${cur?.platform}#${cur?.handle}`).toBe(true);
    }
    for (const e of body.items) {
      const { rank: _r, platform: _p, handle, userId: _u, ...figures } = e;
      expect(figures).toEqual(expected().find((x) => x.id === handle)?.figures);
    }
  });

  it('keeps handles with reserved characters intact and filters by platform', async () => {
    const body = VoicesResponseSchema.parse(
      (await get(handler, `${base}/voices?${range}&platform=x`)).json(),
    );
    expect(body.items.map((e) => `${e.platform}:${e.handle}`)).toEqual(['x:fan#1']);
  });

  it('guards CSV cells that a spreadsheet would run as formulas', async () => {
    const res = await get(handler, `${base}/voices?${range}&platform=bluesky&format=csv`);
    expect(res.body.split('\r\n')[1]).toMatch(/^1,bluesky,"'=HYPERLINK\(""x""\)",/);
  });
});

describe('bad input', () => {
  const cases: [string, string, string][] = [
    [`${base}/leaderboard?metric=followers`, 'metric', 'invalid_metric'],
    [`${base}/totals?from=2026-02-30`, 'from', 'invalid_date'],
    [`${base}/totals?to=yesterday`, 'to', 'invalid_date'],
    [`${base}/totals?from=2026-03-10&to=2026-03-01`, 'from', 'reversed_range'],
    [`${base}/leaderboard?from=2025-01-01&to=2026-01-02`, 'to', 'range_too_long'],
    [`${base}/leaderboard?limit=0`, 'limit', 'invalid_limit'],
    [`${base}/voices?limit=501`, 'limit', 'invalid_limit'],
    [`${base}/voices?limit=2.5`, 'limit', 'invalid_limit'],
    [`${base}/voices?next=not-a-token`, 'next', 'invalid_token'],
    [`${base}/voices?next=${'!'.repeat(4)}`, 'next', 'invalid_token'],
    [`${base}/totals?platform=myspace`, 'platform', 'invalid_platform'],
    [`${base}/totals?format=xml`, 'format', 'invalid_format'],
    [`${base}/totals?metric=likes`, 'metric', 'unknown_parameter'],
    [`${base}/totals?from=2026-03-01&from=2026-03-02`, 'from', 'repeated_parameter'],
  ];

  it.each(cases)('%s -> 400 naming %s', async (url, parameter, code) => {
    const res = await get(handler, url);
    expect(res.status).toBe(400);
    const { error } = ErrorResponseSchema.parse(res.json());
    expect(error).toMatchObject({ parameter, code });
    expect(error.message).toContain(parameter === 'next' ? 'next' : '');
    expect(error.allowed).toBeDefined();
  });

  it('names every allowed value of an enumerated parameter', async () => {
    const { error } = ErrorResponseSchema.parse(
      (await get(handler, `${base}/leaderboard?metric=followers`)).json(),
    );
    expect(error.allowed).toEqual([...METRICS]);
  });

  it('accepts exactly 366 days', async () => {
    const res = await get(handler, `${base}/totals?from=2025-03-01&to=2026-03-01`);
    expect(res.status).toBe(200);
    expect(TotalsResponseSchema.parse(res.json()).days).toHaveLength(366);
  });
});

describe('not found', () => {
  it.each([
    ['/campaigns/nope', 'campaign_not_found'],
    ['/campaigns/nope/totals', 'campaign_not_found'],
    ['/campaigns/nope/leaderboard', 'campaign_not_found'],
    ['/campaigns/nope/voices', 'campaign_not_found'],
    ['/campaigns/nope/kols/alice/series', 'campaign_not_found'],
    [`${base}/kols/zed/series`, 'kol_not_found'],
    ['/nowhere', 'not_found'],
    [`${base}/kols`, 'not_found'],
    ['/dashboard/secrets.txt', 'asset_not_found'],
  ])('%s -> 404 %s', async (url, code) => {
    const res = await get(handler, url);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/json');
    expect(ErrorResponseSchema.parse(res.json()).error.code).toBe(code);
  });

  it('answers other methods with a JSON 404, not a 5xx', async () => {
    const res = await get(handler, '/campaigns', {}, 'POST');
    expect(res.status).toBe(404);
    expect(ErrorResponseSchema.parse(res.json()).error.code).toBe('not_found');
  });
});

describe('DynamoDB access', () => {
  const measure = async (url: string) => {
    sent = [];
    const res = await get(counted, url);
    return { res, commands: sent.map((s) => s.command), inputs: sent.map((s) => s.input) };
  };

  // Every rollup response also reads the campaign's freshness items: one more Query (`observed`).
  it('reads a series with one Query, plus the freshness Query', async () => {
    const { res, commands } = await measure(`${base}/kols/alice/series`);
    expect(res.status).toBe(200);
    expect(commands).toEqual(['QueryCommand', 'QueryCommand']);
  });

  it('reads totals with one Query per platform index partition and one of the legacy one, plus freshness', async () => {
    const all = await measure(`${base}/totals?from=2025-03-01&to=2026-03-01`);
    expect(all.res.status).toBe(200);
    expect(all.commands).toEqual(Array(PLATFORMS.length + 1 + 1).fill('QueryCommand'));
    // The index partitions the Queries named (key values as the client sent them).
    const partitions = (inputs: typeof all.inputs) =>
      inputs.flatMap((i) => JSON.stringify(i.ExpressionAttributeValues).match(/C#[^"]*#TD[^"]*/g) ?? []);
    expect(new Set(partitions(all.inputs))).toEqual(
      new Set([
        ...PLATFORMS.map((p) => totalIndexPartition(CAMPAIGN_ID, p)),
        legacyTotalIndexPartition(CAMPAIGN_ID),
      ]),
    );
    const one = await measure(`${base}/totals?from=2025-03-01&to=2026-03-01&platform=x`);
    expect(one.commands).toEqual(['QueryCommand', 'QueryCommand', 'QueryCommand']);
    expect(new Set(partitions(one.inputs))).toEqual(
      new Set([totalIndexPartition(CAMPAIGN_ID, 'x'), legacyTotalIndexPartition(CAMPAIGN_ID)]),
    );
  });

  it('reads a leaderboard with one Query per whole week and per leftover day, never a Scan', async () => {
    // Sunday 03-01, the week of Monday 03-02, then Monday 03-09 and Tuesday 03-10.
    const { commands } = await measure(`${base}/leaderboard?from=2026-03-01&to=2026-03-10`);
    expect(commands).toEqual(Array(4 + 1).fill('QueryCommand'));
    // Saturday 2025-03-01 to Sunday 2026-03-01: two days and 52 weeks.
    const year = await measure(`${base}/leaderboard?from=2025-03-01&to=2026-03-01`);
    expect(year.res.status).toBe(200);
    expect(year.commands).toEqual(Array(54 + 1).fill('QueryCommand'));
  });

  it('reads voices with one Query per day, never a Scan', async () => {
    const longest = await measure(`${base}/voices?from=2025-03-01&to=2026-03-01`);
    expect(longest.res.status).toBe(200);
    expect(longest.commands).toEqual(Array(366 + 1).fill('QueryCommand'));
  });

  it('sends no Query at all for rejected input', async () => {
    for (const url of [
      `${base}/leaderboard?from=2025-01-01&to=2026-03-01`,
      `${base}/voices?metric=x`,
      '/campaigns/nope/totals',
    ]) {
      const { res, commands } = await measure(url);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(commands).toEqual([]);
    }
  });

  it('projects away the per-post marker attributes', async () => {
    const { inputs } = await measure(`${base}/leaderboard?from=2026-03-01&to=2026-03-02`);
    const totals = await measure(`${base}/totals?from=2026-03-01&to=2026-03-02`);
    for (const input of [...inputs, ...totals.inputs]) {
      expect(input.ProjectionExpression).toEqual(expect.any(String));
      const names = Object.values(input.ExpressionAttributeNames as Record<string, string>);
      expect(names.some((n) => n.startsWith(MARKER_PREFIX))).toBe(false);
    }
  });
});

describe('robustness', () => {
  it('never answers 5xx to junk paths and query strings', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'campaigns',
        CAMPAIGN_ID,
        'kols',
        'alice',
        'totals',
        'series',
        'leaderboard',
        'voices',
        'dashboard',
        '%',
        '%E0%A4%A',
        '..',
        '%00',
      ),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    );
    const param = fc.tuple(
      fc.constantFrom('from', 'to', 'platform', 'metric', 'limit', 'next', 'format', 'x'),
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('2026-03-01', '9999-12-31', '-1', '1e3', 'csv', 'x', '%ZZ'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 5 }),
        fc.array(param, { maxLength: 4 }),
        async (segments, params) => {
          const query = params.map(([k, v]) => `${k}=${v.replace(/[#\s]/g, encodeURIComponent)}`).join('&');
          const res = await get(handler, `/${segments.join('/')}${query ? `?${query}` : ''}`);
          expect(res.status).toBeLessThan(500);
          if (res.headers['content-type']?.startsWith('application/json'))
            expect(res.body).not.toMatch(/\bat .*\.ts:\d+/);
        },
      ),
      { numRuns: 150, seed: 5 },
    );
  });

  it('answers a store failure with a generic 500 and no details', async () => {
    const logger = quietLogger();
    const logged = vi.spyOn(logger, 'error');
    const broken = testHandler({ doc: dynamo.doc, rollupsTable: 'missing-table', logger });
    const res = await get(broken, `${base}/totals`);
    expect(res.status).toBe(500);
    expect(res.json()).toEqual({
      error: { code: 'internal_error', message: 'Internal error; it has been logged' },
    });
    expect(logged).toHaveBeenCalledWith('Unexpected error while serving a report', expect.any(Error));
  });
});
