import { COUNTERS, type CounterName, type Counters } from '../../shared/metrics';
import { type Day, dayOf } from '../../shared/time';

/**
 * A post's snapshot history in one time zone, reduced to what daily figures need: for each calendar day
 * of the zone, per counter, the latest known reading of that day. Per counter, because a counter may be
 * hidden in the day's latest snapshot and known in an earlier one (unknown is not zero).
 */

/** [observedAt epoch ms, value]. */
export type Reading = [number, number];
export type DayReadings = Partial<Record<CounterName, Reading>>;

export interface DaySnapshot {
  /** Calendar day in the history's zone. */
  d: Day;
  c: DayReadings;
}

export interface ZoneHistory {
  /** Days with at least one reading, ascending. */
  days: DaySnapshot[];
  /**
   * Days folded away to keep the item bounded: per counter the latest reading up to and including `d`.
   * It is the baseline of the remaining days; observations on or before `d` change nothing.
   */
  floor?: DaySnapshot;
}

/** Histories by IANA time zone name. */
export type Snaps = Record<string, ZoneHistory>;

/** Per-day figures of one post in one zone; a counter is absent when no known reading fell on that day. */
export type DailyCounters = Map<Day, Counters>;

export interface SnapshotInput {
  observedAtMs: number;
  counters: Counters;
}

/**
 * Merges one snapshot into a zone history (mutating it). Returns true when the history changed: a reading
 * that is not newer than the day's latest reading of that counter changes nothing. Equal timestamps keep
 * the larger value, so the outcome does not depend on delivery order.
 */
export const mergeSnapshot = (
  history: ZoneHistory,
  zone: string,
  snapshot: SnapshotInput,
  /** The calendar unit of the history: days of `zone`; the hourly history (hourly.ts) passes UTC hours. */
  periodOf: (observedAtMs: number, zone: string) => string = dayOf,
): boolean => {
  const day = periodOf(snapshot.observedAtMs, zone);
  if (history.floor && day <= history.floor.d) return false;
  let entry = history.days.find((e) => e.d === day);
  let changed = false;
  for (const counter of COUNTERS) {
    const value = snapshot.counters[counter];
    if (value === undefined) continue;
    const current = entry?.c[counter];
    if (
      current &&
      (snapshot.observedAtMs < current[0] || (snapshot.observedAtMs === current[0] && value <= current[1]))
    )
      continue;
    if (!entry) {
      entry = { d: day, c: {} };
      history.days.push(entry);
      history.days.sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0));
    }
    entry.c[counter] = [snapshot.observedAtMs, value];
    changed = true;
  }
  return changed;
};

/**
 * figure_m(D) = reading_m(latest in D) - reading_m(latest before D, or 0), using only known readings.
 * Days folded into the floor are not reported (their figures were final when they were folded).
 */
export const dailyCounters = (history: ZoneHistory): DailyCounters => {
  const previous: Counters = {};
  for (const counter of COUNTERS) {
    const reading = history.floor?.c[counter];
    if (reading) previous[counter] = reading[1];
  }
  const out: DailyCounters = new Map();
  for (const entry of history.days) {
    const figures: Counters = {};
    for (const counter of COUNTERS) {
      const reading = entry.c[counter];
      if (!reading) continue;
      figures[counter] = reading[1] - (previous[counter] ?? 0);
      previous[counter] = reading[1];
    }
    out.set(entry.d, figures);
  }
  return out;
};

/**
 * Folds the oldest days into the floor until at most `maxDays` remain (mutating). Figures of the remaining
 * days are unchanged, since the floor keeps per counter the latest reading of the folded days.
 */
export const compactHistory = (history: ZoneHistory, maxDays: number): void => {
  while (history.days.length > maxDays) {
    const oldest = history.days.shift();
    if (!oldest) return;
    const floor: DaySnapshot = { d: oldest.d, c: { ...history.floor?.c } };
    for (const counter of COUNTERS) {
      const reading = oldest.c[counter];
      if (reading) floor.c[counter] = reading;
    }
    history.floor = floor;
  }
};

export const emptyHistory = (): ZoneHistory => ({ days: [] });

export const cloneSnaps = (snaps: Snaps): Snaps => structuredClone(snaps);
