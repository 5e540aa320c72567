import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BudgetSchema, budgetProblems } from './budget';
import { FeeSchema, LandingUrlsSchema, trackingCodeClashes } from './direct-response-config';
import { AlertsSchema } from './events/alerts';
import { hashtagProblem } from './hashtags';
import { type Platform, PlatformSchema } from './platform';
import { isValidDay, isValidTimeZone } from './time';

/** Ids that appear in DynamoDB keys and URLs: no '#', '/', spaces or case ambiguity. */
export const IdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'must be 1-64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit',
  );

const DaySchema = z.string().refine(isValidDay, 'must be a calendar date YYYY-MM-DD');

/** A YouTube channel id: "UC" and 22 base64url characters, as in youtube.com/channel/UC... */
const YOUTUBE_CHANNEL_ID = /^UC[A-Za-z0-9_-]{22}$/;
const YOUTUBE_CHANNEL_ID_HINT =
  'put the channel id here ("UC" and 22 more characters, as in youtube.com/channel/UC...): a YouTube handle is the channel title, which other channels may share';

export const AccountSchema = z
  .object({
    platform: PlatformSchema,
    /** Handle as the platform shows it (leading '@' optional). Mastodon: user@instance. YouTube: channel title. */
    handle: z.string().min(1).max(256),
    /**
     * Platform's stable user id; matched before the handle. Required on YouTube (the channel id), where the
     * handle is a channel title and not unique (docs/platforms.md, "Roster identity").
     */
    userId: z.string().min(1).max(256).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.platform !== 'youtube') return;
    if (a.userId === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['userId'],
        message: `required on YouTube: ${YOUTUBE_CHANNEL_ID_HINT}`,
      });
    else if (!YOUTUBE_CHANNEL_ID.test(a.userId))
      ctx.addIssue({
        code: 'custom',
        path: ['userId'],
        message: `not a channel id: ${YOUTUBE_CHANNEL_ID_HINT}`,
      });
  });
export type Account = z.infer<typeof AccountSchema>;

export const KolSchema = z.object({
  id: IdSchema,
  name: z.string().min(1).max(200),
  accounts: z.array(AccountSchema).min(1, 'a KOL needs at least one platform account'),
  /** What the campaign pays the KOL (for cost per conversion and ROI): docs/direct-response.md. */
  fee: FeeSchema.optional(),
});
export type Kol = z.infer<typeof KolSchema>;

export const CampaignSchema = z
  .object({
    id: IdSchema,
    name: z.string().min(1).max(200),
    hashtags: z.array(z.string().min(1).max(139)).min(1, 'a campaign needs at least one hashtag'),
    /** IANA time zone name that defines the campaign's calendar days. */
    timeZone: z
      .string()
      .default('UTC')
      .refine(isValidTimeZone, 'must be an IANA time zone name such as "Asia/Shanghai" or "UTC"'),
    /** First day of the campaign (inclusive), in the campaign's time zone. */
    start: DaySchema,
    /** Last day of the campaign (inclusive); omit for an open-ended campaign. */
    end: DaySchema.optional(),
    kols: z.array(KolSchema).default([]),
    /** Optional alerts: `spike` turns on hourly figures and SpikeDetected events (docs/events.md). */
    alerts: AlertsSchema.optional(),
    /** Landing pages the tracked links point at (docs/direct-response.md); omit for no links. */
    landingUrls: LandingUrlsSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.end && c.end < c.start)
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'must not be before start' });
    c.hashtags.forEach((tag, i) => {
      const problem = hashtagProblem(tag);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          path: ['hashtags', i],
          message: `hashtag ${JSON.stringify(tag)} of campaign "${c.id}" ${problem}`,
        });
    });
    const ids = new Set<string>();
    c.kols.forEach((k, i) => {
      if (ids.has(k.id))
        ctx.addIssue({ code: 'custom', path: ['kols', i, 'id'], message: `duplicate KOL id "${k.id}"` });
      ids.add(k.id);
    });
    const owners = new Map<string, string>();
    c.kols.forEach((k, i) => {
      k.accounts.forEach((a, j) => {
        const key = `${a.platform}:${normalizeHandle(a.handle)}`;
        const owner = owners.get(key);
        if (owner && owner !== k.id)
          ctx.addIssue({
            code: 'custom',
            path: ['kols', i, 'accounts', j, 'handle'],
            message: `account ${key} already belongs to KOL "${owner}"`,
          });
        owners.set(key, k.id);
      });
    });
    for (const clash of trackingCodeClashes(c.id, c.kols))
      ctx.addIssue({ code: 'custom', path: ['kols', clash.index, 'id'], message: clash.message });
  });
export type Campaign = z.infer<typeof CampaignSchema>;

const RateExpressionSchema = z
  .string()
  .regex(
    /^rate\((1 minute|[1-9]\d* minutes|1 hour|[1-9]\d* hours)\)$/,
    'must be a rate expression such as "rate(5 minutes)" or "rate(1 hour)"',
  );

/**
 * One layer of re-reads behind the cursor, for posts that surface late with an old id or timestamp: every
 * `everyMinutes`, the poller re-reads far enough back that a post which became visible up to `lateHours`
 * after it was published is observed within `everyMinutes` (plus one cycle).
 */
