import { z } from 'zod';
import { EVENT_TYPES } from './events';

/** Response shapes of the direct-response routes (published in the OpenAPI document). */

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Count = z.int().nonnegative();

export const DIRECT_METRICS = [
  'clicks',
  'leads',
  'conversions',
  'sales',
  'revenue',
  'costPerConversion',
  'roi',
] as const;
export type DirectMetric = (typeof DIRECT_METRICS)[number];

export const DirectFiguresSchema = z.object({
  clicks: Count.describe('Click events'),
  leads: Count.describe('Lead events'),
  conversions: Count.describe('Conversion and sale events (a sale is a conversion with a value)'),
  sales: Count.describe('Sale events'),
  revenue: z
    .record(z.string(), z.number())
    .describe('Sale amounts per ISO 4217 currency, in major units; never summed across currencies'),
});

export const ReturnFiguresSchema = z.object({
  fee: z
    .object({ amount: z.number(), currency: z.string() })
    .nullable()
    .describe("The fee from the roster (kols[].fee); for a campaign, the sum of its KOLs' fees"),
  costPerConversion: z.number().nullable().describe('fee / conversions; null without a fee or conversions'),
  roi: z
    .number()
    .nullable()
    .describe('(revenue - fee) / fee in the fee currency, e.g. 1.5 = +150 %; null when unknown'),
  roiUnknownReason: z
    .enum(['no_fee', 'currency_mismatch', 'mixed_fee_currencies'])
    .nullable()
    .describe(
      'Why roi is null: no fee, revenue in another currency than the fee, or fees in several currencies',
    ),
});

export const DirectDaySchema = DirectFiguresSchema.extend({ day: Day });

const ScopeFields = {
  campaignId: z.string(),
  timeZone: z.string().describe('IANA time zone the days are counted in'),
  from: Day,
  to: Day,
};

export const DirectResponseSchema = z.object({
  ...ScopeFields,
  summary: DirectFiguresSchema.extend(ReturnFiguresSchema.shape).describe(
    'All events of the range; fee, costPerConversion and roi over the roster KOLs that have a fee',
  ),
  unattributed: DirectFiguresSchema.describe('Events whose tracking code matches no roster KOL'),
  days: z.array(DirectDaySchema).describe('Every day of the range (all events), zeros on quiet days'),
});
export type DirectResponse = z.infer<typeof DirectResponseSchema>;

export const DirectKolEntrySchema = DirectFiguresSchema.extend(ReturnFiguresSchema.shape).extend({
  rank: z.int().positive(),
  kolId: z.string(),
  name: z.string(),
  code: z.string().describe("The KOL's tracking code in this campaign"),
});
export type DirectKolEntry = z.infer<typeof DirectKolEntrySchema>;

export const DirectLeaderboardSchema = z.object({
  ...ScopeFields,
  metric: z.enum(DIRECT_METRICS),
  currency: z.string().nullable().describe('The revenue currency ranked by (metric=revenue)'),
  items: z.array(DirectKolEntrySchema),
});

export const DirectKolSeriesSchema = z.object({
  ...ScopeFields,
  kolId: z.string(),
  name: z.string(),
  code: z.string(),
  summary: DirectFiguresSchema.extend(ReturnFiguresSchema.shape),
  days: z.array(DirectDaySchema),
});
export type DirectKolSeries = z.infer<typeof DirectKolSeriesSchema>;

export const TrackedLinksSchema = z.object({
  campaignId: z.string(),
  landingUrls: z.array(z.string()),
  utm: z.object({ utm_source: z.string(), utm_medium: z.string(), utm_campaign: z.string() }),
  items: z.array(
    z.object({
      kolId: z.string(),
      name: z.string(),
      code: z.string().describe('utm_content of every link of this KOL'),
      links: z.array(z.object({ landingUrl: z.string(), url: z.string() })),
    }),
  ),
});
export type TrackedLinks = z.infer<typeof TrackedLinksSchema>;

export const EventsRequestSchemaDoc = z.object({
  events: z
    .array(
      z.object({
        id: z.string().describe('Idempotency key (1-256 characters): each id counts once per campaign'),
        type: z.enum(EVENT_TYPES),
        code: z.string().describe('Tracking code (utm_content); unknown codes count as unattributed'),
        time: z.string().describe('ISO 8601 date-time with offset or Z'),
        amount: z.union([z.string(), z.number()]).optional().describe('Sale only: major units, e.g. "49.90"'),
        currency: z.string().optional().describe('Sale only: ISO 4217 code'),
      }),
    )
    .min(1)
    .max(100),
});

export const EventsResultSchema = z.object({
  campaignId: z.string(),
  results: z.array(
    z.object({
      id: z.string(),
      outcome: z
        .enum(['applied', 'duplicate', 'conflict'])
        .describe(
          'applied: counted now; duplicate: already counted; conflict: the id was counted with other content',
        ),
    }),
  ),
});

export const DIRECT_SCHEMAS = {
  DirectFigures: DirectFiguresSchema,
  DirectResponse: DirectResponseSchema,
  DirectKolEntry: DirectKolEntrySchema,
  DirectLeaderboard: DirectLeaderboardSchema,
  DirectKolSeries: DirectKolSeriesSchema,
  TrackedLinks: TrackedLinksSchema,
  EventsRequest: EventsRequestSchemaDoc,
  EventsResult: EventsResultSchema,
} as const;
