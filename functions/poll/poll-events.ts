import { type BudgetSettings, periodOf, resolveBudget } from '../../shared/budget';
import { budgetNearlySpentEvent, pollerBehindEvent } from '../../shared/events/builders';
import type { CampaignEvent } from '../../shared/events/schemas';
import type { Platform } from '../../shared/platform';
import type { PollSummary } from './summary';

/**
 * The events a finished cycle publishes: PollerFallingBehind when it ended with work left, and
 * BudgetNearlySpent for each monthly quota at or past its warning share. Daily and hourly quotas are paced
 * to be spent by the end of their period, so a warning on them would fire every period; running out of one
 * shows up as a quota refusal instead (docs/events.md).
 */
export const pollCycleEvents = (
  platform: Platform,
  budget: BudgetSettings | undefined,
  summary: PollSummary,
  stage: string,
  now: number,
): CampaignEvent[] => {
  const events: CampaignEvent[] = [];
  const behind = pollerBehindEvent(summary, stage, now);
  if (behind) events.push(behind);
  for (const quota of resolveBudget(platform, budget).quotas) {
    const use = summary.budgetUse.find((u) => u.name === quota.name);
    if (quota.period !== 'month' || !use) continue;
    const event = budgetNearlySpentEvent(
      {
        platform,
        budget: `${platform}-${quota.name}-month`,
        period: periodOf(quota, now).id,
        used: use.used,
        limit: use.limit,
      },
      stage,
      now,
    );
    if (event) events.push(event);
  }
  return events;
};
