import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS } from '../../../shared/signature';
import { MAX_RANGE_DAYS } from '../params';
import { MAX_EVENTS_BODY_BYTES } from './ingest';
import { DIRECT_METRICS, type DIRECT_SCHEMAS } from './schemas';

/** The direct-response part of the OpenAPI document (functions/report/openapi.ts merges it in). */

type Json = Record<string, unknown>;
const ref = (name: keyof typeof DIRECT_SCHEMAS | 'ErrorResponse') => ({
  $ref: `#/components/schemas/${name}`,
});

const path = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const query = (name: string, description: string, schema: Json) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const campaignId = path('campaignId', 'Campaign id from the configuration');
const RANGE = [
  query('from', `First day (inclusive, campaign time zone); at most ${MAX_RANGE_DAYS} days per request`, {
    type: 'string',
    format: 'date',
  }),
  query('to', 'Last day (inclusive, campaign time zone)', { type: 'string', format: 'date' }),
  query('format', 'json (default) or csv; `Accept: text/csv` also selects CSV', {
    type: 'string',
    enum: ['json', 'csv'],
  }),
];
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('ErrorResponse') } },
});

const get = (
  operationId: string,
  summary: string,
  schema: keyof typeof DIRECT_SCHEMAS,
  csvColumns: string,
  parameters: Json[],
) => ({
  get: {
    operationId,
    summary,
    parameters,
    responses: {
      200: {
        description: 'OK',
        content: {
          'application/json': { schema: ref(schema) },
          'text/csv': {
            schema: { type: 'string' },
            description: `Columns: ${csvColumns}. revenue reads "EUR 120.5; USD 30".`,
          },
        },
      },
      400: error('Bad input: the error names the parameter'),
      404: error('Unknown campaign or KOL'),
    },
  },
});

const FIGURES = 'clicks, leads, conversions, sales, revenue';

export const directResponsePaths = (): Record<string, Json> => ({
  '/campaigns/{campaignId}/links': get(
    'getTrackedLinks',
    'Tracking code and UTM-tagged landing links of every roster KOL',
    'TrackedLinks',
    'kolId, name, code, landingUrl, url',
    [campaignId, RANGE[2] as Json],
  ),
  '/campaigns/{campaignId}/direct-response': get(
    'getDirectResponse',
    "A campaign's direct-response figures per day, with ROI over the range",
    'DirectResponse',
    `kolId (empty), day, ${FIGURES}`,
    [campaignId, ...RANGE],
  ),
  '/campaigns/{campaignId}/direct-response/kols': get(
    'getDirectResponseLeaderboard',
    'Roster KOLs ranked by a direct-response metric over the range',
    'DirectLeaderboard',
    `rank, kolId, name, code, ${FIGURES}, fee, costPerConversion, roi, roiUnknownReason`,
    [
      campaignId,
      ...RANGE,
      query(
        'metric',
        'Ranking metric (default conversions): descending, costPerConversion ascending, unknown last',
        { type: 'string', enum: [...DIRECT_METRICS] },
      ),
      query('currency', 'Revenue currency to rank by (required with metric=revenue)', { type: 'string' }),
    ],
  ),
  '/campaigns/{campaignId}/kols/{kolId}/direct-response': get(
    'getKolDirectResponse',
    "One KOL's direct-response figures per day, with cost per conversion and ROI over the range",
    'DirectKolSeries',
    `kolId, day, ${FIGURES}`,
    [campaignId, path('kolId', 'KOL id from the campaign roster'), ...RANGE],
  ),
  '/campaigns/{campaignId}/events': {
    post: {
      operationId: 'postDirectResponseEvents',
      summary:
        'Signed click, lead, conversion and sale events from a shop or CRM webhook (each event id counts once)',
      description: `No IAM auth: the body is signed. Header ${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(campaign secret, "<t>.<raw body>")>; timestamps more than ${SIGNATURE_TOLERANCE_SECONDS} s from the server clock are refused. The signature is checked before the body is parsed. See docs/direct-response.md.`,
      security: [],
      parameters: [
        campaignId,
        { name: SIGNATURE_HEADER, in: 'header', required: true, schema: { type: 'string' } },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: ref('EventsRequest') } } },
      responses: {
        200: {
          description: 'Every event recorded (or recognised as already counted)',
          content: { 'application/json': { schema: ref('EventsResult') } },
        },
        400: error(
          'Malformed body or event: the error names the field, e.g. events[2].amount; nothing is applied',
        ),
        401: error('Missing, wrong or stale signature; nothing is read or applied'),
        404: error('Unknown campaign'),
        413: error(`Body over ${MAX_EVENTS_BODY_BYTES} bytes`),
        503: error('No signing secret is configured for the campaign'),
      },
    },
  },
});
