import type { Campaign, KolPulseConfig } from '../../shared/config';
import { dayOf } from '../../shared/time';
import { type CsvColumn, toCsv } from './csv';
import { CSV_WRITERS, csvFilename } from './csv-writers';
import { DASHBOARD_FILES, type DashboardAssets } from './dashboard/build';
import { notFound } from './errors';
import { openApiText } from './openapi';
import { pageOf, pageRequest } from './pagination';
import {
  type DayRange,
  type Format,
  type PageBinding,
  parseFormat,
  parseMetric,
  parsePlatform,
  parseRange,
  QueryParams,
} from './params';
import type { RollupReader } from './queries';
import {
  campaignDetail,
  campaignSummary,
  findCampaign,
  findKol,
  rankKols,
  rankVoices,
  seriesReport,
  totalsReport,
} from './report';
import { COMMON_HEADERS, csvResponse, json, PAGE_SECURITY } from './responses';

/** What every route reads: the configuration, the rollups, the clock and the dashboard. */
export interface RouteContext {
  config: KolPulseConfig;
  reader: RollupReader;
  now: () => number;
  assets: () => Promise<DashboardAssets>;
}

/** A GET route: the request and the path parameters in, a response out. */
export type Route = (
  ctx: RouteContext,
  req: Request,
  path: Record<string, string>,
) => Response | Promise<Response>;

const RANGE_PARAMS = ['from', 'to', 'platform', 'format'] as const;
const RANKING_PARAMS = [...RANGE_PARAMS, 'metric', 'limit', 'next'] as const;

/** The query, with any parameter outside `allowed` refused, and the format asked for. */
const readQuery = (req: Request, allowed: readonly string[]): { params: QueryParams; format: Format } => {
  const params = QueryParams.fromUrl(req.url);
  params.allowOnly(allowed);
  return { params, format: parseFormat(params, req.headers.get('accept')) };
};

/** Day range (the default ends today in the campaign's zone) and platform of a range route. */
const readScope = (ctx: RouteContext, params: QueryParams, campaign: Campaign) => {
  const range: DayRange = parseRange(params, campaign, dayOf(ctx.now(), campaign.timeZone));
  return { range, platform: parsePlatform(params) };
};

export const listCampaigns: Route = (ctx, req) => {
  const { format } = readQuery(req, ['format']);
  const items = ctx.config.campaigns.map(campaignSummary);
  return format === 'csv'
    ? csvResponse(toCsv(CSV_WRITERS.campaigns, items), 'campaigns.csv')
    : json({ items });
};

export const showCampaign: Route = (ctx, req, path) => {
  const { format } = readQuery(req, ['format']);
  const detail = campaignDetail(findCampaign(ctx.config, path.campaignId ?? ''));
  return format === 'csv'
    ? csvResponse(toCsv(CSV_WRITERS.campaign, detail.kols), csvFilename([detail.id, 'roster']))
    : json(detail);
};

export const campaignTotals: Route = async (ctx, req, path) => {
  const { params, format } = readQuery(req, RANGE_PARAMS);
  const campaign = findCampaign(ctx.config, path.campaignId ?? '');
  const { range, platform } = readScope(ctx, params, campaign);
  const [report, observed] = await Promise.all([
    totalsReport(ctx.reader, campaign, range, platform),
    observedOf(ctx, campaign, platform),
  ]);
  if (format === 'json') return json({ ...report, observed });
  return csvResponse(
    toCsv(CSV_WRITERS.totals(platform ?? 'all'), report.days),
    csvFilename([campaign.id, 'totals', platform, range.from, range.to]),
    observedHeader(observed),
  );
};

export const kolSeries: Route = async (ctx, req, path) => {
  const { params, format } = readQuery(req, RANGE_PARAMS);
  const campaign = findCampaign(ctx.config, path.campaignId ?? '');
  const kol = findKol(campaign, path.kolId ?? '');
  const { range, platform } = readScope(ctx, params, campaign);
  const [report, observed] = await Promise.all([
    seriesReport(ctx.reader, campaign, kol, range, platform),
    observedOf(ctx, campaign, platform),
  ]);
  if (format === 'json') return json({ ...report, observed });
  return csvResponse(
    toCsv(CSV_WRITERS.series(kol.id, platform ?? 'all'), report.days),
    csvFilename([campaign.id, kol.id, 'series', platform, range.from, range.to]),
    observedHeader(observed),
  );
};

