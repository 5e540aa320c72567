import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportHandler, type ReportHandler } from '../../../functions/report/app';
import {
  DirectKolSeriesSchema,
  DirectLeaderboardSchema,
  DirectResponseSchema,
  EventsResultSchema,
  TrackedLinksSchema,
} from '../../../functions/report/direct-response/schemas';
import { staticSigningSecrets } from '../../../functions/report/direct-response/secrets';
import { documentClientFor } from '../../../shared/aws';
import { SeededRandom } from '../../../shared/random';
import { trackingCode } from '../../../shared/tracking';
import {
  DR_CAMPAIGN,
  DR_DAYS,
  DR_NOW,
  drCampaign,
  drConfig,
  generateEvents,
  post,
  send,
  signedRequest,
} from '../../support/direct-response';
import { type DirectOracle, directOracle, type SentEvent } from '../../support/direct-response-oracle';
import { withDynamo } from '../../support/engines';

let dynamo: Awaited<ReturnType<typeof withDynamo>>;
let handler: ReportHandler;
const logger = new Logger({ serviceName: 'dr-test', logLevel: 'SILENT' });
const base = `/campaigns/${DR_CAMPAIGN}`;
const range = `from=${DR_DAYS[0]}&to=${DR_DAYS.at(-1)}`;

const handlerWith = (doc = dynamo.doc): ReportHandler =>
  createReportHandler({
    config: drConfig,
    doc,
    rollupsTable: dynamo.tables.rollups,
    logger,
    now: () => DR_NOW,
    wallClock: () => DR_NOW,
    signingSecrets: staticSigningSecrets({ [DR_CAMPAIGN]: 'test-signing-secret-0123456789abcdef' }),
  });

const countItems = async () =>
  (await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.rollups, Select: 'COUNT' }))).Count ?? 0;

/** Every figure the API reports for the campaign, checked against the oracle. */
const expectMatchesOracle = async (oracle: DirectOracle) => {
  const totals = DirectResponseSchema.parse(
    (await send(handler, 'GET', `${base}/direct-response?${range}`)).json(),
  );
  expect(totals.summary).toMatchObject(oracle.figures(undefined, DR_DAYS));
  expect(totals.unattributed).toEqual(oracle.figures('~', DR_DAYS));
  for (const d of totals.days) {
    const { day, ...figures } = d;
    expect(figures, day).toEqual(oracle.figures(undefined, [day]));
  }
  for (const kol of drCampaign.kols) {
    const series = DirectKolSeriesSchema.parse(
      (await send(handler, 'GET', `${base}/kols/${kol.id}/direct-response?${range}`)).json(),
    );
    const { fee: _f, costPerConversion, roi, roiUnknownReason: _r, ...figures } = series.summary;
    expect(figures, kol.id).toEqual(oracle.figures(kol.id, DR_DAYS));
    const expectedRoi = oracle.roi(kol.id, DR_DAYS);
    if (expectedRoi === null) expect(roi, kol.id).toBeNull();
    else expect(roi, kol.id).toBeCloseTo(expectedRoi, 5);
    const cpc = oracle.costPerConversion(kol.id, DR_DAYS);
    if (cpc === null) expect(costPerConversion).toBeNull();
    else expect(costPerConversion).toBeCloseTo(cpc, 5);
    for (const d of series.days) {
      const { day, ...f } = d;
      expect(f, `${kol.id} ${day}`).toEqual(oracle.figures(kol.id, [day]));
    }
  }
};

beforeAll(async () => {
  dynamo = await withDynamo();
  handler = handlerWith();
});
afterAll(async () => {
  await dynamo?.close();
});

describe('GET /campaigns/{id}/links', () => {
  it('lists each KOL code and UTM links for every landing URL, as JSON and CSV', async () => {
    const links = TrackedLinksSchema.parse((await send(handler, 'GET', `${base}/links`)).json());
    expect(links.items.map((k) => k.kolId)).toEqual(['ana', 'ben', 'cho', 'dan']);
    const ana = links.items[0];
    expect(ana?.code).toBe(trackingCode(DR_CAMPAIGN, 'ana'));
    const url = new URL(ana?.links[1]?.url ?? '');
    expect(url.searchParams.get('ref')).toBe('x');
    expect(url.searchParams.get('utm_content')).toBe(ana?.code);
    expect(url.searchParams.get('utm_campaign')).toBe(DR_CAMPAIGN);
    expect(url.searchParams.get('utm_source')).toBe('kol-pulse');
    const csv = await send(handler, 'GET', `${base}/links?format=csv`);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('kolId,name,code,landingUrl,url');
    expect(lines).toHaveLength(1 + 4 * 2);
  });
});

