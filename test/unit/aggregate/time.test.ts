import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeHandle } from '../../../shared/config';
import { extractHashtags, normalizeHashtag } from '../../../shared/hashtags';
import { addDays, dayOf, daysBetween, splitIntoWeeks, startOfDay, weekStartOf } from '../../../shared/time';

describe('Function: dayOf', () => {
  it('puts instants near midnight on the calendar day of the zone', () => {
    expect(dayOf('2026-03-05T15:59:59Z', 'Asia/Shanghai')).toBe('2026-03-05');
    expect(dayOf('2026-03-05T16:00:00Z', 'Asia/Shanghai')).toBe('2026-03-06');
    expect(dayOf('2026-03-06T00:30:00+08:00', 'UTC')).toBe('2026-03-05');
    expect(dayOf('2026-03-06T04:59:59Z', 'America/New_York')).toBe('2026-03-05');
    expect(dayOf('2026-03-06T05:00:00Z', 'America/New_York')).toBe('2026-03-06');
  });

  it('follows New York across the spring DST change (2026-03-08, a 23-hour day)', () => {
    // 2026-03-08 starts at 05:00Z (EST, -5) and 2026-03-09 at 04:00Z (EDT, -4).
    expect(dayOf('2026-03-08T04:59:59Z', 'America/New_York')).toBe('2026-03-07');
    expect(dayOf('2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-08');
    expect(dayOf('2026-03-09T03:59:59Z', 'America/New_York')).toBe('2026-03-08');
    expect(dayOf('2026-03-09T04:00:00Z', 'America/New_York')).toBe('2026-03-09');
  });

  it('follows New York across the autumn DST change (2026-11-01, a 25-hour day)', () => {
    expect(dayOf('2026-11-01T03:59:59Z', 'America/New_York')).toBe('2026-10-31');
    expect(dayOf('2026-11-01T04:00:00Z', 'America/New_York')).toBe('2026-11-01');
    expect(dayOf('2026-11-02T04:59:59Z', 'America/New_York')).toBe('2026-11-01');
    expect(dayOf('2026-11-02T05:00:00Z', 'America/New_York')).toBe('2026-11-02');
  });

  it('rejects an invalid instant with a clear error', () => {
    expect(() => dayOf('yesterday', 'UTC')).toThrow(/invalid instant/);
  });
});

describe('Function: startOfDay', () => {
  it('gives the first instant of the day in the zone, DST days included', () => {
    expect(new Date(startOfDay('2026-03-08', 'America/New_York')).toISOString()).toBe(
      '2026-03-08T05:00:00.000Z',
    );
    expect(new Date(startOfDay('2026-03-09', 'America/New_York')).toISOString()).toBe(
      '2026-03-09T04:00:00.000Z',
    );
    expect(new Date(startOfDay('2026-11-01', 'America/New_York')).toISOString()).toBe(
      '2026-11-01T04:00:00.000Z',
    );
    expect(new Date(startOfDay('2026-11-02', 'America/New_York')).toISOString()).toBe(
      '2026-11-02T05:00:00.000Z',
    );
    expect(new Date(startOfDay('2026-03-06', 'Asia/Shanghai')).toISOString()).toBe(
      '2026-03-05T16:00:00.000Z',
    );
  });

  it('gives day lengths of 23, 24 and 25 hours around the New York DST changes', () => {
    const hours = (day: string) =>
      (startOfDay(addDays(day, 1), 'America/New_York') - startOfDay(day, 'America/New_York')) / 3_600_000;
    expect([hours('2026-03-07'), hours('2026-03-08'), hours('2026-11-01'), hours('2026-11-02')]).toEqual([
      24, 23, 25, 24,
    ]);
  });

  it('handles a zone whose midnight is skipped by DST (America/Santiago, 2026-09-06 starts at 01:00)', () => {
    const start = startOfDay('2026-09-06', 'America/Santiago');
    expect(dayOf(start, 'America/Santiago')).toBe('2026-09-06');
    expect(dayOf(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });
});

describe('Function: normalizeHashtag', () => {
  it('matches case-insensitively, with or without #, full-width and CJK tags alike', () => {
    expect(normalizeHashtag('#NextIdea')).toBe('nextidea');
    expect(normalizeHashtag('nextidea')).toBe('nextidea');
    expect(normalizeHashtag('＃ＮｅｘｔＩｄｅａ')).toBe('nextidea');
    expect(normalizeHashtag('#腾讯NextIdea')).toBe('腾讯nextidea');
    expect(normalizeHashtag('腾讯ＮｅｘｔＩｄｅａ')).toBe(normalizeHashtag('#腾讯NextIdea'));
    expect(normalizeHashtag('#Straße')).toBe('straße');
  });

  it('extracts tags from text in any script, once each', () => {
    expect(extractHashtags('Loving #NextIdea and ＃ｎｅｘｔｉｄｅａ, also #腾讯NextIdea!')).toEqual([
      'nextidea',
      '腾讯nextidea',
    ]);
  });
});

describe('Function: normalizeHandle', () => {
  it('ignores a leading @ and case', () => {
    expect(normalizeHandle('@AdaTech')).toBe('adatech');
    expect(normalizeHandle('Dee@Mastodon.Example')).toBe('dee@mastodon.example');
  });
});

describe('Weeks: weekStartOf and splitIntoWeeks', () => {
  it('starts a week on the Monday on or before the day, across month and year ends', () => {
    expect(weekStartOf('2026-11-23')).toBe('2026-11-23'); // a Monday
    expect(weekStartOf('2026-11-26')).toBe('2026-11-23');
    expect(weekStartOf('2026-11-29')).toBe('2026-11-23'); // a Sunday
    expect(weekStartOf('2026-11-30')).toBe('2026-11-30');
    expect(weekStartOf('2027-01-01')).toBe('2026-12-28');
    expect(weekStartOf('2028-03-01')).toBe('2028-02-28'); // after a 29 February
  });

  it('covers a range exactly once with whole weeks inside it and the leftover days', () => {
    const day = fc.integer({ min: 0, max: 800 }).map((n) => addDays('2026-01-01', n));
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 400 }), (from, length) => {
        const to = addDays(from, length);
        const { weeks, days } = splitIntoWeeks(from, to);
        const covered = [...weeks.flatMap((w) => daysBetween(w, addDays(w, 6))), ...days].sort();
        expect(covered).toEqual(daysBetween(from, to));
        for (const w of weeks) expect(weekStartOf(w)).toBe(w);
        // Leftover days never make a whole week: at most six at each end.
        const daysOfWeek = new Map<string, number>();
        for (const d of days) daysOfWeek.set(weekStartOf(d), (daysOfWeek.get(weekStartOf(d)) ?? 0) + 1);
        expect([...daysOfWeek.values()].every((n) => n < 7)).toBe(true);
        expect(daysOfWeek.size).toBeLessThanOrEqual(2);
      }),
    );
  });
});