/**
 * When the figures in scope were last observed: per platform, and the latest of those
 * (functions/aggregate/freshness.ts). JSON carries it as `observed`, CSV as the X-Last-Observed-At header.
 */
const observedOf = async (ctx: RouteContext, campaign: Campaign, platform: string | undefined) => {
  const all = await ctx.reader.lastObserved(campaign.id);
  const platforms = Object.fromEntries([...all].filter(([p]) => !platform || p === platform).sort());
  const latest = Object.values(platforms).sort().at(-1) ?? null;
  return { lastObservedAt: latest, platforms };
};

const observedHeader = (observed: { lastObservedAt: string | null }): Record<string, string> =>
  observed.lastObservedAt ? { 'X-Last-Observed-At': observed.lastObservedAt } : {};

/** A paged ranking route: JSON carries `next` in the body, CSV in the X-Next-Token header. */
const rankingRoute =
  <T>(
    kind: 'leaderboard' | 'voices',
    rank: (...args: Parameters<typeof rankKols>) => Promise<T[]>,
    columns: CsvColumn<T>[],
  ): Route =>
  async (ctx, req, path) => {
    const { params, format } = readQuery(req, RANKING_PARAMS);
    const campaign = findCampaign(ctx.config, path.campaignId ?? '');
    const { range, platform } = readScope(ctx, params, campaign);
    const metric = parseMetric(params);
    const binding: PageBinding = [kind, campaign.id, range.from, range.to, platform ?? '', metric];
    const request = pageRequest(params, binding);
    const [ranked, observed] = await Promise.all([
      rank(ctx.reader, campaign, range, platform, metric),
      observedOf(ctx, campaign, platform),
    ]);
    const page = pageOf(ranked, request);
    if (format === 'csv')
      return csvResponse(
        toCsv(columns, page.items),
        csvFilename([campaign.id, kind, platform, metric, range.from, range.to]),
        { ...observedHeader(observed), ...(page.next ? { 'X-Next-Token': page.next } : {}) },
      );
    return json({
      campaignId: campaign.id,
      timeZone: campaign.timeZone,
      from: range.from,
      to: range.to,
      platform: platform ?? null,
      observed,
      metric,
      total: page.total,
      next: page.next,
      items: page.items,
    });
  };

export const kolLeaderboard: Route = rankingRoute('leaderboard', rankKols, CSV_WRITERS.leaderboard);

export const voiceRanking: Route = rankingRoute('voices', rankVoices, CSV_WRITERS.voices);

let openApi: string | undefined;

export const openApiDocument: Route = () => {
  openApi ??= openApiText();
  return new Response(openApi, {
    headers: { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8' },
  });
};

export const dashboardPage: Route = async (ctx) => {
  const { html } = await ctx.assets();
  return new Response(html, {
    headers: { ...PAGE_SECURITY, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' },
  });
};

const ASSET_TYPES: Record<string, [keyof DashboardAssets, string]> = {
  [DASHBOARD_FILES.js]: ['js', 'text/javascript; charset=utf-8'],
  [DASHBOARD_FILES.css]: ['css', 'text/css; charset=utf-8'],
};

export const dashboardAsset: Route = async (ctx, _req, path) => {
  const asset = path.asset ?? '';
  const known = Object.hasOwn(ASSET_TYPES, asset) ? ASSET_TYPES[asset] : undefined;
  if (!known) throw notFound('asset_not_found', `No dashboard asset "${asset}"`);
  const [kind, type] = known;
  return new Response((await ctx.assets())[kind], {
    headers: { ...PAGE_SECURITY, 'Content-Type': type, 'Cache-Control': 'public, max-age=300' },
  });
};
