import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, scaledClock, systemClock } from '../../functions/poll/clock';

/**
 * The twin's one clock. With the demo platform it is simulated, `--speed` times faster than the wall clock,
 * and shared by the demo platform, the pollers, the aggregate and the report: a twin at speed 60 for 4 minutes
 * behaves like 4 hours in AWS (cycle numbers, overlap and late re-read windows, refresh intervals, rate-limit
 * windows, retention). Real platforms live in real time, so against them the clock is the system's and
 * `--speed` only shortens the schedules.
 *
 * Simulated time never runs backwards across restarts on one data folder (cursors, demo posts and rollups
 * carry its timestamps): `<data>/simulated-clock.json` holds a lease a little ahead of the clock, renewed
 * every second, and a restart resumes from the later of the lease and the wall clock.
 */

export interface TwinTime {
  clock: Clock;
  /** Stops renewing the lease and records where the clock stands. */
  close(): void;
}

const FILE = 'simulated-clock.json';
/** Real ms between two lease renewals, and how far (in real ms) each lease reaches ahead. */
const RENEW_MS = 1_000;
const LEASE_AHEAD_MS = 2 * RENEW_MS;

/** The simulated instant a restart resumes from; undefined when the folder has none (or it is unreadable). */
export const readSimulatedLease = (dataDir: string): number | undefined => {
  try {
    const saved = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as { notBefore?: unknown };
    const ms = typeof saved.notBefore === 'string' ? Date.parse(saved.notBefore) : Number.NaN;
    return Number.isNaN(ms) ? undefined : ms;
  } catch {
    return undefined;
  }
};

/** Written to a temporary file and renamed, so a kill -9 leaves either the old or the new lease. */
const writeLease = (dataDir: string, notBefore: number): void => {
  const file = join(dataDir, FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ notBefore: new Date(notBefore).toISOString() })}\n`);
  renameSync(`${file}.tmp`, file);
};

export const startTwinTime = (args: { simulated: boolean; speed: number; dataDir: string }): TwinTime => {
  if (!args.simulated) return { clock: systemClock, close: () => {} };
  const real = Date.now();
  const clock = scaledClock(args.speed, {
    real,
    simulated: Math.max(real, readSimulatedLease(args.dataDir) ?? real),
  });
  const renew = () => writeLease(args.dataDir, clock.now() + LEASE_AHEAD_MS * args.speed);
  renew();
  const timer = setInterval(renew, RENEW_MS);
  timer.unref();
  return {
    clock,
    close: () => {
      clearInterval(timer);
      writeLease(args.dataDir, clock.now());
    },
  };
};
