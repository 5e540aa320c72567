import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { takePidLock } from '../../infra/local/pid-lock';
import { parseConfig } from '../../shared/config';
import { OBSERVATION_MESSAGE_VERSION } from '../../shared/observation';
import {
  addFigures,
  type RollupRow,
  type RollupTable,
  rowKey,
  withoutEmptyRows,
  zeroFigures,
} from '../../test/support/oracle';
import type { FullWeekSummary } from './full-week-summary';
import { REPO_DIR } from './harness';
import type { ReplayMessage } from './replay';
import { StreamingOracle } from './streaming-oracle';
import { type Comparison, compareTables } from './verify';
import { weekCycles } from './week';

/**
 * The week in parts (issue 13): the Next-Idea week at scale 1 is 13.7 M deliveries, about 14 hours of the
 * aggregate on 2 CPUs, longer than a working session on a machine that keeps no files between sessions.
 * So the run splits the week's posts K ways by a hash of their id: part i delivers, in the full replay's
 * own cycles, batches, duplicates and reorderings, only the observations of its posts, through the
 * aggregate on a fresh engine, checked against the oracle fed the same observations. Each finished part
 * is recorded in a committed file, so the week advances a part at a time whoever runs it.
 *
 * The oracle is a sum over posts (`postRollups`, row by row), and so is the aggregate: every row of the
 * week is the sum of that row over the parts. A part exact against its oracle, for every part, makes the
 * week exact; `combineWeekParts` checks it once more from the other side, summing the parts' recorded
 * campaign totals and comparing them with the oracle of the whole week, regenerated from the seed.
 * What a part does not reproduce is the whole week's write rate on shared items (campaign totals, the
 * unattributed voice): each part writes them at 1/K of it. The items' sizes and the busiest partition at
 * full rate are the write model's figures (docs/benchmarks.md), not this run's.
 */

export interface WeekPart {
  /** 0-based. */
  index: number;
  of: number;
}

export const partLabel = (part: WeekPart): string => `${part.index + 1}/${part.of}`;

/** The part a post belongs to: a hash of its platform and id, so every snapshot of a post lands in one part. */
export const partOfPost = (platform: string, postId: string, parts: number): number =>
  createHash('sha1').update(`${platform}\u0000${postId}`).digest().readUInt32BE(0) % parts;

/**
 * A cycle's messages cut down to one part's observations: each message keeps its platform, poll id, cycle
 * and place in the delivery order; a message left with none is not sent. Copies of a message (duplicates)
 * stay copies.
 */
export const partMessages = (messages: readonly ReplayMessage[], part: WeekPart): ReplayMessage[] => {
  const out: ReplayMessage[] = [];
  for (const m of messages) {
    const observations = m.observations.filter(
      (o) => partOfPost(o.platform, o.postId, part.of) === part.index,
    );
    if (observations.length === 0) continue;
    if (observations.length === m.observations.length) {
      out.push(m);
      continue;
    }
    const { pollId } = JSON.parse(m.body) as { pollId: string };
    const body = JSON.stringify({
      version: OBSERVATION_MESSAGE_VERSION,
      platform: m.platform,
      pollId,
      observations,
    });
    out.push({ ...m, body, observations });
  }
  return out;
};

/** A finished part as recorded: its run's summary and the campaign total rows it ended with. */
export interface WeekPartRecord extends FullWeekSummary {
  part: WeekPart;
  machine: string;
  totalRows: RollupRow[];
}

export interface WeekPartsFile {
  scale: number;
  days: number;
  seed: number;
  parts: number;
  /** By part index; a part run again replaces its record. */
  records: WeekPartRecord[];
}

export const WEEK_PARTS_FILE = join(REPO_DIR, 'docs', 'benchmarks-week-parts.json');

export interface WeekPartsRun {
  scale: number;
  days: number;
  seed: number;
  parts: number;
}

export const readWeekParts = (file: string, run: WeekPartsRun): WeekPartsFile => {
  if (!existsSync(file)) return { ...run, records: [] };
  const saved = JSON.parse(readFileSync(file, 'utf8')) as WeekPartsFile;
  for (const key of ['scale', 'days', 'seed', 'parts'] as const)
    if (saved[key] !== run[key])
      throw new Error(
        `${file} records a week with ${key} ${saved[key]}, not ${run[key]}: run the parts with the same options, or give another --parts-file`,
      );
  return saved;
};

export const recordWeekPart = (file: string, run: WeekPartsRun, record: WeekPartRecord): WeekPartsFile => {
  const saved = readWeekParts(file, run);
  const records = [...saved.records.filter((r) => r.part.index !== record.part.index), record].sort(
    (a, b) => a.part.index - b.part.index,
  );
  const next = { ...saved, records };
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
  return next;
};

/**
 * Two parts run side by side can finish within the same second: each records itself and rewrites the report while
 * holding this lock, so neither loses the other's record nor leaves the older report last. `onWait` is told once if
 * a live run holds it; a lock left by a killed run is taken over.
 */
