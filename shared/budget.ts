import { z } from 'zod';
import type { Platform } from './platform';
import { addDays, dayOf, startOfDay } from './time';

/**
 * What a platform lets KOL Pulse spend, and what the user allows (docs/platforms.md, "Budgets"). The
 * defaults are the platforms' published limits; `platforms.<p>.budget` in the configuration narrows them.
 *
 * A budget is a set of quotas. Each quota counts one unit (calls, quota units or post reads) over one period
 * (an hour, a day or a month in a time zone) and says what each poller operation costs in it: a search page,
 * a refresh (lookup) request, or one post read (X charges per post, once per post per UTC day).
 */

export const BUDGET_OPERATIONS = ['search', 'lookup', 'read'] as const;
export type BudgetOperation = (typeof BUDGET_OPERATIONS)[number];
export type QuotaPeriod = 'hour' | 'day' | 'month';

export interface Quota {
  /** Name in the configuration and the ledger (`platforms.<p>.budget.quotas.<name>`). */
  name: string;
  limit: number;
  period: QuotaPeriod;
  /** Zone whose calendar the period follows (YouTube: America/Los_Angeles). */
  timeZone: string;
  unit: 'calls' | 'units' | 'reads' | 'requests';
  /** Cost of one operation; an operation that does not draw on this quota is absent. */
  costs: Partial<Record<BudgetOperation, number>>;
  /** Where the figure comes from, for `npm run plan` and the docs. */
  source: string;
}

/** A request window the platform enforces with its own headers and 429s; the gate honours those. */
export interface RequestWindow {
  requests: number;
  seconds: number;
  scope: string;
}

export interface ResolvedBudget {
  platform: Platform;
  quotas: Quota[];
  windows: RequestWindow[];
  /** X: USD per post read, charged once per post per UTC day. */
  usdPerRead?: number;
}

const QuotaOverrideSchema = z.strictObject({ limit: z.number().int().min(0).max(1e12) });

/** `platforms.<p>.budget`: every field optional; omitted ones keep the platform's published limits. */
export const BudgetSchema = z.strictObject({
  /** Spend ceiling in USD a calendar month (UTC); only for platforms that charge per read (X). */
  usdPerMonth: z.number().min(0).max(1e7).optional(),
  /** A cap on API requests per hour that works for every platform. */
  requestsPerHour: z.number().int().min(1).max(1e7).optional(),
  /** Overrides of the published quota limits by name (a raised YouTube quota, a plan's read cap). */
  quotas: z.record(z.string(), QuotaOverrideSchema).optional(),
});
export type BudgetSettings = z.infer<typeof BudgetSchema>;

const YT_QUOTA_DOC = 'https://developers.google.com/youtube/v3/determine_quota_cost';
const X_BILLING_DOC = 'https://docs.x.com/x-api/fundamentals/post-cap';

/** The published limits of each platform (docs/platforms.md, "Budgets", cites each one). */
export const DEFAULT_BUDGETS: Record<Platform, Omit<ResolvedBudget, 'platform'>> = {
  youtube: {
    quotas: [
      {
        name: 'search',
        limit: 100,
        period: 'day',
        timeZone: 'America/Los_Angeles',
        unit: 'calls',
        costs: { search: 1 },
        source: `${YT_QUOTA_DOC}: search.list has its own bucket, 100 calls a day, reset at midnight PT`,
      },
      {
        name: 'units',
        limit: 10_000,
        period: 'day',
        timeZone: 'America/Los_Angeles',
        unit: 'units',
        // A search page is hydrated with one videos.list call; a refresh is one videos.list call.
        costs: { search: 1, lookup: 1 },
        source: `${YT_QUOTA_DOC}: 10,000 units a day for all other methods, videos.list costs 1`,
      },
    ],
    windows: [],
  },
  x: {
    quotas: [
      {
        name: 'reads',
        limit: 2_000_000,
        period: 'month',
        timeZone: 'UTC',
        unit: 'reads',
        costs: { read: 1 },
        source: `${X_BILLING_DOC}: pay-per-use plans are capped at 2 million post reads a month`,
      },
    ],
    windows: [],
    usdPerRead: 0.005,
  },
  instagram: {
    quotas: [],
    // 30 unique hashtags per rolling 7 days is enforced on the queries (functions/poll/hashtag-quota.ts).
    windows: [],
  },
  reddit: { quotas: [], windows: [{ requests: 100, seconds: 60, scope: 'OAuth client' }] },
  bluesky: {
    quotas: [],
    windows: [
      { requests: 3_000, seconds: 300, scope: 'IP' },
      { requests: 30, seconds: 300, scope: 'createSession' },
      { requests: 300, seconds: 86_400, scope: 'createSession' },
    ],
  },
  mastodon: { quotas: [], windows: [{ requests: 300, seconds: 300, scope: 'account' }] },
};

