import { describe, expect, it } from 'vitest';
import { lateLayers, planLateReads } from '../../../functions/poll/late-read';
import type { QueryRun } from '../../../functions/poll/query-run';
import { queryRun } from './fake-platform';

const T0 = Date.parse('2025-03-10T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PERIOD = 5 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

const layers = lateLayers('mastodon', { trackingDays: 7 }, PERIOD);
const [HOURLY, DAILY] = layers.map((l) => l.key);
const window = { now: T0, periodMs: PERIOD, notBefore: '2025-03-01T00:00:00.000Z', backfill: undefined };

/** A query with a complete search behind it and no search under way. */
const run = (overrides: Partial<QueryRun> = {}): QueryRun =>
  queryRun({
    since: { id: '9', time: iso(T0 - MINUTE) },
    pageToken: undefined,
    newest: undefined,
    ...overrides,
  });

describe('late-read planning', () => {
  it('reads back each layer’s lateness plus its cadence and one cycle; the default deep layer spans tracking', () => {
    expect(layers).toEqual([
      { key: '60m/24h', everyMs: HOUR, readBackMs: DAY + HOUR + PERIOD },
      { key: '1440m/168h', everyMs: DAY, readBackMs: 8 * DAY + PERIOD },
    ]);
    expect(lateLayers('mastodon', { trackingDays: 3, lateReads: [{ everyMinutes: 30 }] }, PERIOD)).toEqual([
      { key: '30m/72h', everyMs: 30 * MINUTE, readBackMs: 3 * DAY + 30 * MINUTE + PERIOD },
    ]);
    // YouTube's search bucket and Instagram's 24-hour, unordered feed: no layers unless configured
    expect(lateLayers('youtube', { trackingDays: 7 }, PERIOD)).toEqual([]);
    expect(lateLayers('instagram', { trackingDays: 7 }, PERIOD)).toEqual([]);
    expect(lateLayers('x', { trackingDays: 7, lateReads: [] }, PERIOD)).toEqual([]);
  });

  it('starts no re-read for a query whose first search is still reading back to the campaign start', () => {
    const first = run({ since: undefined });
    expect(planLateReads([first], layers, window)).toEqual([]);
    expect(first.late.lastRead).toEqual({ [HOURLY as string]: iso(T0), [DAILY as string]: iso(T0) });
  });

  it('runs the deepest layer due, which also counts for the shallower ones, and none before they are due', () => {
    const lastRead = { [HOURLY as string]: iso(T0 - HOUR), [DAILY as string]: iso(T0 - DAY) };
    const daily = run({ late: { lastRead: { ...lastRead } } });
    expect(planLateReads([daily], layers, window)).toHaveLength(1);
    expect(daily.late.running).toEqual({
      layers: [HOURLY, DAILY],
      startedAt: iso(T0),
      notBefore: '2025-03-02T11:55:00.000Z',
    });
    expect(daily.dirty).toBe(true);

    const hourly = run({ late: { lastRead: { ...lastRead, [DAILY as string]: iso(T0 - HOUR) } } });
    planLateReads([hourly], layers, window);
    expect(hourly.late.running).toMatchObject({ layers: [HOURLY], notBefore: iso(T0 - DAY - HOUR - PERIOD) });

    const notYet = run({
      late: { lastRead: { [HOURLY as string]: iso(T0 - 50 * MINUTE), [DAILY as string]: iso(T0) } },
    });
    expect(planLateReads([notYet], layers, window)).toEqual([]);
    expect(notYet.dirty).toBe(false);
  });

  it('never reads back before the campaign start, continues an unfinished re-read, and skips backfills', () => {
    const fresh = run();
    planLateReads([fresh], layers, { ...window, notBefore: iso(T0 - 2 * DAY) });
    expect(fresh.late.running?.notBefore).toBe(iso(T0 - 2 * DAY));

    const running = {
      layers: [HOURLY as string],
      startedAt: iso(T0 - PERIOD),
      notBefore: iso(T0 - DAY),
      pageToken: 'p5',
    };
    const unfinished = run({ late: { lastRead: {}, running: { ...running } } });
    expect(planLateReads([unfinished], layers, window)).toEqual([
      { run: unfinished, resumed: true, restarted: false, done: false },
    ]);
    expect(unfinished.late.running).toEqual(running);

    expect(planLateReads([run()], layers, { ...window, backfill: '2025-03-05T00:00:00Z' })).toEqual([]);
  });
});
