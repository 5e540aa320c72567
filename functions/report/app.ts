import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from '@aws-lambda-powertools/event-handler/http';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type KolPulseConfig, loadConfigFile } from '../../shared/config';
import { optionalEnv, requireEnv } from '../../shared/env';
import { ENV } from '../../shared/topology';
import { budgetsResponse } from './budgets';
import { type DashboardAssets, dashboardAssetLoader } from './dashboard/build';
import { directRoutes } from './direct-response/app-routes';
import { type SigningSecrets, signingSecretsFromEnv } from './direct-response/secrets';
import { recentEvents, SpikeRecords } from './events-route';
import { RollupReader } from './queries';
import { errorResponse, unroutableResponse } from './responses';
import {
  campaignTotals,
  dashboardAsset,
  dashboardPage,
  kolLeaderboard,
  kolSeries,
  listCampaigns,
  openApiDocument,
  type Route,
  type RouteContext,
  showCampaign,
  voiceRanking,
} from './routes';

export interface ReportDeps {
  config: KolPulseConfig;
  doc: DynamoDBDocumentClient;
  rollupsTable: string;
  /** State table: `GET /budgets` reads the pollers' budget ledgers there (omitted: no such route). */
  stateTable?: string;
  logger: Logger;
  /** Clock for "today" in default date ranges. */
  now?: () => number;
  /** Dashboard page and assets; default: built assets next to the handler, else built in memory. */
  dashboardAssets?: () => Promise<DashboardAssets>;
  /** Day Queries in flight at once for leaderboards and voices. */
  queryConcurrency?: number;
  /** Per-campaign secrets that sign direct-response events; default none (ingest answers 503). */
  signingSecrets?: SigningSecrets;
  /** Wall clock for signature timestamps; default Date.now. */
  wallClock?: () => number;
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
  const stateTable = optionalEnv(env, ENV.stateTable);
  return {
    ...(stateTable ? { stateTable } : {}),
    config: loadConfigFile(campaignsFile),
    rollupsTable,
    doc: clients.doc,
    logger: clients.logger,
    dashboardAssets: dashboardAssetLoader([env[DASHBOARD_ASSETS_DIR_ENV], here && join(here, 'dashboard')]),
    signingSecrets: signingSecretsFromEnv(env),
  };
};

const ROUTES: [path: `/${string}`, route: Route][] = [
  ['/campaigns', listCampaigns],
  ['/campaigns/:campaignId', showCampaign],
  ['/campaigns/:campaignId/totals', campaignTotals],
  ['/campaigns/:campaignId/kols/:kolId/series', kolSeries],
  ['/campaigns/:campaignId/leaderboard', kolLeaderboard],
  ['/campaigns/:campaignId/voices', voiceRanking],
  ['/openapi.json', openApiDocument],
  ['/', dashboardPage],
  ['/dashboard/:asset', dashboardAsset],
];

export const createReportHandler = (deps: ReportDeps): ReportHandler => {
  const { logger } = deps;
  const ctx: RouteContext = {
    config: deps.config,
    reader: new RollupReader({
      doc: deps.doc,
      tableName: deps.rollupsTable,
      concurrency: deps.queryConcurrency,
    }),
    now: deps.now ?? Date.now,
    assets: deps.dashboardAssets ?? dashboardAssetLoader([]),
  };
  const router = new Router({ logger });
  const routes: typeof ROUTES = [
    ...ROUTES,
    ['/campaigns/:campaignId/events/recent', recentEvents(new SpikeRecords(deps.doc, deps.rollupsTable))],
  ];
  for (const [path, route] of routes) router.get(path, ({ req, params }) => route(ctx, req, params));
  const { stateTable } = deps;
  if (stateTable) router.get('/budgets', () => budgetsResponse(deps.doc, stateTable, deps.config));
  directRoutes(router, ctx, deps);
  router.errorHandler(Error, async (error) => errorResponse(error, logger));

  return async (event, context) => {
    try {
      return await router.resolve(event, context);
    } catch (error) {
      return unroutableResponse(error, logger);
    }
  };
};
