import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ReportHandler } from '../../functions/report/app';
import { proxyEventFor } from '../../infra/local/api-gateway';
import { type Campaign, parseConfig } from '../../shared/config';
import { SeededRandom } from '../../shared/random';
import { SIGNATURE_HEADER, signBody } from '../../shared/signature';
import { trackingCode } from '../../shared/tracking';
import type { SentEvent } from './direct-response-oracle';

/** Fixtures for direct-response tests: a campaign with fees, generated events and signed requests. */

export const DR_CAMPAIGN = 'shop-launch';
export const DR_SECRET = 'test-signing-secret-0123456789abcdef';
/** "Now" in tests: a few days into the campaign. */
export const DR_NOW = Date.parse('2026-05-06T12:00:00Z');
export const DR_DAYS = ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05', '2026-05-06'];

export const drConfig = parseConfig({
  campaigns: [
    {
      id: DR_CAMPAIGN,
      name: 'Shop launch',
      hashtags: ['#ShopLaunch'],
      timeZone: 'Asia/Shanghai',
      start: '2026-05-01',
      landingUrls: ['https://shop.example/launch', 'https://shop.example/p/1?ref=x'],
      kols: [
        {
          id: 'ana',
          name: 'Ana',
          accounts: [{ platform: 'x', handle: 'ana' }],
          fee: { amount: '500.00', currency: 'EUR' },
        },
        {
          id: 'ben',
          name: 'Ben',
          accounts: [{ platform: 'x', handle: 'ben' }],
          fee: { amount: 300, currency: 'EUR' },
        },
        {
          id: 'cho',
          name: 'Cho',
          accounts: [{ platform: 'x', handle: 'cho' }],
          fee: { amount: '20000', currency: 'JPY' },
        },
        { id: 'dan', name: 'Dan', accounts: [{ platform: 'x', handle: 'dan' }] },
      ],
    },
    { id: 'other', name: 'Other', hashtags: ['#other'], start: '2026-01-01', kols: [] },
  ],
});
export const drCampaign = drConfig.campaigns[0] as Campaign;

const CURRENCY_OF: Record<string, string> = { ana: 'EUR', ben: 'EUR', cho: 'JPY', dan: 'USD' };

/** `n` events over DR_DAYS: roster codes (some lower-case), a share of unknown codes, sales with amounts. */
export const generateEvents = (seed: number, n: number, prefix = 'ev'): SentEvent[] => {
  const rnd = new SeededRandom(seed);
  const start = Date.parse('2026-04-30T16:00:00Z'); // 2026-05-01 00:00 in Asia/Shanghai
  const span = DR_NOW - start;
  return Array.from({ length: n }, (_, i) => {
    const kol = rnd.chance(0.15) ? undefined : rnd.pick(drCampaign.kols);
    const code = kol ? trackingCode(DR_CAMPAIGN, kol.id) : `UNKNOWN${rnd.int(1, 5)}`;
    const type = rnd.pick(['click', 'click', 'click', 'lead', 'conversion', 'sale'] as const);
    const time = new Date(start + Math.floor(rnd.next() * span)).toISOString();
    const event: SentEvent = {
      id: `${prefix}-${i}`,
      type,
      code: rnd.chance(0.2) ? code.toLowerCase() : code,
      time,
    };
    if (type !== 'sale') return event;
    // Ben sometimes sells in USD: his ROI is then unknown (currency mismatch).
    const currency = kol?.id === 'ben' && rnd.chance(0.1) ? 'USD' : (CURRENCY_OF[kol?.id ?? 'dan'] ?? 'EUR');
    const amount =
      currency === 'JPY'
        ? String(rnd.int(500, 9000))
        : `${rnd.int(1, 200)}.${String(rnd.int(0, 99)).padStart(2, '0')}`;
    return { ...event, amount, currency };
  });
};

export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export const signedRequest = (
  campaignId: string,
  events: readonly SentEvent[],
  opts: { secret?: string; nowMs?: number; body?: string } = {},
): SignedRequest => {
  const body = opts.body ?? JSON.stringify({ events });
  return {
    url: `/campaigns/${campaignId}/events`,
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signBody(opts.secret ?? DR_SECRET, body, opts.nowMs ?? DR_NOW),
    },
    body,
  };
};

export interface Answer {
  status: number;
  body: string;
  json: <T = Record<string, unknown>>() => T;
}

const CONTEXT = { awsRequestId: 'test' } as Context;

export const send = async (
  handler: ReportHandler,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> => {
  const result: APIGatewayProxyStructuredResultV2 = await handler(
    proxyEventFor({
      method,
      url,
      headers: { host: 'reports.test', ...headers },
      ...(body === undefined ? {} : { body: Buffer.from(body) }),
    }),
    CONTEXT,
  );
  const text = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64').toString('utf8')
    : (result.body ?? '');
  return { status: result.statusCode ?? 200, body: text, json: <T>() => JSON.parse(text) as T };
};

export const post = (handler: ReportHandler, req: SignedRequest): Promise<Answer> =>
  send(handler, 'POST', req.url, req.headers, req.body);