export const withWeekPartsLock = async <T>(
  file: string,
  work: () => T | Promise<T>,
  onWait: (lock: string, heldBy: number) => void = () => {},
): Promise<T> => {
  const path = `${file}.lock`;
  for (let waited = false; ; waited = true) {
    const lock = takePidLock(path);
    if ('release' in lock) {
      try {
        return await work();
      } finally {
        lock.release();
      }
    }
    if (!waited) onWait(path, lock.heldBy);
    await sleep(200);
  }
};

/** The parts with no record yet, lowest first. */
const missingWeekParts = (saved: WeekPartsFile): number[] =>
  Array.from({ length: saved.parts }, (_, i) => i).filter(
    (i) => !saved.records.some((r) => r.part.index === i),
  );

/** The lowest part with no record yet, or undefined when every part is recorded. */
export const nextWeekPart = (saved: WeekPartsFile): number | undefined => missingWeekParts(saved)[0];

/** The campaign total rows of the whole week from the parts' own rollups, summed row by row. */
export const summedTotals = (records: readonly WeekPartRecord[]): RollupTable => {
  const table: RollupTable = {};
  for (const r of records)
    for (const row of r.totalRows) {
      const key = rowKey(row);
      const { campaignId, kind, subject, day, platform } = row;
      table[key] ??= { campaignId, kind, subject, day, platform, ...zeroFigures() };
      addFigures(table[key], row);
    }
  return withoutEmptyRows(table);
};

/** The oracle's campaign total rows for the whole week, from every delivery of the replay. */
export const wholeWeekOracleTotals = (run: Omit<WeekPartsRun, 'parts'>): RollupTable => {
  const { configJson, cycles } = weekCycles(run);
  const oracle = new StreamingOracle(parseConfig(configJson, 'bench week configuration'));
  for (const cycle of cycles) for (const m of cycle.messages) for (const o of m.observations) oracle.add(o);
  return Object.fromEntries(Object.entries(oracle.table()).filter(([, row]) => row.kind === 'total'));
};

export interface CombinedWeek {
  complete: boolean;
  missingParts: number[];
  /** Every part's rollups against its own oracle. */
  partMismatches: number;
  /** The parts' campaign totals summed, against the whole week's oracle (only once every part is in). */
  totals?: Comparison;
  summary: FullWeekSummary;
}

const sum = (records: readonly WeekPartRecord[], pick: (r: WeekPartRecord) => number | null): number =>
  records.reduce((n, r) => n + (pick(r) ?? 0), 0);

/** The whole week from its recorded parts, its totals checked against the oracle when every part is in. */
export const combineWeekParts = (
  saved: WeekPartsFile,
  wholeWeekTotals: () => RollupTable = () => wholeWeekOracleTotals(saved),
): CombinedWeek => {
  const { records } = saved;
  const missingParts = missingWeekParts(saved);
  const complete = missingParts.length === 0 && records.every((r) => r.complete);
  const totals = complete ? compareTables(wholeWeekTotals(), summedTotals(records)) : undefined;
  const seconds = sum(records, (r) => r.hours * 3600);
  const observations = sum(records, (r) => r.observations);
  const byStart = [...records].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const first = byStart[0];
  const latest = byStart.at(-1);
  return {
    complete,
    missingParts,
    partMismatches: sum(records, (r) => r.mismatchedRows),
    ...(totals ? { totals } : {}),
    summary: {
      startedAt: latest?.startedAt ?? '',
      command: `npm run bench:week -- --scale ${saved.scale} --days ${saved.days} --seed ${saved.seed} --parts ${saved.parts} (each part)`,
      commit: latest?.commit ?? '',
      firstStartedAt: first?.startedAt ?? '',
      firstCommit: first?.commit ?? '',
      complete,
      scale: saved.scale,
      days: saved.days,
      seed: saved.seed,
      engine: latest?.engine ?? 'dynamodb-local',
      observations,
      batches: sum(records, (r) => r.batches),
      redeliveries: sum(records, (r) => r.redeliveries),
      deadLetters: sum(records, (r) => r.deadLetters),
      resumes: sum(records, (r) => r.resumes),
      hours: seconds / 3600,
      observationsPerSecond: seconds > 0 ? observations / seconds : 0,
      oracleRows: sum(records, (r) => r.oracleRows),
      mismatchedRows: sum(records, (r) => r.mismatchedRows),
      quarantined: sum(records, (r) => r.quarantined),
      largestItemBytes: Math.max(0, ...records.map((r) => r.largestItemBytes ?? 0)),
      checks: records.flatMap((r) => r.checks),
      readUnitsPerObservation:
        observations > 0
          ? sum(records, (r) => (r.readUnitsPerObservation ?? 0) * r.observations) / observations
          : null,
      parts: saved.parts,
      totalsChecked: totals?.expectedRows ?? null,
      totalsMismatched: totals?.mismatches.length ?? null,
    },
  };
};
