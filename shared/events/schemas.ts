import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PlatformSchema } from '../platform';

/**
 * The campaign events KOL Pulse publishes (docs/events.md): one zod schema per `detail-type`, the source of
 * the JSON Schemas in docs/events/*.schema.json (`npx tsx scripts/event-schemas.ts` writes them; a unit test
 * fails when they drift). Every detail carries a deterministic `eventId`: delivery is at least once, and a
 * consumer drops an `eventId` it has seen.
 */
export const EVENT_SOURCE = 'kol-pulse';
export const EVENT_VERSION = 1;

const DaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day YYYY-MM-DD');
/** The start of a UTC hour, `2026-11-30T14:00:00Z`. */
export const HourSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/, 'must be a UTC hour start');
const EventIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/);

const base = {
  /** Deterministic: the same fact always gets the same id, so consumers de-duplicate on it. */
  eventId: EventIdSchema,
  version: z.literal(EVENT_VERSION),
  stage: z.string().min(1),
  /** When the publisher saw the fact (ISO instant); not part of the id. */
  emittedAt: z.iso.datetime(),
};

const FiguresSchema = z.strictObject({
  mentions: z.number().int(),
  likes: z.number().int(),
  shares: z.number().int(),
  comments: z.number().int(),
  /** null: every platform of the KOL's day hides views (unknown, never 0). */
  views: z.number().int().nullable(),
  engagement: z.number().int(),
});

export const KolDayChangedSchema = z
  .strictObject({
    ...base,
    campaignId: z.string(),
    kolId: z.string(),
    day: DaySchema,
    /** The KOL's figures for that day, all platforms, after the batch that changed them. */
    figures: FiguresSchema,
  })
  .meta({
    title: 'KolDayFiguresChanged',
    description: "A KOL's daily figures changed (coalesced per batch).",
  });

export const SpikeScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('campaign') }),
  z.strictObject({ kind: z.literal('kol'), kolId: z.string() }),
  z.strictObject({
    kind: z.literal('voice'),
    platform: PlatformSchema,
    userId: z.string(),
    handle: z.string(),
  }),
]);
export type SpikeScope = z.infer<typeof SpikeScopeSchema>;

export const SPIKE_METRICS = ['mentions', 'engagement'] as const;
export const SpikeMetricSchema = z.enum(SPIKE_METRICS);
export type SpikeMetric = z.infer<typeof SpikeMetricSchema>;

export const SpikeSchema = z
  .strictObject({
    ...base,
    campaignId: z.string(),
    scope: SpikeScopeSchema,
    metric: SpikeMetricSchema,
    /** The UTC hour whose figure spiked. */
    hour: HourSchema,
    value: z.number(),
    /** Mean per hour over the `baselineHours` before `hour`. */
    baseline: z.number(),
    factor: z.number(),
    minCount: z.number().int(),
    baselineHours: z.number().int(),
  })
  .meta({
    title: 'SpikeDetected',
    description: "A KOL's, a voice's or the campaign's hourly figure above factor × its trailing baseline.",
  });

export const BudgetNearlySpentSchema = z
  .strictObject({
    ...base,
    platform: PlatformSchema,
    /** Which budget: e.g. `requests-per-cycle`, `x-post-reads-month`, `youtube-units-day`. */
    budget: z.string().min(1),
    /** The budget's period, e.g. `2026-11` or `2026-11-30`. */
    period: z.string().min(1),
    used: z.number().nonnegative(),
    limit: z.number().positive(),
    /** used / limit when the event fired. */
    ratio: z.number().nonnegative(),
    /** The share of the budget at which the event fires. */
    threshold: z.number().positive().max(1),
  })
  .meta({ title: 'BudgetNearlySpent', description: 'A platform budget crossed its warning share.' });

export const PollerBehindSchema = z
  .strictObject({
    ...base,
    platform: PlatformSchema,
    pollId: z.string(),
    /** Why the cycle is behind: it stopped before finishing, or searches were left to resume. */
    stoppedReason: z.string(),
    searchesResumable: z.number().int().nonnegative(),
    lateReadsResumable: z.number().int().nonnegative(),
    failures: z.number().int().nonnegative(),
  })
  .meta({ title: 'PollerFallingBehind', description: 'A poll cycle ended with work left for later cycles.' });

/** detail-type → detail schema: the documented event catalogue. */
export const EVENT_SCHEMAS = {
  KolDayFiguresChanged: KolDayChangedSchema,
  SpikeDetected: SpikeSchema,
  BudgetNearlySpent: BudgetNearlySpentSchema,
  PollerFallingBehind: PollerBehindSchema,
} as const;
export type DetailType = keyof typeof EVENT_SCHEMAS;
export const DETAIL_TYPES = Object.keys(EVENT_SCHEMAS) as DetailType[];

export type EventDetail<T extends DetailType> = z.infer<(typeof EVENT_SCHEMAS)[T]>;
export type CampaignEvent = {
  [T in DetailType]: { detailType: T; detail: EventDetail<T> };
}[DetailType];

/** A deterministic event id: 128 bits of SHA-256 over the parts that identify the fact. */
export const eventIdOf = (...parts: readonly (string | number)[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest().subarray(0, 16).toString('base64url');

/** Validates a detail against its type's schema (publishers call it, so no malformed event leaves). */
export const parseEvent = (event: { detailType: string; detail: unknown }): CampaignEvent => {
  const schema = EVENT_SCHEMAS[event.detailType as DetailType];
  if (!schema) throw new Error(`unknown event detail-type "${event.detailType}"`);
  return { detailType: event.detailType, detail: schema.parse(event.detail) } as CampaignEvent;
};

/** The JSON Schema of one detail type, as written to docs/events/<detail-type>.schema.json. */
export const jsonSchemaOf = (detailType: DetailType): Record<string, unknown> => ({
  $id: `https://github.com/kol-pulse/kol-pulse/docs/events/${detailType}.schema.json`,
  ...z.toJSONSchema(EVENT_SCHEMAS[detailType], { target: 'draft-2020-12' }),
});