/** Instagram: unique hashtags one business account may query per rolling 7 days. */
export const INSTAGRAM_HASHTAGS_PER_7_DAYS = 30;

/** Problems with a platform's budget settings, as [path below `budget`, message]. */
export const budgetProblems = (platform: Platform, budget: BudgetSettings): [string[], string][] => {
  const defaults = DEFAULT_BUDGETS[platform];
  const problems: [string[], string][] = [];
  if (budget.usdPerMonth !== undefined && defaults.usdPerRead === undefined)
    problems.push([
      ['usdPerMonth'],
      `${platform} charges nothing per request or read; cap it with requestsPerHour instead`,
    ]);
  const names = defaults.quotas.map((q) => q.name);
  for (const name of Object.keys(budget.quotas ?? {}))
    if (!names.includes(name))
      problems.push([
        ['quotas', name],
        names.length > 0
          ? `unknown quota "${name}" for ${platform}; it has ${names.map((n) => `"${n}"`).join(', ')}`
          : `${platform} has no named quotas; use requestsPerHour`,
      ]);
  return problems;
};

/** The platform's quotas with the user's settings applied: limits only ever narrow what is published. */
export const resolveBudget = (platform: Platform, budget: BudgetSettings = {}): ResolvedBudget => {
  const defaults = DEFAULT_BUDGETS[platform];
  const quotas = defaults.quotas.map((q) => ({ ...q, limit: budget.quotas?.[q.name]?.limit ?? q.limit }));
  if (budget.usdPerMonth !== undefined && defaults.usdPerRead)
    quotas.push({
      name: 'usd',
      limit: Math.floor(budget.usdPerMonth / defaults.usdPerRead + 1e-9),
      period: 'month',
      timeZone: 'UTC',
      unit: 'reads',
      costs: { read: 1 },
      source: `usdPerMonth ${budget.usdPerMonth} at $${defaults.usdPerRead} per post read`,
    });
  if (budget.requestsPerHour !== undefined)
    quotas.push({
      name: 'requests',
      limit: budget.requestsPerHour,
      period: 'hour',
      timeZone: 'UTC',
      unit: 'requests',
      costs: { search: 1, lookup: 1 },
      source: `requestsPerHour ${budget.requestsPerHour}`,
    });
  return {
    platform,
    quotas,
    windows: defaults.windows,
    ...(defaults.usdPerRead ? { usdPerRead: defaults.usdPerRead } : {}),
  };
};

const HOUR_MS = 3_600_000;

/** The period of a quota that contains `now`: its id (for the ledger), start and end (epoch ms). */
export const periodOf = (quota: Pick<Quota, 'period' | 'timeZone'>, now: number) => {
  if (quota.period === 'hour') {
    const start = Math.floor(now / HOUR_MS) * HOUR_MS;
    return { id: new Date(start).toISOString().slice(0, 13), start, end: start + HOUR_MS };
  }
  const day = dayOf(now, quota.timeZone);
  if (quota.period === 'day')
    return {
      id: day,
      start: startOfDay(day, quota.timeZone),
      end: startOfDay(addDays(day, 1), quota.timeZone),
    };
  const first = `${day.slice(0, 7)}-01`;
  const [y, m] = [Number(day.slice(0, 4)), Number(day.slice(5, 7))];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return {
    id: day.slice(0, 7),
    start: startOfDay(first, quota.timeZone),
    end: startOfDay(next, quota.timeZone),
  };
};

/**
 * What a quota allows a cycle starting at `now` to spend so the budget lasts its period: the pace line
 * `limit × (time elapsed by the end of this cycle) / period length`, less what was used. Unspent budget
 * carries forward within the period; nothing is ever allowed past the limit.
 */
export const paceAllowance = (quota: Quota, used: number, now: number, cycleMs: number): number => {
  const { start, end } = periodOf(quota, now);
  const fraction = Math.min(1, (now + cycleMs - start) / (end - start));
  const line = Math.floor(quota.limit * fraction);
  return Math.max(0, Math.min(quota.limit - used, line - used));
};
