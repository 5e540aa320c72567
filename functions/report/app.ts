import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MethodNotAllowedError,
  NotFoundError,
  ParameterValidationError,
  Router,
} from '@aws-lambda-powertools/event-handler/http';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type Campaign, type KolPulseConfig, loadConfigFile } from '../../shared/config';
import { requireEnv } from '../../shared/env';
import { dayOf } from '../../shared/time';
import { ENV } from '../../shared/topology';
import { type CsvColumn, toCsv } from './csv';
import { DASHBOARD_FILES, type DashboardAssets, dashboardAssetLoader } from './dashboard/build';
import { ApiError, type ErrorBody, notFound } from './errors';
import { openApiText } from './openapi';
import {
  type DayRange,
  encodePageToken,
  type Format,
  type PageBinding,
  parseFormat,
  parseLimit,
  parseMetric,
  parsePageToken,
  parsePlatform,
  parseRange,
  QueryParams,
} from './params';
import { RollupReader } from './queries';
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
import type {
  CampaignDetail,
  CampaignSummary,
  DailyFigures,
  LeaderboardEntry,
  ReportFigures,
  VoiceEntry,
} from './schemas';

export interface ReportDeps {
  config: KolPulseConfig;
  doc: DynamoDBDocumentClient;
  rollupsTable: string;
  logger: Logger;
  /** Clock for "today" in default date ranges. */
  now?: () => number;
  /** Dashboard page and assets; default: built assets next to the handler, else built in memory. */
  dashboardAssets?: () => Promise<DashboardAssets>;
  /** Day Queries in flight at once for leaderboards and voices. */
  queryConcurrency?: number;
}

export type ReportHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Optional: directory holding the built dashboard (see dashboard/build.ts `writeDashboardAssets`). */
export const DASHBOARD_ASSETS_DIR_ENV = 'DASHBOARD_ASSETS_DIR';

/** The directory next to this module (in the Lambda bundle: next to index.mjs), when it is known. */
const moduleDir = (): string | undefined => {
  const url: unknown = import.meta.url;
  return typeof url === 'string' && url.startsWith('file:') ? dirname(fileURLToPath(url)) : undefined;
};

export const reportDepsFromEnv = (
  env: Record<string, string | undefined>,
  clients: { doc: DynamoDBDocumentClient; logger: Logger },
): ReportDeps => {
  const here = moduleDir();
  const rollupsTable = requireEnv(env, ENV.rollupsTable);
  const campaignsFile = requireEnv(env, ENV.campaignsFile);
  return {
    config: loadConfigFile(campaignsFile),
    rollupsTable,
    doc: clients.doc,
    logger: clients.logger,
    dashboardAssets: dashboardAssetLoader([env[DASHBOARD_ASSETS_DIR_ENV], here && join(here, 'dashboard')]),
  };
};

// ---- Responses -------------------------------------------------------------------------------------

const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff' };

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: {
      ...COMMON_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
    },
  });

const errorJson = (status: number, error: ErrorBody['error']): Response => json({ error }, status);

const csv = (text: string, filename: string, extraHeaders: Record<string, string> = {}): Response =>
  new Response(text, {
    headers: {
      ...COMMON_HEADERS,
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
      ...extraHeaders,
    },
  });

const figureColumns = <T extends ReportFigures>(): CsvColumn<T>[] => [
  { header: 'mentions', value: (r) => r.mentions },
  { header: 'likes', value: (r) => r.likes },
  { header: 'shares', value: (r) => r.shares },
  { header: 'comments', value: (r) => r.comments },
  { header: 'views', value: (r) => r.views },
  { header: 'engagement', value: (r) => r.engagement },
];

