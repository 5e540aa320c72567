import { isCurrency } from '../../../shared/money';
import { dayOf } from '../../../shared/time';
import { type CsvColumn, toCsv } from '../csv';
import { csvFilename } from '../csv-writers';
import { badParameter } from '../errors';
import { parseFormat, parseRange, QueryParams } from '../params';
import { findCampaign, findKol } from '../report';
import { csvResponse, json } from '../responses';
import type { RouteContext } from '../routes';
import { type IngestDeps, ingestEvents } from './ingest';
import { campaignDirectResponse, kolDirectSeries, rankDirect, trackedLinks } from './report';
import { DIRECT_METRICS, type DirectKolEntry, type DirectMetric } from './schemas';
import type { DirectResponseStore } from './store';

/** Routes of direct response (docs/direct-response.md); registered by app.ts. */

export interface DirectRouteContext extends RouteContext {
  direct: Omit<IngestDeps, 'config' | 'now'> & { store: DirectResponseStore };
}
export type DirectRoute = (
  ctx: DirectRouteContext,
  req: Request,
  path: Record<string, string>,
) => Promise<Response> | Response;

const revenueText = (revenue: Record<string, number>): string =>
  Object.entries(revenue)
    .map(([c, a]) => `${c} ${a}`)
    .join('; ');

type Row = {
  clicks: number;
  leads: number;
  conversions: number;
  sales: number;
  revenue: Record<string, number>;
};
const figureColumns = <T extends Row>(): CsvColumn<T>[] => [
  { header: 'clicks', value: (r) => r.clicks },
  { header: 'leads', value: (r) => r.leads },
  { header: 'conversions', value: (r) => r.conversions },
  { header: 'sales', value: (r) => r.sales },
  { header: 'revenue', value: (r) => revenueText(r.revenue) },
];

/** CSV columns (also listed in the OpenAPI document). Revenue: "EUR 120.5; USD 30" per currency. */
export const DIRECT_CSV = {
  days: (who: string) => [
    { header: 'kolId', value: () => who },
    { header: 'day', value: (d: Row & { day: string }) => d.day },
    ...figureColumns<Row & { day: string }>(),
  ],
  leaderboard: [
    { header: 'rank', value: (e) => e.rank },
    { header: 'kolId', value: (e) => e.kolId },
    { header: 'name', value: (e) => e.name },
    { header: 'code', value: (e) => e.code },
    ...figureColumns<DirectKolEntry>(),
    { header: 'fee', value: (e) => (e.fee ? `${e.fee.currency} ${e.fee.amount}` : null) },
    { header: 'costPerConversion', value: (e) => e.costPerConversion },
    { header: 'roi', value: (e) => e.roi },
    { header: 'roiUnknownReason', value: (e) => e.roiUnknownReason },
  ] satisfies CsvColumn<DirectKolEntry>[],
  links: [
    { header: 'kolId', value: (r) => r.kolId },
    { header: 'name', value: (r) => r.name },
    { header: 'code', value: (r) => r.code },
    { header: 'landingUrl', value: (r) => r.landingUrl },
    { header: 'url', value: (r) => r.url },
  ] satisfies CsvColumn<{ kolId: string; name: string; code: string; landingUrl: string; url: string }>[],
};

const readRange = (
  ctx: RouteContext,
  req: Request,
  path: Record<string, string>,
  extra: readonly string[] = [],
) => {
  const params = QueryParams.fromUrl(req.url);
  params.allowOnly(['from', 'to', 'format', ...extra]);
  const format = parseFormat(params, req.headers.get('accept'));
  const campaign = findCampaign(ctx.config, path.campaignId ?? '');
  const range = parseRange(params, campaign, dayOf(ctx.now(), campaign.timeZone));
  return { params, format, campaign, range };
};

export const directResponseTotals: DirectRoute = async (ctx, req, path) => {
  const { format, campaign, range } = readRange(ctx, req, path);
  const report = await campaignDirectResponse(ctx.direct.store, campaign, range);
  if (format === 'json') return json(report);
  return csvResponse(
    toCsv(DIRECT_CSV.days(''), report.days),
    csvFilename([campaign.id, 'direct-response', range.from, range.to]),
  );
};

const parseDirectMetric = (params: QueryParams): { metric: DirectMetric; currency: string | undefined } => {
  const metric = params.get('metric') ?? 'conversions';
  if (!(DIRECT_METRICS as readonly string[]).includes(metric))
    throw badParameter('metric', 'invalid_metric', `Unknown metric "${metric}"`, DIRECT_METRICS);
  const currency = params.get('currency');
  if (currency !== undefined && !isCurrency(currency))
    throw badParameter(
      'currency',
      'invalid_currency',
      `"${currency}" is not an ISO 4217 currency code`,
      'e.g. EUR',
    );
  if (metric === 'revenue' && currency === undefined)
    throw badParameter(
      'currency',
      'missing_currency',
      'Ranking by revenue needs the currency: revenue is never summed across currencies',
      'e.g. EUR',
    );
  return { metric: metric as DirectMetric, currency };
};

export const directLeaderboard: DirectRoute = async (ctx, req, path) => {
  const { params, format, campaign, range } = readRange(ctx, req, path, ['metric', 'currency']);
  const { metric, currency } = parseDirectMetric(params);
  const items = await rankDirect(ctx.direct.store, campaign, range, metric, currency);
  if (format === 'csv')
    return csvResponse(
      toCsv(DIRECT_CSV.leaderboard, items),
      csvFilename([campaign.id, 'direct-response', metric, range.from, range.to]),
    );
  return json({
    campaignId: campaign.id,
    timeZone: campaign.timeZone,
    from: range.from,
    to: range.to,
    metric,
    currency: currency ?? null,
    items,
  });
};

export const kolDirectResponse: DirectRoute = async (ctx, req, path) => {
  const { format, campaign, range } = readRange(ctx, req, path);
  const kol = findKol(campaign, path.kolId ?? '');
  const report = await kolDirectSeries(ctx.direct.store, campaign, kol, range);
  if (format === 'json') return json(report);
  return csvResponse(
    toCsv(DIRECT_CSV.days(kol.id), report.days),
    csvFilename([campaign.id, kol.id, 'direct-response', range.from, range.to]),
  );
};

export const campaignLinks: DirectRoute = (ctx, req, path) => {
  const params = QueryParams.fromUrl(req.url);
  params.allowOnly(['format']);
  const format = parseFormat(params, req.headers.get('accept'));
  const links = trackedLinks(findCampaign(ctx.config, path.campaignId ?? ''));
  if (format === 'json') return json(links);
  const rows = links.items.flatMap((k) =>
    k.links.map((l) => ({ kolId: k.kolId, name: k.name, code: k.code, ...l })),
  );
  return csvResponse(toCsv(DIRECT_CSV.links, rows), csvFilename([links.campaignId, 'links']));
};

export const postEvents: DirectRoute = async (ctx, req, path) => {
  const result = await ingestEvents(
    { ...ctx.direct, config: ctx.config, now: ctx.now },
    path.campaignId ?? '',
    req,
  );
  return json(result);
};