describe('POST /campaigns/{id}/events: exactly once under retries', () => {
  const delivered: SentEvent[] = [];
  const events = generateEvents(11, 120);

  it('counts duplicated, reordered and replayed deliveries once each', async () => {
    const rnd = new SeededRandom(5);
    // Deliveries: every event once or up to 3 times, shuffled, in batches of 1..25, some batches replayed.
    const deliveries = rnd.shuffle(events.flatMap((e) => Array.from({ length: rnd.int(1, 3) }, () => e)));
    for (let i = 0; i < deliveries.length; ) {
      const batch = deliveries.slice(i, i + rnd.int(1, 25));
      i += batch.length;
      const answer = await post(handler, signedRequest(DR_CAMPAIGN, batch));
      expect(answer.status, answer.body).toBe(200);
      EventsResultSchema.parse(answer.json());
      delivered.push(...batch);
      if (rnd.chance(0.2))
        expect(
          (await post(handler, signedRequest(DR_CAMPAIGN, batch, { nowMs: DR_NOW + 60_000 }))).status,
        ).toBe(200);
    }
    const oracle = directOracle(drCampaign, delivered);
    expect(oracle.count).toBe(events.length);
    await expectMatchesOracle(oracle);
  });

  it('reports a repeated id as duplicate and a changed one as conflict, counting neither', async () => {
    const first = events[0] as SentEvent;
    const again = await post(handler, signedRequest(DR_CAMPAIGN, [first]));
    expect(again.json<{ results: unknown[] }>().results).toEqual([{ id: first.id, outcome: 'duplicate' }]);
    const changed = { ...first, time: '2026-05-02T01:00:00Z', code: trackingCode(DR_CAMPAIGN, 'dan') };
    const conflict = await post(handler, signedRequest(DR_CAMPAIGN, [changed]));
    expect(conflict.json<{ results: unknown[] }>().results).toEqual([{ id: first.id, outcome: 'conflict' }]);
    await expectMatchesOracle(directOracle(drCampaign, [...delivered, changed]));
  });

  it('ranks KOLs by every direct metric, unknown ROI last, and by revenue in one currency', async () => {
    const oracle = directOracle(drCampaign, delivered);
    for (const metric of ['clicks', 'conversions', 'roi', 'costPerConversion'] as const) {
      const board = DirectLeaderboardSchema.parse(
        (await send(handler, 'GET', `${base}/direct-response/kols?${range}&metric=${metric}`)).json(),
      );
      const values = board.items.map((e) => e[metric]);
      const known = values.filter((v): v is number => v !== null);
      const sorted = [...known].sort((a, b) => (metric === 'costPerConversion' ? a - b : b - a));
      expect(known).toEqual(sorted);
      expect(values.slice(known.length).every((v) => v === null)).toBe(true);
    }
    const byEur = DirectLeaderboardSchema.parse(
      (
        await send(handler, 'GET', `${base}/direct-response/kols?${range}&metric=revenue&currency=EUR`)
      ).json(),
    );
    expect(byEur.items[0]?.revenue.EUR).toBe(
      Math.max(...drCampaign.kols.map((k) => oracle.figures(k.id, DR_DAYS).revenue.EUR ?? 0)),
    );
    const missing = await send(handler, 'GET', `${base}/direct-response/kols?metric=revenue`);
    expect(missing.status).toBe(400);
    expect(missing.json<{ error: { parameter: string } }>().error.parameter).toBe('currency');
    const csv = await send(handler, 'GET', `${base}/direct-response/kols?${range}&format=csv`);
    expect(csv.body.split('\r\n')[0]).toBe(
      'rank,kolId,name,code,clicks,leads,conversions,sales,revenue,fee,costPerConversion,roi,roiUnknownReason',
    );
  });

  it('heals a crash between the claim and the row: the retry counts the event once', async () => {
    // A client whose PutItem of event rows fails once per event, after the claim was written.
    const failedOnce = new Set<string>();
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // Native values or DynamoDB JSON, depending on where the document client marshals.
        const item = (args.input as { Item?: Record<string, unknown> }).Item ?? {};
        const text = (v: unknown) => String((v as { S?: string } | undefined)?.S ?? v ?? '');
        const pk = text(item.pk);
        const id = text(item.eventId);
        if (context.commandName === 'PutItemCommand' && pk.includes('#DR#') && !failedOnce.has(id)) {
          failedOnce.add(id);
          throw new Error('simulated crash before the row write');
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const crashing = handlerWith(documentClientFor(client));
    const batch = generateEvents(99, 12, 'crash');
    const failed = await post(crashing, signedRequest(DR_CAMPAIGN, batch));
    expect(failed.status).toBe(500);
    const retried = await post(crashing, signedRequest(DR_CAMPAIGN, batch));
    expect(retried.status, retried.body).toBe(200);
    expect(await post(handler, signedRequest(DR_CAMPAIGN, batch))).toMatchObject({ status: 200 });
    delivered.push(...batch);
    await expectMatchesOracle(directOracle(drCampaign, delivered));
  });
});

describe('POST /campaigns/{id}/events: bad input changes nothing', () => {
  const one: SentEvent = {
    id: 'bad-1',
    type: 'sale',
    code: 'X',
    time: '2026-05-03T10:00:00Z',
    amount: '1.00',
    currency: 'EUR',
  };

  it('answers 401 to a wrong, stale or missing signature', async () => {
    const before = await countItems();
    const wrong = await post(handler, signedRequest(DR_CAMPAIGN, [one], { secret: 'not-the-secret' }));
    expect(wrong.status).toBe(401);
    expect(wrong.json<{ error: { code: string } }>().error.code).toBe('invalid_signature');
    const stale = await post(handler, signedRequest(DR_CAMPAIGN, [one], { nowMs: DR_NOW - 301_000 }));
    expect(stale.status).toBe(401);
    const req = signedRequest(DR_CAMPAIGN, [one]);
    expect((await send(handler, 'POST', req.url, {}, req.body)).status).toBe(401);
    const tampered = { ...req, body: req.body.replace('1.00', '9.00') };
    expect((await post(handler, tampered)).status).toBe(401);
    // The signature is checked before parsing: a garbage body with a bad signature is a 401, not a 400.
    expect((await post(handler, { ...req, body: '{not json' })).status).toBe(401);
    expect(await countItems()).toBe(before);
  });

  it('answers 400 naming the field, 404 for an unknown campaign, 413 for an oversized body', async () => {
    const before = await countItems();
    const cases: [Record<string, unknown>[], string][] = [
      [[{ ...one, amount: undefined }], 'events[0].amount'],
      [[one, { ...one, id: 'bad-2', currency: 'EURO' }], 'events[1].currency'],
      [[{ ...one, amount: '1.001' }], 'events[0].amount'],
      [[{ ...one, type: 'refund' }], 'events[0].type'],
      [[{ ...one, time: 'yesterday' }], 'events[0].time'],
      [[{ ...one, time: '2026-06-01T00:00:00Z' }], 'events[0].time'],
      [[{ ...one, time: '2026-04-01T00:00:00Z' }], 'events[0].time'],
      [[{ ...one, type: 'click' }], 'events[0].amount'],
      [[{ ...one, id: '' }], 'events[0].id'],
      [[{ ...one, extra: 1 }], 'events[0]'],
      [[one, { ...one, amount: '2.00' }], 'events[1].id'],
    ];
    for (const [events, field] of cases) {
      const answer = await post(handler, signedRequest(DR_CAMPAIGN, events as unknown as SentEvent[]));
      expect(answer.status, `${field}: ${answer.body}`).toBe(400);
      expect(answer.json<{ error: { parameter: string } }>().error.parameter, answer.body).toBe(field);
    }
    expect((await post(handler, signedRequest(DR_CAMPAIGN, [], { body: '[1,2' }))).status).toBe(400);
    expect((await post(handler, signedRequest('nope', [one]))).status).toBe(404);
    const huge = signedRequest(DR_CAMPAIGN, [], {
      body: JSON.stringify({ events: [one], pad: 'x'.repeat(300_000) }),
    });
    expect((await post(handler, huge)).status).toBe(413);
    expect((await post(handler, signedRequest('other', [one]))).status).toBe(503);
    expect(await countItems()).toBe(before);
  });
});