// Column orders are documented in the OpenAPI document (openapi.ts CSV_COLUMNS); a test checks they agree.
export const CSV_WRITERS = {
  campaigns: [
    { header: 'id', value: (c) => c.id },
    { header: 'name', value: (c) => c.name },
    { header: 'timeZone', value: (c) => c.timeZone },
    { header: 'start', value: (c) => c.start },
    { header: 'end', value: (c) => c.end },
    { header: 'hashtags', value: (c) => c.hashtags.join(' ') },
    { header: 'kolCount', value: (c) => c.kolCount },
  ] satisfies CsvColumn<CampaignSummary>[],
  campaign: [
    { header: 'kolId', value: (k) => k.id },
    { header: 'name', value: (k) => k.name },
    { header: 'platforms', value: (k) => k.platforms.join(' ') },
  ] satisfies CsvColumn<CampaignDetail['kols'][number]>[],
  totals: (platform: string) =>
    [
      { header: 'day', value: (d) => d.day },
      { header: 'platform', value: () => platform },
      ...figureColumns<DailyFigures>(),
    ] satisfies CsvColumn<DailyFigures>[],
  series: (kolId: string, platform: string) =>
    [
      { header: 'kolId', value: () => kolId },
      { header: 'day', value: (d) => d.day },
      { header: 'platform', value: () => platform },
      ...figureColumns<DailyFigures>(),
    ] satisfies CsvColumn<DailyFigures>[],
  leaderboard: [
    { header: 'rank', value: (e) => e.rank },
    { header: 'kolId', value: (e) => e.kolId },
    { header: 'name', value: (e) => e.name },
    { header: 'platforms', value: (e) => e.platforms.join(' ') },
    ...figureColumns<LeaderboardEntry>(),
  ] satisfies CsvColumn<LeaderboardEntry>[],
  voices: [
    { header: 'rank', value: (e) => e.rank },
    { header: 'platform', value: (e) => e.platform },
    { header: 'handle', value: (e) => e.handle },
    ...figureColumns<VoiceEntry>(),
  ] satisfies CsvColumn<VoiceEntry>[],
};

const csvFilename = (parts: readonly (string | null | undefined)[]): string =>
  `${parts.filter((p): p is string => !!p).join('_')}.csv`;

/** Maps anything thrown while routing to a response; only unexpected errors are 500s, and they are logged. */
const errorResponse = (error: unknown, logger: Logger): Response => {
  if (error instanceof ApiError) return json(error.toBody(), error.status);
  if (error instanceof ParameterValidationError || error instanceof NotFoundError)
    return errorJson(404, { code: 'not_found', message: 'No such resource' });
  if (error instanceof MethodNotAllowedError)
    return errorJson(405, { code: 'method_not_allowed', message: 'Only GET is supported' });
  if (error instanceof URIError)
    return errorJson(400, { code: 'invalid_path', message: 'The path is not valid percent-encoding' });
  logger.error('Unexpected error while serving a report', error instanceof Error ? error : String(error));
  return errorJson(500, { code: 'internal_error', message: 'Internal error; it has been logged' });
};

// ---- Handler ---------------------------------------------------------------------------------------

const RANGE_PARAMS = ['from', 'to', 'platform', 'format'] as const;
const RANKING_PARAMS = [...RANGE_PARAMS, 'metric', 'limit', 'next'] as const;

