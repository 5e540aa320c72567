import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compactHistory,
  dailyCounters,
  emptyHistory,
  mergeSnapshot,
  type SnapshotInput,
  type ZoneHistory,
} from '../../../functions/aggregate/history';
import type { Counters } from '../../../shared/metrics';

const at = (iso: string, counters: Counters): SnapshotInput => ({ observedAtMs: Date.parse(iso), counters });

const historyOf = (zone: string, snapshots: readonly SnapshotInput[]): ZoneHistory => {
  const h = emptyHistory();
  for (const s of snapshots) mergeSnapshot(h, zone, s);
  return h;
};

const snapshotArb = fc.record({
  observedAtMs: fc.integer({
    min: Date.parse('2026-03-01T00:00:00Z'),
    max: Date.parse('2026-03-12T00:00:00Z'),
  }),
  counters: fc.record(
    { likes: fc.nat(1000), shares: fc.nat(50), comments: fc.nat(50), views: fc.nat(10_000) },
    { requiredKeys: [] },
  ),
});
// Distinct observation times: one post never has two different snapshots at the same instant.
const snapshotsArb = fc.uniqueArray(snapshotArb, {
  selector: (s) => s.observedAtMs,
  minLength: 1,
  maxLength: 12,
});

describe('Function: mergeSnapshot', () => {
  it('keeps the latest reading per day and counter; older or duplicate readings change nothing', () => {
    const h = emptyHistory();
    expect(mergeSnapshot(h, 'UTC', at('2026-03-05T20:00:00Z', { likes: 5, views: 10 }))).toBe(true);
    expect(mergeSnapshot(h, 'UTC', at('2026-03-05T20:00:00Z', { likes: 5, views: 10 }))).toBe(false);
    expect(mergeSnapshot(h, 'UTC', at('2026-03-05T10:00:00Z', { likes: 9 }))).toBe(false);
    // Views were hidden in the later snapshot: an earlier known views reading of that day still counts.
    expect(mergeSnapshot(h, 'UTC', at('2026-03-05T21:00:00Z', { likes: 6 }))).toBe(true);
    expect(h.days).toEqual([
      {
        d: '2026-03-05',
        c: {
          likes: [Date.parse('2026-03-05T21:00:00Z'), 6],
          views: [Date.parse('2026-03-05T20:00:00Z'), 10],
        },
      },
    ]);
  });

  it('buckets by the calendar day of the zone', () => {
    const h = historyOf('Asia/Shanghai', [
      at('2026-03-05T15:00:00Z', { likes: 1 }),
      at('2026-03-05T17:00:00Z', { likes: 2 }),
    ]);
    expect(h.days.map((d) => d.d)).toEqual(['2026-03-05', '2026-03-06']);
  });

  it('gives the same history whatever the delivery order and duplication', () => {
    fc.assert(
      fc.property(snapshotsArb, fc.func(fc.integer()), (snapshots, order) => {
        const shuffled = [...snapshots, ...snapshots.slice(0, 3)].sort((a, b) => order(a) - order(b));
        expect(historyOf('America/New_York', shuffled)).toEqual(historyOf('America/New_York', snapshots));
      }),
      { numRuns: 200 },
    );
  });
});

describe('Function: dailyCounters', () => {
  it('counts the first snapshot in full and later ones as the difference, negative included', () => {
    const h = historyOf('UTC', [
      at('2026-03-05T10:00:00Z', { likes: 10, views: 100 }),
      at('2026-03-06T10:00:00Z', { likes: 7 }),
      at('2026-03-07T10:00:00Z', { likes: 12, views: 180 }),
    ]);
    expect(Object.fromEntries(dailyCounters(h))).toEqual({
      '2026-03-05': { likes: 10, views: 100 },
      '2026-03-06': { likes: -3 },
      '2026-03-07': { likes: 5, views: 80 },
    });
  });

  it('sums per counter to the latest known reading (property)', () => {
    fc.assert(
      fc.property(snapshotsArb, (snapshots) => {
        const figures = [...dailyCounters(historyOf('UTC', snapshots)).values()];
        const inOrder = [...snapshots].sort((a, b) => a.observedAtMs - b.observedAtMs);
        for (const counter of ['likes', 'shares', 'comments', 'views'] as const) {
          const latest = inOrder.filter((s) => s.counters[counter] !== undefined).at(-1)?.counters[counter];
          const sum = figures.reduce((acc, f) => acc + (f[counter] ?? 0), 0);
          expect(sum).toBe(latest ?? 0);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('Function: compactHistory', () => {
  it('bounds the history and keeps the figures of the remaining days (property)', () => {
    fc.assert(
      fc.property(snapshotsArb, fc.integer({ min: 1, max: 4 }), (snapshots, maxDays) => {
        const h = historyOf('UTC', snapshots);
        const before = dailyCounters(h);
        compactHistory(h, maxDays);
        expect(h.days.length).toBeLessThanOrEqual(maxDays);
        const after = dailyCounters(h);
        for (const [day, figures] of after) expect(figures).toEqual(before.get(day));
      }),
      { numRuns: 200 },
    );
  });

  it('ignores snapshots on or before the folded days', () => {
    const h = historyOf('UTC', [
      at('2026-03-05T10:00:00Z', { likes: 1 }),
      at('2026-03-07T10:00:00Z', { likes: 3 }),
    ]);
    compactHistory(h, 1);
    expect(mergeSnapshot(h, 'UTC', at('2026-03-05T23:00:00Z', { likes: 2 }))).toBe(false);
    expect(mergeSnapshot(h, 'UTC', at('2026-03-06T10:00:00Z', { likes: 2 }))).toBe(true);
    expect(Object.fromEntries(dailyCounters(h))).toEqual({
      '2026-03-06': { likes: 1 },
      '2026-03-07': { likes: 1 },
    });
  });
});
