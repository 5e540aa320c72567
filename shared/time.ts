/** Calendar days (YYYY-MM-DD) in an IANA time zone, correct across DST changes. */

export type Day = string; // YYYY-MM-DD

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
};

export const isValidTimeZone = (timeZone: string): boolean => {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
};

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const wallClock = (epochMs: number, timeZone: string): WallClock => {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The calendar day an instant falls on in the given time zone. */
export const dayOf = (instant: string | number | Date, timeZone: string): Day => {
  const ms = typeof instant === 'number' ? instant : new Date(instant).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`invalid instant: ${String(instant)}`);
  const w = wallClock(ms, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
};

export const isValidDay = (day: string): boolean => {
  if (!DAY_PATTERN.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
};

/** Offset (ms) of the zone from UTC at an instant: wall clock minus UTC. */
const offsetAt = (epochMs: number, timeZone: string): number => {
  const w = wallClock(epochMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
};

/** The first instant (epoch ms) of a calendar day in a time zone (handles days that start at 01:00 after DST). */
export const startOfDay = (day: Day, timeZone: string): number => {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const midnightUtc = Date.UTC(y, m - 1, d);
  // Two passes converge across DST transitions.
  let guess = midnightUtc - offsetAt(midnightUtc, timeZone);
  guess = midnightUtc - offsetAt(guess, timeZone);
  if (dayOf(guess, timeZone) !== day) guess += 3_600_000; // midnight skipped by DST: the day starts an hour later
  return guess;
};

export const addDays = (day: Day, n: number): Day => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

/** Inclusive list of days from..to. */
export const daysBetween = (from: Day, to: Day): Day[] => {
  const out: Day[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
};

export const dayCount = (from: Day, to: Day): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

/**
 * The Monday on or before a calendar day: the start of its week. Weeks group days that are already in
 * the campaign's zone, so they need no zone of their own.
 */
export const weekStartOf = (day: Day): Day => {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
};

/**
 * Covers from..to (inclusive) with as few pieces as possible: every Monday-to-Sunday week lying wholly
 * inside the range, and the days at either end that do not make a whole week.
 */
export const splitIntoWeeks = (from: Day, to: Day): { weeks: Day[]; days: Day[] } => {
  const weeks: Day[] = [];
  const days: Day[] = [];
  let day = from;
  while (day <= to) {
    if (weekStartOf(day) === day && addDays(day, 6) <= to) {
      weeks.push(day);
      day = addDays(day, 7);
    } else {
      days.push(day);
      day = addDays(day, 1);
    }
  }
  return { weeks, days };
};
