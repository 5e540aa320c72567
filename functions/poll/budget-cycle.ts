import { createHash } from 'node:crypto';
import { resolveBudget } from '../../shared/budget';
import { type KolPulseConfig, normalizeHandle } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import { activeCampaigns } from './campaigns';
import type { Cycle, PollCycleDeps } from './cycle';
import { CycleBudget } from './cycle-budget';
import type { PostRecord } from './post-records';
import { SentFilter } from './post-records';
import { trackedDays } from './tracked';

/** What a cycle spends with: its share of the budget, and the post records (when the stores have them). */
export interface BudgetInputs {
  spend: CycleBudget;
  records: Map<string, PostRecord> | undefined;
}

/** Opens the cycle's budget share (reserving it in the ledger) and loads the tracked posts' records. */
export const openBudget = async (
  deps: PollCycleDeps,
  now: number,
  periodMs: number,
): Promise<BudgetInputs> => {
  const budget = resolveBudget(deps.platform, deps.settings.budget);
  const worstSearch = {
    requests: deps.adapter.searchPageRequests ?? 1,
    reads: deps.adapter.maxPageSize,
  };
  const [spend, records] = await Promise.all([
    deps.stores.budget
      ? CycleBudget.open(deps.stores.budget, budget, now, periodMs, worstSearch)
      : Promise.resolve(CycleBudget.unlimited(budget)),
    deps.stores.records?.load(trackedDays(now, deps.settings.trackingDays)),
  ]);
  return { spend, records };
};

/** The filter of no-op observations: against the last one sent for each post. */
export const sentFilterOf = (
  deps: PollCycleDeps,
  now: number,
  inputs: BudgetInputs,
): SentFilter | undefined => {
  if (!inputs.records) return undefined;
  const { campaignsKey, roster } = sentFilterInputs(deps.config, deps.platform, now, deps.tuning.graceDays);
  return new SentFilter(inputs.records, campaignsKey, roster, inputs.spend.countsReads);
};

/** What the filter compares beside counters: the active campaigns' key and the platform's roster. */
export const sentFilterInputs = (
  config: KolPulseConfig,
  platform: Platform,
  now: number,
  graceDays: number,
): { campaignsKey: string; roster: Set<string> } => {
  const campaigns = activeCampaigns(config, now, graceDays);
  const campaignsKey = createHash('sha1')
    .update(JSON.stringify(campaigns.map((c) => [c.id, [...c.hashtags].sort()]).sort()))
    .digest('base64url')
    .slice(0, 12);
  const roster = new Set(
    campaigns.flatMap((c) =>
      c.kols.flatMap((k) =>
        k.accounts
          .filter((a) => a.platform === platform)
          .flatMap((a) => [normalizeHandle(a.handle), ...(a.userId ? [a.userId] : [])]),
      ),
    ),
  );
  return { campaignsKey, roster };
};

/**
 * Gives back what the cycle did not spend and records the platform's budget summary (used per quota, when
 * posts were last refreshed) for `GET /budgets`, the twin's status line and the metrics.
 */
export const closeBudget = async (deps: PollCycleDeps, cycle: Cycle, startedAt: number): Promise<void> => {
  const ledger = deps.stores.budget;
  cycle.summary.budgetSpent = cycle.spend.spent();
  cycle.summary.suppressed = cycle.sent?.suppressed ?? 0;
  if (!ledger) return;
  await cycle.spend.settle(ledger, startedAt);
  const budget = resolveBudget(deps.platform, deps.settings.budget);
  const now = deps.clock.now();
  const used = await ledger.used(budget.quotas, now);
  const monthReads = budget.quotas.find((q) => q.name === 'reads');
  cycle.summary.budgetUse = budget.quotas.map((q) => ({
    name: q.name,
    unit: q.unit,
    period: q.period,
    used: used[q.name] ?? 0,
    limit: q.limit,
  }));
  await ledger.saveSummary({
    platform: deps.platform,
    at: new Date(now).toISOString(),
    quotas: cycle.summary.budgetUse,
    refreshed: cycle.summary.refreshed,
    ...(cycle.summary.refreshCalls > 0 ? { lastRefreshAt: new Date(now).toISOString() } : {}),
    ...(budget.usdPerRead && monthReads
      ? { usdThisMonth: Math.round((used.reads ?? 0) * budget.usdPerRead * 100) / 100 }
      : {}),
  });
};
