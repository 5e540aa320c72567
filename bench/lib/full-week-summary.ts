import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FullWeekCheck, FullWeekResult, WeekEngine } from './full-week';
import { REPO_DIR } from './harness';

/** What `npm run bench:week` records in docs/benchmarks-week.json, and `npm run bench` quotes. */
export interface FullWeekSummary {
  startedAt: string;
  command: string;
  commit: string;
  complete: boolean;
  scale: number;
  days: number;
  seed: number;
  engine: WeekEngine;
  observations: number;
  batches: number;
  redeliveries: number;
  deadLetters: number;
  resumes: number;
  hours: number;
  observationsPerSecond: number;
  oracleRows: number | null;
  mismatchedRows: number | null;
  quarantined: number | null;
  largestItemBytes: number | null;
  /** Comparisons with the oracle at checkpoints along the way (the last one is the final state's). */
  checks: FullWeekCheck[];
  /** The aggregate's read units per observation, as DynamoDB reports them. */
  readUnitsPerObservation: number | null;
  /** A week run in parts (bench/lib/week-parts.ts): how many, and its summed totals against the whole week's oracle. */
  parts?: number;
  /** A week run in parts: when and at which commit its earliest part started (startedAt and commit are the latest's). */
  firstStartedAt?: string;
  firstCommit?: string;
  totalsChecked?: number | null;
  totalsMismatched?: number | null;
}

export const FULL_WEEK_SUMMARY_FILE = join(REPO_DIR, 'docs', 'benchmarks-week.json');

export const summarizeFullWeek = (
  r: FullWeekResult,
  run: { startedAt: string; command: string; commit: string },
): FullWeekSummary => ({
  ...run,
  complete: r.complete,
  scale: r.scale,
  days: r.days,
  seed: r.seed,
  engine: r.engine,
  observations: r.observations,
  batches: r.batches,
  redeliveries: r.redeliveries,
  deadLetters: r.deadLetters,
  resumes: r.resumes,
  hours: r.seconds / 3600,
  observationsPerSecond: r.observationsPerSecond,
  oracleRows: r.oracle?.expectedRows ?? null,
  mismatchedRows: r.oracle?.mismatches.length ?? null,
  quarantined: r.quarantined ?? null,
  largestItemBytes: r.largestItemBytes ?? null,
  checks: r.checks,
  readUnitsPerObservation: r.observations > 0 ? r.reads.units / r.observations : null,
});

/** The latest full-week run's summary, or null when none was recorded. */
export const readFullWeekSummary = (file = FULL_WEEK_SUMMARY_FILE): FullWeekSummary | null =>
  // Summaries written before the engine was recorded come from runs on dynalite.
  existsSync(file)
    ? ({ engine: 'dynalite', ...JSON.parse(readFileSync(file, 'utf8')) } as FullWeekSummary)
    : null;
