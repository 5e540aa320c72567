import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAggregateHandler } from '../../functions/aggregate/app';
import { createReportHandler, type ReportHandler } from '../../functions/report/app';
import { proxyEventFor, type ReportServer, startReportServer } from '../../infra/local/api-gateway';
import { createLambdaContext } from '../../infra/local/lambda-runtime';
import type { KolPulseConfig } from '../../shared/config';
import { SeededRandom } from '../../shared/random';
import { withDynamo } from '../support/engines';
import { generateScenario, makeSqsEvent, toMessages } from '../support/observations';
import { tally } from './support/figures';
import { silentLogger } from './support/pipeline';
import { scenarioSeed, sized } from './support/seeds';

/**
 * Bad input at the reporting endpoint: fuzzed paths, query parameters, methods and headers. Every answer is
 * 2xx, or 4xx with a JSON error naming what was wrong -- never a 5xx, never a stack trace -- and no
 * identifier, however hostile, reaches another campaign's data.
 */

const figures = tally('reporting endpoint fuzzing');
let dynamo: Awaited<ReturnType<typeof withDynamo>>;
let handler: ReportHandler;
let server: ReportServer;
const scenario = generateScenario(scenarioSeed('report fuzz data'), { posts: 40 });
const config: KolPulseConfig = scenario.config;
const context = createLambdaContext({
  functionName: 'faults-report',
  timeoutSeconds: 10,
  memoryMb: 1024,
  region: 'us-east-1',
});