export const createReportHandler = (deps: ReportDeps): ReportHandler => {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const reader = new RollupReader({
    doc: deps.doc,
    tableName: deps.rollupsTable,
    concurrency: deps.queryConcurrency,
  });
  const assets = deps.dashboardAssets ?? dashboardAssetLoader([]);
  const router = new Router({ logger });
  let openApi: string | undefined;

  const request = (req: Request, allowed: readonly string[]) => {
    const params = QueryParams.fromUrl(req.url);
    params.allowOnly(allowed);
    const format: Format = parseFormat(params, req.headers.get('accept'));
    return { params, format };
  };
  const rangeOf = (params: QueryParams, campaign: Campaign): DayRange =>
    parseRange(params, campaign, dayOf(now(), campaign.timeZone));

  router.get('/campaigns', ({ req }) => {
    const { format } = request(req, ['format']);
    const items = config.campaigns.map(campaignSummary);
    return format === 'csv' ? csv(toCsv(CSV_WRITERS.campaigns, items), 'campaigns.csv') : json({ items });
  });

  router.get('/campaigns/:campaignId', ({ req, params: path }) => {
    const { format } = request(req, ['format']);
    const detail = campaignDetail(findCampaign(config, path.campaignId ?? ''));
    return format === 'csv'
      ? csv(toCsv(CSV_WRITERS.campaign, detail.kols), csvFilename([detail.id, 'roster']))
      : json(detail);
  });

  router.get('/campaigns/:campaignId/totals', async ({ req, params: path }) => {
    const { params, format } = request(req, RANGE_PARAMS);
    const campaign = findCampaign(config, path.campaignId ?? '');
    const range = rangeOf(params, campaign);
    const platform = parsePlatform(params);
    const report = await totalsReport(reader, campaign, range, platform);
    if (format === 'json') return json(report);
    const scope = platform ?? 'all';
    return csv(
      toCsv(CSV_WRITERS.totals(scope), report.days),
      csvFilename([campaign.id, 'totals', platform, range.from, range.to]),
    );
  });

  router.get('/campaigns/:campaignId/kols/:kolId/series', async ({ req, params: path }) => {
    const { params, format } = request(req, RANGE_PARAMS);
    const campaign = findCampaign(config, path.campaignId ?? '');
    const kol = findKol(campaign, path.kolId ?? '');
    const range = rangeOf(params, campaign);
    const platform = parsePlatform(params);
    const report = await seriesReport(reader, campaign, kol, range, platform);
    if (format === 'json') return json(report);
    return csv(
      toCsv(CSV_WRITERS.series(kol.id, platform ?? 'all'), report.days),
      csvFilename([campaign.id, kol.id, 'series', platform, range.from, range.to]),
    );
  });

  const ranking = async <T>(
    kind: 'leaderboard' | 'voices',
    rank: (...args: Parameters<typeof rankKols>) => Promise<T[]>,
    columns: CsvColumn<T>[],
    req: Request,
    campaignId: string,
  ): Promise<Response> => {
    const { params, format } = request(req, RANKING_PARAMS);
    const campaign = findCampaign(config, campaignId);
    const range = rangeOf(params, campaign);
    const platform = parsePlatform(params);
    const metric = parseMetric(params);
    const limit = parseLimit(params);
    const binding: PageBinding = [kind, campaign.id, range.from, range.to, platform ?? '', metric];
    const offset = parsePageToken(params, binding);
    const ranked = await rank(reader, campaign, range, platform, metric);
    const items = ranked.slice(offset, offset + limit);
    const next = offset + limit < ranked.length ? encodePageToken(offset + limit, binding) : null;
    if (format === 'json')
      return json({
        campaignId: campaign.id,
        timeZone: campaign.timeZone,
        from: range.from,
        to: range.to,
        platform: platform ?? null,
        metric,
        total: ranked.length,
        next,
        items,
      });
    return csv(
      toCsv(columns, items),
      csvFilename([campaign.id, kind, platform, metric, range.from, range.to]),
      next ? { 'X-Next-Token': next } : {},
    );
  };

  router.get('/campaigns/:campaignId/leaderboard', ({ req, params: path }) =>
    ranking('leaderboard', rankKols, CSV_WRITERS.leaderboard, req, path.campaignId ?? ''),
  );
  router.get('/campaigns/:campaignId/voices', ({ req, params: path }) =>
    ranking('voices', rankVoices, CSV_WRITERS.voices, req, path.campaignId ?? ''),
  );

  router.get('/openapi.json', () => {
    openApi ??= openApiText();
    return new Response(openApi, {
      headers: { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8' },
    });
  });

  const PAGE_SECURITY = {
    ...COMMON_HEADERS,
    'Content-Security-Policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
  };

  router.get('/', async () => {
    const { html } = await assets();
    return new Response(html, {
      headers: { ...PAGE_SECURITY, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' },
    });
  });

  const ASSET_TYPES: Record<string, [keyof DashboardAssets, string]> = {
    [DASHBOARD_FILES.js]: ['js', 'text/javascript; charset=utf-8'],
    [DASHBOARD_FILES.css]: ['css', 'text/css; charset=utf-8'],
  };

  router.get('/dashboard/:asset', async ({ params: path }) => {
    const asset = path.asset ?? '';
    const known = Object.hasOwn(ASSET_TYPES, asset) ? ASSET_TYPES[asset] : undefined;
    if (!known) throw notFound('asset_not_found', `No dashboard asset "${asset}"`);
    const [kind, type] = known;
    return new Response((await assets())[kind], {
      headers: { ...PAGE_SECURITY, 'Content-Type': type, 'Cache-Control': 'public, max-age=300' },
    });
  });

  router.errorHandler(Error, async (error) => errorResponse(error, logger));

  return async (event, context) => {
    try {
      return await router.resolve(event, context);
    } catch (error) {
      // The router throws (rather than answering) only when it cannot even build a request from the event.
      logger.warn('Could not route the request', error instanceof Error ? error : String(error));
      const status = (error as Error).name === 'InvalidEventError' ? 500 : 400;
      return {
        statusCode: status,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({
          error:
            status === 500
              ? { code: 'internal_error', message: 'Internal error; it has been logged' }
              : { code: 'invalid_request', message: 'The request could not be read' },
        }),
      };
    }
  };
};
