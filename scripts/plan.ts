/**
 * `npm run plan -- --config <file> [--posts-per-day N]`: what the configured budgets buy, per platform.
 * For each enabled platform it projects, at N new campaign posts a day (default 1,000), the calls, post
 * reads and spend a day and a month the poller would need to search every cycle and refresh every tracked
 * post at its age-based cadence (hot posts every cycle), what the budget affords of that (searches are
 * paid first, then refreshes), the refresh cadence that leaves for hot and for old posts, and the day of
 * the month an unpaced poller would run out of budget. The poller itself paces every quota over its
 * period (functions/poll/cycle-budget.ts), so it never runs out: it refreshes less often instead.
 */
import { parseArgs } from 'node:util';
import { activeCampaigns, campaignHashtags } from '../functions/poll/campaigns';
import { DEFAULT_TUNING } from '../functions/poll/tuning';
import { type Quota, resolveBudget } from '../shared/budget';
import { enabledPlatforms, loadConfigFile, type PlatformSettings } from '../shared/config';
import type { Platform } from '../shared/platform';
import { createAdapter } from '../shared/platforms';
import { rateToMs } from '../shared/topology';

const DAY_MS = 86_400_000;
const DAYS_PER_MONTH = 30;

export interface PlatformPlan {
  platform: Platform;
  cyclesPerDay: number;
  queries: number;
  tracked: number;
  /** Wanted (unlimited budget) per day. */
  wanted: { searchCalls: number; refreshCalls: number; reads: number; usd: number };
  /** What the budget affords per day. */
  afforded: { searchCalls: number; refreshCalls: number; reads: number; usd: number };
  /** Minutes between two refreshes of a hot post and of an old (day 2+) post, within the budget. */
  hotRefreshMinutes: number;
  oldRefreshMinutes: number;
  /** Minutes between two searches of each query within the budget. */
  searchMinutes: number;
  /** Day of the month an unpaced poller would exhaust a monthly budget; undefined if it never does. */
  runsOutOnDay: number | undefined;
  limits: string[];
}

/** Daily capacity of a quota for an operation (monthly quotas spread over 30 days). */
const perDay = (q: Quota) =>
  q.period === 'month' ? q.limit / DAYS_PER_MONTH : q.period === 'hour' ? q.limit * 24 : q.limit;

export const planPlatform = (
  platform: Platform,
  settings: PlatformSettings,
  queries: number,
  postsPerDay: number,
): PlatformPlan => {
  const adapter = createAdapter(platform, { credentials: {} });
  const budget = resolveBudget(platform, settings.budget);
  const periodMs = rateToMs(settings.schedule);
  const cyclesPerDay = DAY_MS / periodMs;
  const pageRequests = adapter.searchPageRequests ?? 1;
  const tracked = postsPerDay * settings.trackingDays;
  const maxIntervalCycles = Math.max(1, DEFAULT_TUNING.maxRefreshIntervalMs / periodMs);
  // searches: one page per query per cycle, plus the pages the new posts fill
  const searchCalls = queries * cyclesPerDay + Math.ceil(postsPerDay / adapter.maxPageSize);
  // refreshes: hot posts every cycle, a post aged d days every 2^d cycles (at least every 6 hours)
  let refreshPostsPerDay = 0;
  for (let d = 0; d < settings.trackingDays; d++)
    refreshPostsPerDay += (postsPerDay * cyclesPerDay) / Math.min(2 ** d, maxIntervalCycles);
  const refreshCalls = Math.ceil(refreshPostsPerDay / adapter.maxRefreshBatch);
  // X: a post read several times in one UTC day is charged once: every tracked post is read once a day
  const reads = budget.usdPerRead ? postsPerDay + tracked : 0;
  const usd = reads * (budget.usdPerRead ?? 0);
  // searches first: what is left of each daily capacity after them goes to refresh
  let searchAfforded = searchCalls;
  let refreshAfforded = refreshCalls;
  let readsAfforded = reads;
  for (const q of budget.quotas) {
    const cap = perDay(q);
    if (q.unit === 'reads') {
      readsAfforded = Math.min(readsAfforded, cap);
      continue;
    }
    const searchCost = q.unit === 'requests' ? pageRequests : (q.costs.search ?? 0);
    const lookupCost = q.unit === 'requests' ? 1 : (q.costs.lookup ?? 0);
    if (searchCost > 0) searchAfforded = Math.min(searchAfforded, Math.floor(cap / searchCost));
    if (lookupCost > 0)
      refreshAfforded = Math.min(
        refreshAfforded,
        Math.max(0, Math.floor((cap - searchAfforded * searchCost) / lookupCost)),
      );
  }
  const share = refreshCalls > 0 ? refreshAfforded / refreshCalls : 1;
  const hotEvery = periodMs / 60_000 / Math.min(1, share || 1e-9);
  const ageEvery = Math.max(
    hotEvery * 2,
    (Math.min(maxIntervalCycles, 4) * periodMs) / 60_000 / Math.min(1, share || 1e-9),
  );
  // X: a hot post was read by its search today, so refreshing it again today is free; an old post costs a
  // read on its first refresh of each UTC day, paid from what the searches leave of the day's reads.
  const oldPosts = postsPerDay * (settings.trackingDays - 1);
  const readsForOld = Math.max(0, readsAfforded - postsPerDay);
  const oldEvery =
    reads > 0 && readsForOld < oldPosts ? (1440 * oldPosts) / Math.max(readsForOld, 1e-9) : ageEvery;
  const monthly = budget.quotas.filter((q) => q.period === 'month');
  const runsOut = monthly
    .map((q) => Math.ceil(q.limit / (q.unit === 'reads' ? reads : refreshCalls + searchCalls)))
    .filter((d) => d <= DAYS_PER_MONTH);
  return {
    platform,
    cyclesPerDay,
    queries,
    tracked,
    wanted: { searchCalls, refreshCalls, reads, usd },
    afforded: {
      searchCalls: searchAfforded,
      refreshCalls: refreshAfforded,
      reads: readsAfforded,
      usd: readsAfforded * (budget.usdPerRead ?? 0),
    },
    hotRefreshMinutes: Math.round(hotEvery),
    oldRefreshMinutes: Math.round(oldEvery),
    searchMinutes: Math.round(
      searchAfforded > 0
        ? (DAY_MS / 60_000) * (queries / Math.min(searchAfforded, searchCalls))
        : Number.POSITIVE_INFINITY,
    ),
    runsOutOnDay: runsOut.length > 0 ? Math.min(...runsOut) : undefined,
    limits: budget.quotas.map((q) => `${q.name} ${q.limit.toLocaleString('en-US')} ${q.unit}/${q.period}`),
  };
};

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'never');

