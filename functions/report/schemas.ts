import { z } from 'zod';
import { SpikeSchema } from '../../shared/events/schemas';
import { METRICS } from '../../shared/metrics';
import { PlatformSchema } from '../../shared/platform';

/**
 * Response shapes of the reporting API. The OpenAPI document is generated from these schemas and the
 * integration tests parse every response with them, so the published contract cannot drift from the code.
 */

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Count = z.int();

export const FiguresSchema = z.object({
  mentions: Count.describe('Distinct posts carrying a campaign hashtag, published in the period'),
  likes: Count.describe('Net increase of likes observed in the period (can be negative)'),
  shares: Count.describe('Net increase of shares/reposts/reblogs observed in the period'),
  comments: Count.describe('Net increase of comments/replies observed in the period'),
  views: Count.nullable().describe('Net increase of views; null when no platform reported views'),
  engagement: Count.describe('likes + shares + comments'),
  reach: Count.nullable().describe(
    "Sum of the follower counts (when first seen) of the authors of the period's mentions; null when no platform gave one",
  ),
  reachEngagement: Count.describe(
    'Engagement (likes + shares + comments) of the posts whose author follower count is known: the numerator of engagementRate',
  ),
  engagementRate: z
    .number()
    .nullable()
    .describe('reachEngagement / reach over the period (a ratio of sums); null when reach is unknown or 0'),
});
export type ReportFigures = z.infer<typeof FiguresSchema>;

export const PlatformBreakdownSchema = z
  .partialRecord(PlatformSchema, FiguresSchema)
  .describe('Figures per platform; platforms without activity are absent');

export const DailyFiguresSchema = FiguresSchema.extend({
  day: Day,
  platforms: PlatformBreakdownSchema,
});
export type DailyFigures = z.infer<typeof DailyFiguresSchema>;

const ScopeFields = {
  campaignId: z.string(),
  timeZone: z.string().describe('IANA time zone the days are counted in'),
  from: Day.describe('First day (inclusive)'),
  to: Day.describe('Last day (inclusive)'),
  platform: PlatformSchema.nullable().describe('The platform filter; null for all platforms summed'),
};

export const ObservedSchema = z
  .object({
    lastObservedAt: z.iso
      .datetime()
      .nullable()
      .describe('The latest observation time among the platforms in scope; null before any was applied'),
    platforms: z
      .record(z.string(), z.iso.datetime())
      .describe('Per platform: the latest observation time the figures include'),
  })
  .describe(
    'When these figures were last observed (docs/data-model.md, "Freshness"); CSV: the X-Last-Observed-At header',
  );
export type Observed = z.infer<typeof ObservedSchema>;

/** Every rollup response says when its figures were last observed. */
const ObservedFields = { observed: ObservedSchema };

export const TotalsResponseSchema = z.object({
  ...ScopeFields,
  ...ObservedFields,
  summary: FiguresSchema.describe('Sum over the range'),
  days: z.array(DailyFiguresSchema).describe('Every day of the range, zeros on days without activity'),
});
export type TotalsResponse = z.infer<typeof TotalsResponseSchema>;

export const SeriesResponseSchema = z.object({
  ...ScopeFields,
  ...ObservedFields,
  kolId: z.string(),
  name: z.string(),
  summary: FiguresSchema,
  days: z.array(DailyFiguresSchema),
});
export type SeriesResponse = z.infer<typeof SeriesResponseSchema>;

const PageFields = {
  ...ScopeFields,
  ...ObservedFields,
  metric: z.enum(METRICS).describe('Ranking metric (descending)'),
  total: z.int().nonnegative().describe('Number of ranked entries across all pages'),
  next: z.string().nullable().describe('Continuation token for the next page; null on the last page'),
};

export const LeaderboardEntrySchema = FiguresSchema.extend({
  rank: z.int().positive(),
  kolId: z.string(),
  name: z.string(),
  platforms: z.array(PlatformSchema).describe('Platforms the KOL has accounts on'),
});
export type LeaderboardEntry = z.infer<typeof LeaderboardEntrySchema>;

export const LeaderboardResponseSchema = z.object({ ...PageFields, items: z.array(LeaderboardEntrySchema) });
export type LeaderboardResponse = z.infer<typeof LeaderboardResponseSchema>;

export const VoiceEntrySchema = FiguresSchema.extend({
  rank: z.int().positive(),
  platform: PlatformSchema,
  handle: z.string(),
  userId: z
    .string()
    .nullable()
    .describe(
      "The platform's user id (what a roster account's userId takes); null only for ids over 256 bytes",
    ),
});
export type VoiceEntry = z.infer<typeof VoiceEntrySchema>;

export const VoicesResponseSchema = z.object({ ...PageFields, items: z.array(VoiceEntrySchema) });
export type VoicesResponse = z.infer<typeof VoicesResponseSchema>;

export const CampaignSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  hashtags: z.array(z.string()),
  timeZone: z.string(),
  start: Day,
  end: Day.nullable().describe('null for an open-ended campaign'),
  kolCount: z.int().nonnegative(),
});
export type CampaignSummary = z.infer<typeof CampaignSummarySchema>;

export const CampaignsResponseSchema = z.object({ items: z.array(CampaignSummarySchema) });
export type CampaignsResponse = z.infer<typeof CampaignsResponseSchema>;

export const RosterEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  platforms: z.array(PlatformSchema),
});

export const CampaignDetailSchema = CampaignSummarySchema.extend({ kols: z.array(RosterEntrySchema) });
export type CampaignDetail = z.infer<typeof CampaignDetailSchema>;

export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.string().describe('Machine-readable error code, e.g. invalid_metric'),
    message: z.string(),
    parameter: z.string().optional().describe('The query parameter that was wrong'),
    allowed: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('What the parameter accepts'),
  }),
});

/** A recent spike (docs/events.md): the SpikeDetected detail and `day`, the campaign day of its hour. */
export const RecentEventSchema = SpikeSchema.extend({ day: z.string() });
export type RecentEvent = z.infer<typeof RecentEventSchema>;
export const RecentEventsResponseSchema = z.object({
  campaignId: z.string(),
  timeZone: z.string(),
  items: z.array(RecentEventSchema),
});
export type RecentEventsResponse = z.infer<typeof RecentEventsResponseSchema>;

/** Named schemas published under components.schemas, in this order. */
export const NAMED_SCHEMAS = {
  Figures: FiguresSchema,
  Observed: ObservedSchema,
  DailyFigures: DailyFiguresSchema,
  TotalsResponse: TotalsResponseSchema,
  SeriesResponse: SeriesResponseSchema,
  LeaderboardEntry: LeaderboardEntrySchema,
  LeaderboardResponse: LeaderboardResponseSchema,
  VoiceEntry: VoiceEntrySchema,
  VoicesResponse: VoicesResponseSchema,
  CampaignSummary: CampaignSummarySchema,
  CampaignsResponse: CampaignsResponseSchema,
  RosterEntry: RosterEntrySchema,
  CampaignDetail: CampaignDetailSchema,
  ErrorResponse: ErrorResponseSchema,
  RecentEventsResponse: RecentEventsResponseSchema,
} as const;
