import { Logger } from '@aws-lambda-powertools/logger';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportHandler, type ReportHandler } from '../../functions/report/app';
import { DirectResponseSchema } from '../../functions/report/direct-response/schemas';
import { staticSigningSecrets } from '../../functions/report/direct-response/secrets';
import { SIGNATURE_HEADER, signBody } from '../../shared/signature';
import {
  DR_CAMPAIGN,
  DR_DAYS,
  DR_NOW,
  DR_SECRET,
  drCampaign,
  drConfig,
  generateEvents,
  send,
} from '../support/direct-response';
import { directOracle, type SentEvent } from '../support/direct-response-oracle';
import { withDynamo } from '../support/engines';
import { tally } from './support/figures';
import { scenarioSeed, sized } from './support/seeds';

/**
 * Bad input at the direct-response ingest endpoint: fuzzed bodies, signatures, headers and campaign ids
 * mixed with valid signed deliveries that are duplicated, reordered and replayed. Every answer is 2xx or a
 * 4xx JSON error (never a 5xx or a stack trace); a request answered with an error changes nothing; and the
 * figures equal the oracle over exactly the deliveries that were answered 200.
 */

const figures = tally('direct-response endpoint fuzzing');
let dynamo: Awaited<ReturnType<typeof withDynamo>>;
let handler: ReportHandler;

beforeAll(async () => {
  dynamo = await withDynamo();
  handler = createReportHandler({
    config: drConfig,
    doc: dynamo.doc,
    rollupsTable: dynamo.tables.rollups,
    logger: new Logger({ serviceName: 'dr-fuzz', logLevel: 'SILENT' }),
    now: () => DR_NOW,
    wallClock: () => DR_NOW,
    signingSecrets: staticSigningSecrets({ [DR_CAMPAIGN]: DR_SECRET, other: 'the-other-campaign-secret' }),
  });
});
afterAll(async () => {
  await dynamo?.close();
});

const STACK = /\n\s+at |node_modules|\/work\/|file:\/\//;
const itemCount = async () =>
  (await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.rollups, Select: 'COUNT' }))).Count ?? 0;

const pool = generateEvents(scenarioSeed('direct-response fuzz'), 60, 'fz');

const fieldValue = fc.oneof(
  fc.constantFrom(
    null,
    true,
    -1,
    0,
    1e308,
    Number.NaN,
    '',
    ' ',
    'sale',
    'EUR',
    'eur',
    'XXX',
    '1.999',
    '-5',
    '1e3',
    '2026-05-03',
    '__proto__',
    'x'.repeat(300),
  ),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
);

/** An event with one field broken, missing or added. */
const mangled = fc
  .tuple(
    fc.constantFrom(...pool),
    fc.constantFrom('id', 'type', 'code', 'time', 'amount', 'currency', 'extra'),
    fc.option(fieldValue),
  )
  .map(([e, field, v]) => {
    const out: Record<string, unknown> = { ...e };
    if (v === null) delete out[field];
    else out[field] = v;
    return out;
  });

type Request = {
  kind: 'valid' | 'bad';
  campaign: string;
  headers: Record<string, string>;
  body: string;
  events: SentEvent[];
};

const signed = (body: string, over: Partial<{ secret: string; now: number; campaign: string }> = {}) => ({
  'content-type': 'application/json',
  [SIGNATURE_HEADER]: signBody(over.secret ?? DR_SECRET, body, over.now ?? DR_NOW),
});

const validRequest = fc.subarray(pool, { minLength: 1, maxLength: 8 }).map((events): Request => {
  const body = JSON.stringify({ events });
  return { kind: 'valid', campaign: DR_CAMPAIGN, headers: signed(body), body, events };
});

const badRequest = fc
  .oneof(
    // Well signed, malformed content.
    fc.array(mangled, { minLength: 1, maxLength: 3 }).map((events) => JSON.stringify({ events })),
    fc.constantFrom('', '{}', '[]', '{"events":[]}', 'null', '{"events":{}}', '\u0000', '{"events":[1]}'),
    fc.string({ maxLength: 200 }),
  )
  .map((body): Request => ({ kind: 'bad', campaign: DR_CAMPAIGN, headers: signed(body), body, events: [] }));

const badSignature = fc
  .tuple(
    validRequest,
    fc.constantFrom<{ secret?: string; now?: number; header?: string }>(
      { secret: 'wrong' },
      { now: DR_NOW - 10 * 60_000 },
      { now: DR_NOW + 10 * 60_000 },
      { header: 't=1,v1=00' },
      { header: '' },
      { header: 'v1=abc,t=x' },
      { header: `t=${DR_NOW / 1000},v1=${'0'.repeat(64)}` },
    ),
  )
  .map(([r, how]): Request => {
    const headers: Record<string, string> = signed(r.body, how);
    if (how.header !== undefined) headers[SIGNATURE_HEADER] = how.header;
    return { ...r, kind: 'bad', headers, events: [] };
  });

const otherCampaign = fc
  .tuple(validRequest, fc.constantFrom('nope', 'other', '..', '%2e', 'SHOP-LAUNCH'))
  .map(([r, campaign]): Request => ({ ...r, kind: 'bad', campaign, events: [] }));

describe('POST /campaigns/{id}/events under fuzzing', () => {
  it('answers 2xx or a 4xx JSON error, changes nothing on errors, and counts accepted deliveries exactly once', async () => {
    const accepted: SentEvent[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 3, arbitrary: validRequest }, badRequest, badSignature, otherCampaign), {
          minLength: 1,
          maxLength: 6,
        }),
        async (requests) => {
          for (const r of requests) {
            const before = r.kind === 'bad' ? await itemCount() : 0;
            const answer = await send(handler, 'POST', `/campaigns/${r.campaign}/events`, r.headers, r.body);
            figures.add(r.kind === 'bad' ? 'badInputsTried' : 'messagesSent');
            expect(answer.status, answer.body).toBeLessThan(500);
            expect(answer.body).not.toMatch(STACK);
            // A mangled event can still be valid (an extra field removed, another code): what was accepted counts.
            if (answer.status === 200)
              accepted.push(...(JSON.parse(r.body) as { events: SentEvent[] }).events);
            else {
              expect(typeof answer.json<{ error: { code: string } }>().error.code).toBe('string');
              expect(await itemCount()).toBe(before);
            }
            if (r.kind === 'valid') expect(answer.status, answer.body).toBe(200);
          }
        },
      ),
      { numRuns: sized(15, 60), seed: scenarioSeed('direct-response fuzz runs') },
    );
    const oracle = directOracle(drCampaign, accepted);
    const report = DirectResponseSchema.parse(
      (
        await send(
          handler,
          'GET',
          `/campaigns/${DR_CAMPAIGN}/direct-response?from=${DR_DAYS[0]}&to=${DR_DAYS.at(-1)}`,
        )
      ).json(),
    );
    expect(report.summary).toMatchObject(oracle.figures(undefined, DR_DAYS));
    expect(report.unattributed).toEqual(oracle.figures('~', DR_DAYS));
    for (const d of report.days) {
      const { day, ...f } = d;
      expect(f, day).toEqual(oracle.figures(undefined, [day]));
      figures.add('rollupFiguresCompared');
    }
  });
});