const main = () => {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, 'posts-per-day': { type: 'string' } },
  });
  if (!values.config) throw new Error('usage: npm run plan -- --config <file> [--posts-per-day N]');
  const postsPerDay = Number(values['posts-per-day'] ?? 1000);
  if (!Number.isInteger(postsPerDay) || postsPerDay < 0)
    throw new Error('--posts-per-day must be a whole number');
  const config = loadConfigFile(values.config);
  const campaigns = activeCampaigns(config, Date.now());
  const tags = campaignHashtags(campaigns.length > 0 ? campaigns : config.campaigns);
  for (const [platform, settings] of enabledPlatforms(config)) {
    const queries = createAdapter(platform, { credentials: {} }).buildQueries(tags).length;
    const p = planPlatform(platform, settings, queries, postsPerDay);
    console.log(
      `\n${platform}  (${settings.schedule}, ${queries} queries, ${fmt(p.tracked)} tracked posts at ${fmt(postsPerDay)} posts/day)`,
    );
    console.log(
      `  limits: ${p.limits.join('; ') || 'request windows only (honoured from the platform headers)'}`,
    );
    console.log(
      `  per day    wanted: ${fmt(p.wanted.searchCalls)} search calls, ${fmt(p.wanted.refreshCalls)} refresh calls, ${fmt(p.wanted.reads)} reads, $${p.wanted.usd.toFixed(2)}`,
    );
    console.log(
      `             afforded: ${fmt(p.afforded.searchCalls)} search calls, ${fmt(p.afforded.refreshCalls)} refresh calls, ${fmt(p.afforded.reads)} reads, $${p.afforded.usd.toFixed(2)}`,
    );
    console.log(
      `  per month  afforded: ${fmt(p.afforded.searchCalls * DAYS_PER_MONTH)} search calls, ${fmt(p.afforded.refreshCalls * DAYS_PER_MONTH)} refresh calls, ${fmt(p.afforded.reads * DAYS_PER_MONTH)} reads, $${(p.afforded.usd * DAYS_PER_MONTH).toFixed(2)}`,
    );
    console.log(
      `  cadence: each query searched every ${fmt(p.searchMinutes)} min; hot posts refreshed every ${fmt(p.hotRefreshMinutes)} min, old posts every ${fmt(p.oldRefreshMinutes)} min`,
    );
    console.log(
      p.runsOutOnDay === undefined
        ? `  budget: lasts the month${p.afforded.refreshCalls < p.wanted.refreshCalls || p.afforded.searchCalls < p.wanted.searchCalls ? ' (paced: the cadence above is what it affords)' : ' at the wanted cadence'}`
        : `  budget: unpaced, it would run out on day ${p.runsOutOnDay} of the month; the poller paces it instead (cadence above)`,
    );
  }
};

if (process.argv[1]?.endsWith('plan.ts')) main();
