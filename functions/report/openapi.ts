import { z } from 'zod';
import { METRICS } from '../../shared/metrics';
import { PLATFORMS } from '../../shared/platform';
import { directResponsePaths } from './direct-response/openapi';
import { DIRECT_SCHEMAS } from './direct-response/schemas';
import {
  DEFAULT_LIMIT,
  DEFAULT_METRIC,
  DEFAULT_RANGE_DAYS,
  FORMATS,
  MAX_LIMIT,
  MAX_RANGE_DAYS,
} from './params';
import { NAMED_SCHEMAS } from './schemas';

/** The OpenAPI 3.1 document, generated from the same zod schemas the handlers' responses are typed by. */

type JsonObject = { [key: string]: unknown };
type NamedSchema = keyof typeof NAMED_SCHEMAS;

const ref = (name: NamedSchema) => ({ $ref: `#/components/schemas/${name}` });

/** Every published schema: the report's and direct response's (direct-response/schemas.ts). */
const ALL_SCHEMAS = { ...NAMED_SCHEMAS, ...DIRECT_SCHEMAS };

const componentSchemas = (): Record<string, JsonObject> => {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(ALL_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Components live inside one document: drop the per-schema $schema/$id that a standalone schema carries.
  return Object.fromEntries(
    Object.keys(ALL_SCHEMAS).map((id) => {
      const { $schema: _s, $id: _i, ...rest } = (schemas[id] ?? {}) as JsonObject;
      return [id, rest];
    }),
  );
};

const paramSchema = (schema: z.ZodType): JsonObject => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as JsonObject;
  return rest;
};

const DayParam = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

const QUERY_PARAMETERS = {
  from: {
    schema: DayParam,
    description: `First day (inclusive, YYYY-MM-DD, campaign time zone). Default: the campaign start, or ${DEFAULT_RANGE_DAYS} days before "to" if later. At most ${MAX_RANGE_DAYS} days per request.`,
  },
  to: {
    schema: DayParam,
    description:
      'Last day (inclusive, YYYY-MM-DD, campaign time zone). Default: the earlier of the campaign end and today (not before "from").',
  },
  platform: { schema: z.enum(PLATFORMS), description: 'Only this platform; default all platforms summed.' },
  metric: {
    schema: z.enum(METRICS).default(DEFAULT_METRIC),
    description: 'Ranking metric, descending; ties by id. Unknown views, reach or engagementRate rank last.',
  },
  limit: { schema: z.int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT), description: 'Page size.' },
  next: {
    schema: z.string(),
    description: 'Continuation token from the previous page of the same query (opaque).',
  },
  format: {
    schema: z.enum(FORMATS).default('json'),
    description: 'Response format; `Accept: text/csv` also selects CSV.',
  },
} as const;
type QueryParameter = keyof typeof QUERY_PARAMETERS;

const queryParameter = (name: QueryParameter) => ({
  name,
  in: 'query',
  required: false,
  description: QUERY_PARAMETERS[name].description,
  schema: paramSchema(QUERY_PARAMETERS[name].schema),
});

const pathParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('ErrorResponse') } },
});

const csvContent = (columns: string) => ({
  'text/csv': {
    schema: { type: 'string' },
    description: `Header row then one row per item; columns: ${columns}. Unknown views, reach and engagementRate are empty.`,
  },
});

interface OperationSpec {
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  pathParameters?: ReturnType<typeof pathParameter>[];
  query: QueryParameter[];
  schema: NamedSchema;
  csvColumns?: string;
  paged?: boolean;
}

const FIGURE_COLUMNS =
  'mentions, likes, shares, comments, views, engagement, reach, reachEngagement, engagementRate';
const campaignIdParam = pathParameter('campaignId', 'Campaign id from the configuration');

/** Stable CSV column orders; the handlers' CSV writers use the same lists (see app.ts). */
export const CSV_COLUMNS = {
  campaigns: 'id, name, timeZone, start, end, hashtags, kolCount',
  campaign: 'kolId, name, platforms',
  totals: `day, platform, ${FIGURE_COLUMNS}`,
  series: `kolId, day, platform, ${FIGURE_COLUMNS}`,
  leaderboard: `rank, kolId, name, platforms, ${FIGURE_COLUMNS}`,
  voices: `rank, platform, handle, userId, ${FIGURE_COLUMNS}`,
  events: 'hour, day, scope, metric, value, baseline, factor, eventId',
} as const;

