import {
  ageOnlyPlanner,
  DEFAULT_REFRESH_REQUESTS_PER_CYCLE,
  type RefreshPlanner,
  valuePlanner,
} from '../lib/refresh-planner';
import type { StalenessSummary } from '../lib/staleness';
import { type WeekStats, weekCycles } from '../lib/week';

/**
 * Freshness (issue 15 point 4): median and p95 staleness of tracked posts' counters (time since the poller
 * last read each tracked post, sampled every hour of the week over every tracked post) under a refresh
 * planner and a request budget. The week is streamed, nothing is sent anywhere: only the poller's choices
 * matter. Each planner runs on the same seeded week, so a value-based planner (functions/poll, issue 15
 * point 2) is compared at the same budget by adding it to `planners`.
 */
export interface StalenessRun {
  planner: string;
  /** The poll schedule's period (the hot-post refresh period: hot posts are refreshed every cycle). */
  periodMinutes: number;
  /** Observations delivered per campaign day at scale 1 (duplicates included). */
  deliveriesPerDay: number;
  refreshRequestsPerCycle: number;
  budgetPostsPerCycle: WeekStats['refreshBudgetPostsPerCycle'];
  refreshes: number;
  dueNotRefreshed: number;
  staleness: StalenessSummary;
}

export interface StalenessOptions {
  scale: number;
  seed: number;
  days: number;
  planners?: Record<string, RefreshPlanner>;
  /** Budgets to run each planner at, in refresh requests per platform and cycle at scale 1. */
  budgets?: number[];
  /** Schedule periods (minutes) to run the shipped planner at, default budget (the cost chart). */
  periodsMinutes?: number[];
}

export const measureStaleness = (options: StalenessOptions): StalenessRun[] => {
  const planners = options.planners ?? {
    'value (shipped)': valuePlanner,
    'age-only (before issue 15)': ageOnlyPlanner,
  };
  const budgets = options.budgets ?? [
    DEFAULT_REFRESH_REQUESTS_PER_CYCLE,
    4 * DEFAULT_REFRESH_REQUESTS_PER_CYCLE,
  ];
  const runs: StalenessRun[] = [];
  const cases: { name: string; planner: RefreshPlanner; requests: number; period: number }[] = [];
  for (const [name, planner] of Object.entries(planners))
    for (const requests of budgets) cases.push({ name, planner, requests, period: 5 });
  for (const period of options.periodsMinutes ?? [15, 60])
    cases.push({
      name: 'value (shipped)',
      planner: valuePlanner,
      requests: DEFAULT_REFRESH_REQUESTS_PER_CYCLE,
      period,
    });
  for (const { name, planner, requests, period } of cases) {
    const { cycles } = weekCycles({
      ...options,
      planner,
      refreshRequestsPerCycle: requests,
      periodMs: period * 60_000,
    });
    let next = cycles.next();
    while (!next.done) next = cycles.next();
    const stats = next.value;
    runs.push({
      planner: name,
      periodMinutes: period,
      deliveriesPerDay: stats.deliveries / options.scale / options.days,
      refreshRequestsPerCycle: requests,
      budgetPostsPerCycle: stats.refreshBudgetPostsPerCycle,
      refreshes: stats.refreshes,
      dueNotRefreshed: stats.dueNotRefreshed,
      staleness: stats.staleness,
    });
  }
  return runs;
};
