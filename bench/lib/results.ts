import type { EfficiencyResult, ThroughputResult } from '../sections/aggregate';
import type { BundleResult } from '../sections/bundles';
import type { CeilingResult } from '../sections/ceiling';
import type { CostResult } from '../sections/cost';
import type { ModelSectionResult } from '../sections/model';
import type { NaiveResult } from '../sections/naive';
import type { PollerResult } from '../sections/poller';
import type { ReportingResult } from '../sections/reporting';
import type { StalenessRun } from '../sections/staleness';
import type { CostCharts } from './cost-chart';
import type { FullWeekSummary } from './full-week-summary';
import { writeUnitsOf } from './metered-client';
import type { ReplayStats } from './replay';

export interface RunInfo {
  startedAt: string;
  seconds: number;
  command: string;
  commit: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    platform: string;
    loadAtStart: number[];
    loadAtEnd: number[];
  };
  quick: boolean;
}

export interface BenchResults {
  replay: ReplayStats;
  run?: RunInfo;
  bundles?: BundleResult[];
  efficiency?: EfficiencyResult;
  ceiling?: CeilingResult;
  /** Writes/s of each ceiling measurement (before and after the throughput run); `ceiling` is the best. */
  ceilingRuns?: number[];
  throughput?: ThroughputResult;
  reporting?: ReportingResult;
  poller?: PollerResult[];
  cost?: CostResult;
  naive?: NaiveResult;
  staleness?: StalenessRun[];
  model?: ModelSectionResult;
  /** Cost and staleness against the refresh period and budget (bench/lib/cost-chart.ts). */
  charts?: CostCharts;
  /** The latest `npm run bench:week` (docs/benchmarks-week.json), quoted, not rerun. */
  fullWeek?: FullWeekSummary;
  errors: { section: string; message: string }[];
}

export interface Verdict {
  kind: 'target' | 'correctness';
  measure: string;
  result: string;
  target: string;
  status: 'met' | 'missed' | 'ok' | 'fail';
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';

export const perThousand = (count: number, observations: number) => (count / observations) * 1000;

export const efficiencyRatios = (e: EfficiencyResult) => ({
  writes: e.meter.writeRequests / e.bound.writes,
  units: writeUnitsOf(e.meter) / e.bound.writeUnits,
});

/** Requests the throughput run sent to dynalite per observation (reads and writes). */
export const requestsPerObservation = (t: ThroughputResult) =>
  Object.values(t.meter.calls).reduce((a, b) => a + b, 0) / t.observations;

export const collectVerdicts = (r: BenchResults): Verdict[] => {
  const out: Verdict[] = [];
  const target = (measure: string, result: string, goal: string, met: boolean) =>
    out.push({ kind: 'target', measure, result, target: goal, status: met ? 'met' : 'missed' });
  const correct = (measure: string, result: string, ok: boolean) =>
    out.push({ kind: 'correctness', measure, result, target: 'exact', status: ok ? 'ok' : 'fail' });

  if (r.efficiency) {
    const ratio = efficiencyRatios(r.efficiency);
    target(
      'Write requests vs lower bound',
      `${fmt(ratio.writes, 2)}x (${fmt(perThousand(r.efficiency.meter.writeRequests, r.efficiency.observations))} vs ${fmt(perThousand(r.efficiency.bound.writes, r.efficiency.observations))} per 1,000 obs)`,
      '<= 1.5x (aim 1.1x)',
      ratio.writes <= 1.5,
    );
    target(
      'Write units vs lower bound',
      `${fmt(ratio.units, 2)}x (${fmt(perThousand(writeUnitsOf(r.efficiency.meter), r.efficiency.observations))} vs ${fmt(perThousand(r.efficiency.bound.writeUnits, r.efficiency.observations))} WRU per 1,000 obs)`,
      '<= 1.5x (aim 1.1x)',
      ratio.units <= 1.5,
    );
    const v = r.efficiency.verification;
    correct(
      'Rollups = oracle (efficiency run)',
      `${v.oracle.mismatches.length} of ${v.oracle.expectedRows} rows differ`,
      v.oracle.mismatches.length === 0 && r.efficiency.failedRecords === 0,
    );
    correct(
      'Lower-bound items = oracle (lower bound sanity)',
      `${v.modelVsOracle.mismatches.length} of ${v.modelVsOracle.expectedRows} rows differ`,
      v.modelVsOracle.mismatches.length === 0,
    );
  }
  if (r.throughput) {
    const t = r.throughput;
    target(
      'Throughput end to end (twin pieces)',
      `${fmt(t.observationsPerSecond)} obs/s (steady ${fmt(t.steadyObservationsPerSecond)}; dynalite ceiling ${fmt(r.ceiling?.writesPerSecond ?? Number.NaN)} writes/s)`,
      '>= 3,000 obs/s',
      t.observationsPerSecond >= 3000,
    );
    correct(
      'Rollups = oracle (throughput run)',
      t.complete
        ? `${t.verification.oracle.mismatches.length} of ${t.verification.oracle.expectedRows} rows differ`
        : `incomplete: ${t.triggerStats.succeeded} of ${t.messages} messages processed`,
      t.complete && t.verification.oracle.mismatches.length === 0,
    );
  }
  for (const e of r.reporting?.endpoints ?? []) {
    target(
      `Report p95: ${e.name}`,
      `${fmt(e.p95Ms, 1)} ms (p50 ${fmt(e.p50Ms, 1)})`,
      `<= ${e.targetP95Ms} ms`,
      e.p95Ms <= e.targetP95Ms,
    );
    correct(`Report answer: ${e.name}`, e.check, e.correct);
  }
  for (const p of r.poller ?? []) {
    target(
      `Poller API calls per cycle (${p.platform}, ${fmt(p.tracked)} tracked)`,
      `${p.apiCalls} (minimum ${p.minimumCalls})`,
      '= minimum',
      p.apiCalls === p.minimumCalls,
    );
    correct(`Poller cycle completed (${p.platform})`, p.stoppedReason, p.stoppedReason === 'complete');
  }
  if (r.cost) {
    target(
      'AWS cost per Next-Idea campaign day',
      `$${fmt(r.cost.design.total, 2)} ($${fmt(r.cost.design.perMillionObservations, 3)} per million observations)`,
      '<= $5',
      r.cost.design.total <= 5,
    );
    target(
      `Naive aggregator${r.cost.naiveMeasured ? ' (run)' : r.model ? ' (write model)' : ' (formula)'} / this design, cost`,
      `$${fmt(r.cost.naive.total, 2)} / $${fmt(r.cost.design.total, 2)} = ${fmt(r.cost.naive.total / r.cost.design.total, 2)}x`,
      '>= 5x',
      r.cost.naive.total >= 5 * r.cost.design.total,
    );
  }
  if (r.naive)
    target(
      'Naive aggregator rows equal to the oracle',
      `${fmt(r.naive.comparison.expectedRows - r.naive.comparison.mismatchedRows)} of ${fmt(r.naive.comparison.expectedRows)}`,
      'informative (naive is not exact)',
      r.naive.comparison.mismatchedRows === 0,
    );
  for (const s of r.staleness ?? [])
    target(
      `Staleness p95, ${s.planner}, ${fmt(s.refreshRequestsPerCycle)} requests/cycle`,
      `${fmt(s.staleness.p95Minutes)} min (median ${fmt(s.staleness.medianMinutes)})`,
      'baseline for issue 15',
      true,
    );
  return out;
};

export { fmt };