export const LateReadSchema = z.object({
  everyMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  /** Omit to cover the whole tracking window (`trackingDays` × 24). */
  lateHours: z
    .number()
    .int()
    .min(1)
    .max(90 * 24)
    .optional(),
});
export type LateRead = z.infer<typeof LateReadSchema>;

/**
 * Layers used when a platform's settings name none. YouTube has none: its 100 `search.list` calls a day are
 * spent by the regular searches. Instagram has none: `recent_media` spans 24 hours and is not in time order,
 * so every search reads all of it.
 */
export const DEFAULT_LATE_READS: Record<Platform, readonly LateRead[]> = {
  x: [{ everyMinutes: 60, lateHours: 24 }, { everyMinutes: 1440 }],
  mastodon: [{ everyMinutes: 60, lateHours: 24 }, { everyMinutes: 1440 }],
  bluesky: [{ everyMinutes: 60, lateHours: 24 }, { everyMinutes: 1440 }],
  reddit: [{ everyMinutes: 60, lateHours: 24 }, { everyMinutes: 1440 }],
  youtube: [],
  instagram: [],
};

/** The poll schedule a platform gets when the configuration names none. */
export const DEFAULT_POLL_SCHEDULE = 'rate(15 minutes)';

export const PlatformSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * How often the poller runs, as an EventBridge rate expression. The default, 15 minutes, keeps a
     * Next-Idea-scale campaign day within about $5 of AWS (docs/benchmarks.md, "Charts for choosing defaults");
     * 5 minutes triples the fresh reads and the bill.
     */
    schedule: RateExpressionSchema.default(DEFAULT_POLL_SCHEDULE),
    /** API base URL; defaults to the platform's public API. Point it at a local server for tests or the demo. */
    baseUrl: z.url().optional(),
    /** Days after publishing during which a post's counters keep being refreshed. */
    trackingDays: z.number().int().min(1).max(90).default(7),
    /** Minutes re-read behind the cursor each cycle, so late-indexed posts are not missed. */
    overlapMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(10),
    /** Upper bound on API requests per poll cycle, shared by all campaigns. */
    maxRequestsPerCycle: z.number().int().min(1).max(10_000).default(300),
    /** Deeper re-reads on a slower cadence than the overlap (default: `DEFAULT_LATE_READS`); `[]`: none. */
    lateReads: z.array(LateReadSchema).max(5).optional(),
    /** What the platform may cost (docs/platforms.md, "Budgets"); omitted: the published limits. */
    budget: BudgetSchema.optional(),
  })
  .superRefine((s, ctx) => {
    s.lateReads?.forEach((layer, i) => {
      if (layer.lateHours !== undefined && layer.lateHours > s.trackingDays * 24)
        ctx.addIssue({
          code: 'custom',
          path: ['lateReads', i, 'lateHours'],
          message: `must not exceed the tracking window, trackingDays × 24 = ${s.trackingDays * 24}: a post that surfaces after its tracking window is not tracked`,
        });
    });
  });
export type PlatformSettings = z.infer<typeof PlatformSettingsSchema>;

export const KolPulseConfigSchema = z
  .object({
    campaigns: z.array(CampaignSchema).min(1, 'configure at least one campaign'),
    platforms: z.partialRecord(PlatformSchema, PlatformSettingsSchema).default({}),
  })
  .superRefine((cfg, ctx) => {
    const ids = new Set<string>();
    cfg.campaigns.forEach((c, i) => {
      if (ids.has(c.id))
        ctx.addIssue({
          code: 'custom',
          path: ['campaigns', i, 'id'],
          message: `duplicate campaign id "${c.id}"`,
        });
      ids.add(c.id);
    });
    for (const [platform, settings] of Object.entries(cfg.platforms) as [Platform, PlatformSettings][])
      for (const [path, message] of settings.budget ? budgetProblems(platform, settings.budget) : [])
        ctx.addIssue({ code: 'custom', path: ['platforms', platform, 'budget', ...path], message });
  });
export type KolPulseConfig = z.infer<typeof KolPulseConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );

/** Formats zod issues as "field.path: message" lines, so the offending field is named. */
export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`).join('; ');

export const parseConfig = (input: unknown, source = 'configuration'): KolPulseConfig => {
  const result = KolPulseConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`Invalid ${source}: ${describeIssues(result.error)}`);
  return result.data;
};

export const loadConfigFile = (path: string): KolPulseConfig => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read campaign configuration ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`Campaign configuration ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseConfig(json, `campaign configuration ${path}`);
};

/** Handles compare case-insensitively, without a leading '@'. */
export const normalizeHandle = (handle: string): string =>
  handle.normalize('NFKC').replace(/^@/, '').toLowerCase();

/** Settings for every enabled platform, with defaults filled in. */
export const enabledPlatforms = (cfg: KolPulseConfig): [Platform, PlatformSettings][] =>
  (Object.entries(cfg.platforms) as [Platform, PlatformSettings][]).filter(([, s]) => s.enabled);
