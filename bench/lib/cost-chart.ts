import { type CostBreakdown, PRICES } from './cost';
import { DEFAULT_REFRESH_REQUESTS_PER_CYCLE } from './refresh-planner';
import { CYCLE_MS } from './replay';
import { modelWeek } from './write-model-run';

/**
 * Charts for choosing the poller's defaults (issue 13 point 6): cost per campaign day and staleness against
 * the hot-post refresh period (the schedule: 5, 15, 60 minutes) at the default refresh budget, and against
 * the refresh requests per platform and cycle at the default schedule. Each point is one run of the week
 * replay with the shipped value planner (`valuePlanner`) through the write model, so its staleness and its
 * DynamoDB writes come from the same run. Only the DynamoDB write units are modelled per point; the rest
 * of the bill is carried from the cost section's base point (default schedule and budget) in proportion:
 * per-observation lines (aggregate Lambda, SQS, reads, logs, traces) by the point's observations, the
 * per-cycle lines (poll Lambda, Scheduler, Secrets Manager calls) by its cycles per day.
 */

export interface ChartPoint {
  periodMinutes: number;
  refreshRequestsPerCycle: number;
  observationsPerDay: number;
  writeUnitsPerDay: number;
  usdPerCampaignDay: number | null;
  stalenessMedianMinutes: number;
  stalenessP95Minutes: number;
  hotP95Minutes: number;
}

export interface ChartOptions {
  scale: number;
  days: number;
  seed: number;
  suppressUnchanged: boolean;
  periodsMinutes: readonly number[];
  budgets: readonly number[];
}

export const CHART_PERIODS_MINUTES = [5, 15, 60] as const;
export const CHART_BUDGETS = [25, 50, 100, DEFAULT_REFRESH_REQUESTS_PER_CYCLE] as const;

/** The bill of the cost section's base point, split into what scales with observations, cycles, or neither. */
export interface BaseBill {
  observationsPerDay: number;
  writeDollars: number;
  perObservationDollars: number;
  perCycleDollars: number;
  fixedDollars: number;
  /** WRU per post record saved, from the cost section's post-record model (packing at scale 1). */
  recordUnitsPerRecord: number;
}

/** One variant's point: its own write units and staleness; the rest of the base bill carried in proportion. */
export const chartPoint = (
  options: ChartOptions,
  periodMinutes: number,
  refreshRequestsPerCycle: number,
  base?: BaseBill,
): ChartPoint => {
  const week = modelWeek({
    scale: options.scale,
    seed: options.seed,
    days: options.days,
    suppressUnchanged: options.suppressUnchanged,
    refreshRequestsPerCycle,
    periodMs: periodMinutes * 60_000,
  });
  const perDay = 1 / (options.scale * options.days);
  const observationsPerDay = week.design.observations * perDay;
  const writeUnitsPerDay = week.design.writeUnits * perDay;
  // The poller's post records: the variant's own records saved, at the scale-1 model's WRU per record (a
  // chart's small scale would pack too few posts per group to price them).
  const recordUnitsPerDay = week.postRecords.recordsSaved * perDay * (base?.recordUnitsPerRecord ?? 1);
  const usd = base
    ? ((writeUnitsPerDay + recordUnitsPerDay) / 1e6) * PRICES.dynamoPerMillionWriteUnits +
      base.perObservationDollars * (observationsPerDay / base.observationsPerDay) +
      base.perCycleDollars * (CYCLE_MS / 60_000 / periodMinutes) +
      base.fixedDollars
    : null;
  const s = week.stats.staleness;
  return {
    periodMinutes,
    refreshRequestsPerCycle,
    observationsPerDay,
    writeUnitsPerDay,
    usdPerCampaignDay: usd,
    stalenessMedianMinutes: s.medianMinutes,
    stalenessP95Minutes: s.p95Minutes,
    hotP95Minutes: s.hot.p95Minutes,
  };
};

/** Both charts' points: periods at the default budget, then budgets at the default schedule (shared point run once). */
export const costCharts = (options: ChartOptions, base?: BaseBill) => {
  const points = new Map<string, ChartPoint>();
  const point = (period: number, budget: number) => {
    const key = `${period}/${budget}`;
    const known = points.get(key) ?? chartPoint(options, period, budget, base);
    points.set(key, known);
    return known;
  };
  return {
    scale: options.scale,
    days: options.days,
    byPeriod: options.periodsMinutes.map((p) => point(p, DEFAULT_REFRESH_REQUESTS_PER_CYCLE)),
    byBudget: options.budgets.map((b) => point(CYCLE_MS / 60_000, b)),
  };
};

export type CostCharts = ReturnType<typeof costCharts>;

export const POST_RECORD_LINE = "DynamoDB writes, the poller's post records";
const PER_CYCLE = [/^Lambda poll /, /^Scheduler/, /^Secrets Manager/];
const FIXED = [/^Lambda report /, /^API Gateway/, /^DynamoDB storage/, /^DynamoDB point-in-time/];

/** Splits the cost section's bill of this design (at the default schedule) for `chartPoint`. */
export const baseBill = (design: CostBreakdown, recordUnitsPerRecord: number): BaseBill => {
  const bill: BaseBill = {
    recordUnitsPerRecord,
    observationsPerDay: design.observations,
    writeDollars: 0,
    perObservationDollars: 0,
    perCycleDollars: 0,
    fixedDollars: 0,
  };
  for (const line of design.lines) {
    if (line.item === 'DynamoDB writes') bill.writeDollars += line.dollars;
    else if (line.item === POST_RECORD_LINE)
      continue; // each point models its own (chartPoint)
    else if (PER_CYCLE.some((r) => r.test(line.item))) bill.perCycleDollars += line.dollars;
    else if (FIXED.some((r) => r.test(line.item))) bill.fixedDollars += line.dollars;
    else bill.perObservationDollars += line.dollars;
  }
  return bill;
};