beforeAll(async () => {
  dynamo = await withDynamo();
  const aggregate = createAggregateHandler({
    doc: dynamo.doc,
    tables: dynamo.tables,
    config,
    logger: silentLogger(),
    now: () => scenario.now,
  });
  const records = toMessages(scenario.observations, new SeededRandom(7));
  for (let i = 0; i < records.length; i += 10) await aggregate(makeSqsEvent(records.slice(i, i + 10)));
  handler = createReportHandler({
    config,
    doc: dynamo.doc,
    rollupsTable: dynamo.tables.rollups,
    logger: silentLogger(),
    now: () => scenario.now,
  });
  server = await startReportServer({ handler, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await dynamo?.close();
});

const bodyText = (r: APIGatewayProxyStructuredResultV2): string =>
  r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64').toString('utf8') : (r.body ?? '');

const STACK = /\n\s+at |at [\w.<>]+ \(.*:\d+:\d+\)|node_modules|\/work\/|file:\/\//;

/** The contract every answer keeps. */
const expectWellBehaved = (status: number, contentType: string, body: string, what: string) => {
  expect(status, `${what} -> ${status} ${body.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
  expect(status, `${what} -> ${status} ${body.slice(0, 300)}`).toBeLessThan(500);
  expect(body, what).not.toMatch(STACK);
  if (status >= 400) {
    expect(contentType, what).toMatch(/json/);
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof parsed.error?.code, `${what}: ${body}`).toBe('string');
    expect(typeof parsed.error?.message, `${what}: ${body}`).toBe('string');
    expect(String(parsed.error?.message).length).toBeGreaterThan(0);
  }
};

const hostile = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    '%2e%2e',
    'launch#K#ada',
    'launch%23K%23ada',
    'ny%2F..%2Flaunch',
    '%',
    '%zz',
    '%E0%A4%A',
    '%00',
    'NY',
    'launch ',
    ' ',
    'a'.repeat(5_000),
    '腾讯',
    '%F0%9F%98%80',
    '<script>',
    "'; DROP TABLE",
    ['$', '{jndi:x}'].join(''),
    'constructor',
    '__proto__',
    'toString',
  ),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
);

const knownCampaign = () => fc.constantFrom(...config.campaigns.map((c) => c.id));
const knownKol = () => fc.constantFrom(...config.campaigns.flatMap((c) => c.kols.map((k) => k.id)));
const segment = () => fc.oneof({ weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: knownCampaign() });

const path = () =>
  fc.oneof(
    fc.constant('/campaigns'),
    segment().map((c) => `/campaigns/${c}`),
    segment().map((c) => `/campaigns/${c}/totals`),
    fc.tuple(segment(), fc.oneof(hostile, knownKol())).map(([c, k]) => `/campaigns/${c}/kols/${k}/series`),
    segment().map((c) => `/campaigns/${c}/leaderboard`),
    segment().map((c) => `/campaigns/${c}/voices`),
    fc.constantFrom(
      '/openapi.json',
      '/',
      '/dashboard/app.js',
      '/dashboard/../../etc/passwd',
      '//campaigns',
      '/campaigns/',
    ),
    hostile.map((h) => `/dashboard/${h}`),
    hostile.map((h) => `/${h}`),
  );

const value = fc.oneof(
  fc.constantFrom(
    '2026-03-05',
    '2026-03-10',
    '2026-02-30',
    '2026-13-01',
    '26-03-05',
    '2020-01-01',
    '2030-12-31',
    '0000-00-00',
    '-1',
    '0',
    '1',
    '500',
    '501',
    '1e3',
    '9'.repeat(40),
    'NaN',
    'csv',
    'json',
    'xml',
    'likes',
    'engagement',
    'x',
    'tiktok',
    'X',
    '',
    'eyJvIjoxfQ',
    '%%%',
  ),
  fc.string({ maxLength: 40 }),
);
const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom('from', 'to', 'platform', 'metric', 'limit', 'next', 'format', 'sort', 'x', ''),
      value,
    ),
    { maxLength: 6 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));

const request = fc.record({
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant('GET') },
    { weight: 1, arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
  ),
  path: path(),
  query: fc.oneof(
    queryString,
    fc.constantFrom('', '&&&', '=', 'from', 'from=2026-03-05&from=2026-03-06', 'limit=%'),
  ),
  accept: fc.constantFrom(undefined, 'text/csv', 'application/json', '*/*', 'text/html', 'garbage/;;'),
});

describe('Bad input: reporting endpoint', () => {
  it('every fuzzed request answers 2xx, or 4xx with a JSON error; never 5xx, never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        figures.add('badInputsTried');
        const url = r.query ? `${r.path}?${r.query}` : r.path;
        const event = proxyEventFor({
          method: r.method,
          url,
          headers: r.accept ? { accept: r.accept, host: 'localhost' } : { host: 'localhost' },
        });
        const result = await handler(event, context);
        const headers = (result.headers ?? {}) as Record<string, string>;
        const contentType = headers['content-type'] ?? headers['Content-Type'] ?? '';
        expectWellBehaved(result.statusCode ?? 200, contentType, bodyText(result), `${r.method} ${url}`);
      }),
      { numRuns: sized(300, 2_000), seed: scenarioSeed('report requests') },
    );
  });

  it('raw HTTP requests with broken encodings through the local server are answered the same way', async () => {
    const raw = [
      '/campaigns/%',
      '/campaigns/%E0%A4%A/totals',
      '/campaigns/launch/totals?from=%',
      '/campaigns/launch/totals?%=1',
      '/campaigns/launch/kols/%00/series',
      `/campaigns/${'x'.repeat(8_000)}/totals`,
      '/campaigns/launch/leaderboard?limit=1&limit=2',
      '/campaigns/launch/voices?next=%FF%FE',
      '/campaigns/launch/voices?next=eyJvZmZzZXQiOjEwMDAwMDB9',
      '/campaigns/launch/leaderboard?metric=__proto__',
      '/campaigns/launch/leaderboard?from=2026-03-10&to=2026-03-01',
      '/campaigns/launch/leaderboard?from=2020-01-01&to=2026-03-01',
      '/dashboard/..%2f..%2fpackage.json',
    ];
    for (const url of raw) {
      figures.add('badInputsTried');
      const response = await fetch(`${server.url}${url}`);
      const body = await response.text();
      expectWellBehaved(response.status, response.headers.get('content-type') ?? '', body, `GET ${url}`);
    }
  });

  it("hostile identifiers never reach another campaign's data", async () => {
    const [a, b] = config.campaigns;
    if (!a || !b) throw new Error('the scenario has at least two campaigns');
    const onlyInB = b.kols.map((k) => k.id).filter((id) => !a.kols.some((k) => k.id === id));
    expect(onlyInB.length).toBeGreaterThan(0);
    const attempts = [
      ...onlyInB.map((kol) => `/campaigns/${a.id}/kols/${kol}/series`),
      `/campaigns/${encodeURIComponent(`${a.id}#K#${b.kols[0]?.id}`)}/totals`,
      `/campaigns/${encodeURIComponent(`${b.id}#T`)}/totals`,
      `/campaigns/${encodeURIComponent(`${a.id}#V#x#`)}/voices`,
      `/campaigns/${a.id}/kols/${encodeURIComponent(`${b.kols[0]?.id}#x`)}/series`,
      `/campaigns/${a.id.toUpperCase()}/totals`,
      `/campaigns/${a.id}%20/totals`,
    ];
    for (const url of attempts) {
      figures.add('badInputsTried');
      const result = await handler(proxyEventFor({ method: 'GET', url }), context);
      const body = bodyText(result);
      expect(result.statusCode, `${url}: ${body}`).toBe(404);
      expect(JSON.parse(body)).toMatchObject({ error: { code: expect.any(String) } });
    }
    // And a real campaign's leaderboard lists only its own roster.
    const board = await handler(
      proxyEventFor({ method: 'GET', url: `/campaigns/${a.id}/leaderboard?limit=500` }),
      context,
    );
    const items = (JSON.parse(bodyText(board)) as { items: { kolId: string }[] }).items;
    for (const item of items) expect(a.kols.map((k) => k.id)).toContain(item.kolId);
  });
});
