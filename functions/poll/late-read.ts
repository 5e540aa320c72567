import { DEFAULT_LATE_READS, type PlatformSettings } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import { PermanentPlatformError } from '../../shared/platforms/adapter';
import { type Cycle, queueObservations } from './cycle';
import type { QueryRun } from './query-run';
import { fetchSearchPage, pageRoundRobin } from './search';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A late-read layer as the poller runs it: its key on the cursor item, its cadence, how far back it reads. */
export interface LateLayer {
  key: string;
  everyMs: number;
  readBackMs: number;
}

/**
 * The platform's late-read layers (its own defaults when the settings name none). A layer promises that a post visible at most `lateHours` after it was
 * published is observed within `everyMinutes` plus one cycle, so its re-read, which may start that long
 * after the post surfaced, reads back `lateHours` + `everyMinutes` + one schedule period.
 */
export const lateLayers = (
  platform: Platform,
  settings: Pick<PlatformSettings, 'lateReads' | 'trackingDays'>,
  periodMs: number,
): LateLayer[] =>
  (settings.lateReads ?? DEFAULT_LATE_READS[platform]).map(
    ({ everyMinutes, lateHours = settings.trackingDays * 24 }) => ({
      key: `${everyMinutes}m/${lateHours}h`,
      everyMs: everyMinutes * MINUTE,
      readBackMs: lateHours * HOUR + everyMinutes * MINUTE + periodMs,
    }),
  );

/** One query's late re-read within a cycle; what survives the cycle is in `run.late`. */
export interface LateRun {
  run: QueryRun;
  /** The re-read began in an earlier cycle: its page token may have expired. */
  resumed: boolean;
  restarted: boolean;
  done: boolean;
}

/** Cycles start a little early or late; a layer is due half a cycle before its cadence is up. */
const isDue = (lastRead: string | undefined, layer: LateLayer, now: number, periodMs: number): boolean =>
  lastRead === undefined || !(now - Date.parse(lastRead) < layer.everyMs - periodMs / 2);

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The late re-reads this cycle runs: the unfinished ones, then a new one for each query with a layer due.
 * A new re-read serves the deepest layer due and counts for every layer it reaches as far back as. A query
 * that never completed a search has none: its first search reads back to the campaign start, and its
 * layers are first due one cadence after it began.
 */
export const planLateReads = (
  runs: readonly QueryRun[],
  layers: readonly LateLayer[],
  window: { now: number; periodMs: number; notBefore: string | undefined; backfill: string | undefined },
): LateRun[] => {
  const { now, periodMs } = window;
  if (window.backfill !== undefined) return [];
  return runs.flatMap((run): LateRun[] => {
    const { late } = run;
    if (late.running) return [{ run, resumed: true, restarted: false, done: false }];
    if (run.since === undefined) {
      if (Object.keys(late.lastRead).length === 0)
        late.lastRead = Object.fromEntries(layers.map((l) => [l.key, iso(now)]));
      return [];
    }
    const due = layers.filter((l) => isDue(late.lastRead[l.key], l, now, periodMs));
    if (due.length === 0) return [];
    const readBackMs = Math.max(...due.map((l) => l.readBackMs));
    const floor = Math.max(now - readBackMs, window.notBefore ? Date.parse(window.notBefore) : 0);
    late.running = {
      layers: layers.filter((l) => l.readBackMs <= readBackMs).map((l) => l.key),
      startedAt: iso(now),
      notBefore: iso(floor),
    };
    run.dirty = true;
    return [{ run, resumed: false, restarted: false, done: false }];
  });
};

/**
 * Pages the late re-reads round-robin within `allowance` requests. A re-read pages newest-first down to its
 * `notBefore` without moving the query's cursor; one the allowance or the deadline cuts short keeps its
 * page token and resumes next cycle.
 */
export const readLatePosts = async (
  cycle: Cycle,
  lateRuns: readonly LateRun[],
  cycleIndex: number,
  allowance: number,
): Promise<void> => {
  const callsBefore = cycle.gate.apiCalls;
  try {
    await pageRoundRobin(cycle, lateRuns, cycleIndex, allowance, (late, cost) =>
      readLatePage(cycle, late, cost),
    );
  } finally {
    cycle.summary.lateReadCalls += cycle.gate.apiCalls - callsBefore;
  }
};

const readLatePage = async (cycle: Cycle, late: LateRun, cost: number): Promise<void> => {
  const { run } = late;
  const running = run.late.running;
  if (!running) {
    late.done = true;
    return;
  }
  const request = {
    query: run.query,
    overlapMs: 0,
    notBefore: running.notBefore,
    pageToken: running.pageToken,
  };
  const page = await fetchSearchPage(cycle, request, cost, (e) => lateReadFailed(cycle, late, e));
  if (!page) return;
  cycle.summary.lateReadPages++;
  cycle.summary.lateReadObservations += page.observations.length;
  await queueObservations(cycle, page.observations, page.rejects);
  run.dirty = true;
  if (page.nextPageToken) {
    running.pageToken = page.nextPageToken;
    return;
  }
  for (const key of running.layers) run.late.lastRead[key] = running.startedAt;
  run.late.running = undefined;
  late.done = true;
  cycle.summary.lateReadsCompleted++;
};

/** An expired page token restarts the re-read from the newest page (once); other failures wait a cycle. */
const lateReadFailed = (cycle: Cycle, late: LateRun, error: Error): void => {
  const running = late.run.late.running;
  if (error instanceof PermanentPlatformError && running?.pageToken && late.resumed && !late.restarted) {
    running.pageToken = undefined;
    late.restarted = true;
    late.run.dirty = true;
    return;
  }
  late.done = true;
  cycle.summary.failures.push(`late re-read "${late.run.query}": ${error.message}`);
  cycle.log('error', 'late re-read failed; it resumes next cycle', {
    query: late.run.query,
    error: error.message,
  });
};