const OPERATIONS: OperationSpec[] = [
  {
    path: '/campaigns',
    operationId: 'listCampaigns',
    summary: 'Configured campaigns',
    query: ['format'],
    schema: 'CampaignsResponse',
    csvColumns: CSV_COLUMNS.campaigns,
  },
  {
    path: '/campaigns/{campaignId}',
    operationId: 'getCampaign',
    summary: "One campaign's configuration summary and KOL roster",
    pathParameters: [campaignIdParam],
    query: ['format'],
    schema: 'CampaignDetail',
    csvColumns: CSV_COLUMNS.campaign,
  },
  {
    path: '/campaigns/{campaignId}/totals',
    operationId: 'getCampaignTotals',
    summary: "A campaign's daily totals (roster KOLs and discovered voices)",
    pathParameters: [campaignIdParam],
    query: ['from', 'to', 'platform', 'format'],
    schema: 'TotalsResponse',
    csvColumns: CSV_COLUMNS.totals,
  },
  {
    path: '/campaigns/{campaignId}/kols/{kolId}/series',
    operationId: 'getKolSeries',
    summary: "One KOL's daily series, all platforms summed (or one platform), with a per-platform breakdown",
    pathParameters: [campaignIdParam, pathParameter('kolId', 'KOL id from the campaign roster')],
    query: ['from', 'to', 'platform', 'format'],
    schema: 'SeriesResponse',
    csvColumns: CSV_COLUMNS.series,
  },
  {
    path: '/campaigns/{campaignId}/leaderboard',
    operationId: 'getLeaderboard',
    summary: 'Roster KOLs over the range, ranked by a metric',
    pathParameters: [campaignIdParam],
    query: ['from', 'to', 'platform', 'metric', 'limit', 'next', 'format'],
    schema: 'LeaderboardResponse',
    csvColumns: CSV_COLUMNS.leaderboard,
    paged: true,
  },
  {
    path: '/campaigns/{campaignId}/voices',
    operationId: 'getDiscoveredVoices',
    summary: 'Discovered voices (authors outside the roster) over the range, ranked by a metric',
    pathParameters: [campaignIdParam],
    query: ['from', 'to', 'platform', 'metric', 'limit', 'next', 'format'],
    schema: 'VoicesResponse',
    csvColumns: CSV_COLUMNS.voices,
    paged: true,
  },
  {
    path: '/campaigns/{campaignId}/events/recent',
    operationId: 'getRecentEvents',
    summary: "A campaign's latest spikes (SpikeDetected events, docs/events.md), newest hour first",
    pathParameters: [campaignIdParam],
    query: ['limit', 'format'],
    schema: 'RecentEventsResponse',
    csvColumns: CSV_COLUMNS.events,
  },
];

/** Rollup responses, which say when their figures were last observed. */
const OBSERVED_SCHEMAS: ReadonlySet<string> = new Set([
  'TotalsResponse',
  'SeriesResponse',
  'LeaderboardResponse',
  'VoicesResponse',
]);

const operation = (op: OperationSpec) => ({
  operationId: op.operationId,
  summary: op.summary,
  parameters: [...(op.pathParameters ?? []), ...op.query.map(queryParameter)],
  responses: {
    200: {
      description: 'OK',
      headers: {
        ...(OBSERVED_SCHEMAS.has(op.schema)
          ? {
              'X-Last-Observed-At': {
                description: 'When the figures were last observed (CSV responses; JSON: `observed`)',
                schema: { type: 'string', format: 'date-time' },
              },
            }
          : {}),
        ...(op.paged
          ? {
              'X-Next-Token': {
                description: 'Continuation token for the next page (CSV responses); absent on the last page',
                schema: { type: 'string' },
              },
            }
          : {}),
      },
      content: {
        'application/json': { schema: ref(op.schema) },
        ...(op.csvColumns ? csvContent(op.csvColumns) : {}),
      },
    },
    400: errorResponse('Bad input: the error names the parameter and what it allows'),
    ...(op.pathParameters ? { 404: errorResponse('Unknown campaign or KOL') } : {}),
    500: errorResponse('Unexpected error (details are logged, never returned)'),
  },
});

export const buildOpenApiDocument = (): JsonObject => ({
  openapi: '3.1.0',
  info: {
    title: 'KOL Pulse reporting API',
    version: '1.0.0',
    description:
      'Per-KOL daily rollups for KOL campaigns. Days are calendar days in the campaign time zone; likes, shares, comments and views are net increases observed that day, mentions are posts published that day, engagement = likes + shares + comments, reach = the follower counts (when first seen) of the authors of the posts mentioned that day, engagementRate = engagement / reach over the posts with a known follower count (a ratio of sums over the range). In AWS every route requires IAM (SigV4) authentication; the local twin serves it without authentication on 127.0.0.1 only.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  security: [{ sigv4: [] }],
  paths: {
    ...Object.fromEntries(OPERATIONS.map((op) => [op.path, { get: operation(op) }])),
    ...directResponsePaths(),
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        responses: {
          200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
    '/': {
      get: {
        operationId: 'getDashboard',
        summary: 'Dashboard page (charts of the same data)',
        responses: { 200: { description: 'OK', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    '/dashboard/{asset}': {
      get: {
        operationId: 'getDashboardAsset',
        summary: 'Bundled dashboard script and style sheet',
        parameters: [pathParameter('asset', 'Asset file name')],
        responses: {
          200: { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } },
          404: errorResponse('Unknown asset'),
        },
      },
    },
  },
  components: {
    schemas: componentSchemas(),
    securitySchemes: {
      sigv4: {
        type: 'apiKey',
        name: 'Authorization',
        in: 'header',
        description: 'AWS Signature Version 4 (API Gateway IAM authorization)',
      },
    },
  },
});

/** The committed docs/openapi.json text: stable key order, two-space indent, trailing newline. */
export const openApiText = (): string => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
