import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config';
import { FakePlatform } from './fake-platform';
import { DAY, HOUR, MINUTE, memoryWorld } from './memory-world';

const START = Date.parse('2025-03-10T00:00:00Z');
const PERIOD = 5 * MINUTE;
const TAG = 'launch';
/** Just after a cycle has run: the worst moment for a post to become visible. */
const AFTER_CYCLE = 30_000;

/** Posts that surface late with their old id and timestamp, and how soon the poller promises to see them. */
const LATE_POSTS = [
  { label: '10 minutes', revealMs: START + DAY + AFTER_CYCLE, lateMs: 10 * MINUTE, promiseMs: PERIOD },
  {
    label: '3 hours',
    revealMs: START + DAY + HOUR + AFTER_CYCLE,
    lateMs: 3 * HOUR,
    promiseMs: HOUR + PERIOD,
  },
  { label: '24 hours', revealMs: START + 2 * DAY + AFTER_CYCLE, lateMs: DAY, promiseMs: HOUR + PERIOD },
  { label: '2 days', revealMs: START + 3 * DAY + AFTER_CYCLE, lateMs: 2 * DAY, promiseMs: DAY + PERIOD },
  { label: '6 days', revealMs: START + 7 * DAY + AFTER_CYCLE, lateMs: 6 * DAY, promiseMs: DAY + PERIOD },
];
/** Older than the tracking window when it surfaces: no promise is made for it. */
const TOO_LATE = { revealMs: START + 2 * HOUR + AFTER_CYCLE, lateMs: 9 * DAY };
const END = START + 8 * DAY + 2 * HOUR;

let close: (() => void) | undefined;
afterEach(() => close?.());

describe('late and out-of-order posts', () => {
  it('observes every post within the delay its lateness promises, over eight days of 5-minute cycles', async () => {
    // Arrange: an hourly stream of on-time posts, and posts that surface late with old ids and timestamps
    const world = memoryWorld({ start: START, settings: { trackingDays: 7 } });
    close = world.close;
    const late = [...LATE_POSTS, { ...TOO_LATE, label: 'too late', promiseMs: 0 }];
    const planned = [
      ...Array.from({ length: 19 * 24 }, (_, h) => ({
        publishedMs: START - 10 * DAY + h * HOUR,
        revealMs: 0,
      })),
      ...late.map((p) => ({ publishedMs: p.revealMs - p.lateMs, revealMs: p.revealMs })),
    ].sort((a, b) => a.publishedMs - b.publishedMs);
    const ids = new Map<number, string>();
    for (const p of planned) {
      const post = world.platform.addPost([TAG], p.publishedMs, 0, p.revealMs || p.publishedMs);
      if (p.revealMs) ids.set(p.revealMs, FakePlatform.postId(post.id));
    }

    // Act: every scheduled cycle, noting when each post is first observed
    const firstSeen = new Map<string, number>();
    const lateReadFloors: { at: number; notBefore: number }[] = [];
    for (let t = START; t <= END; t += PERIOD) {
      world.clock.t = t;
      const callsBefore = world.platform.calls.length;
      const { sent } = await world.poll();
      for (const o of sent) if (!firstSeen.has(o.postId)) firstSeen.set(o.postId, t);
      for (const call of world.platform.calls.slice(callsBefore))
        if (t > START && call.since === undefined && call.notBefore)
          lateReadFloors.push({ at: t, notBefore: Date.parse(call.notBefore) });
    }

    // Assert: each late post within its promise
    const delays = LATE_POSTS.map((p) => {
      const seen = firstSeen.get(ids.get(p.revealMs) ?? '');
      return {
        label: p.label,
        delay: seen === undefined ? undefined : seen - p.revealMs,
        promise: p.promiseMs,
      };
    });
    for (const d of delays) {
      expect(d.delay, `${d.label} late`).toBeDefined();
      expect(d.delay ?? Number.POSITIVE_INFINITY, `${d.label} late`).toBeLessThanOrEqual(d.promise);
    }
    // ...and nothing is read further back than the tracking window plus one day and one cycle
    expect(firstSeen.has(ids.get(TOO_LATE.revealMs) ?? '')).toBe(false);
    expect(lateReadFloors.length).toBeGreaterThan(0);
    for (const f of lateReadFloors) expect(f.at - f.notBefore).toBeLessThanOrEqual(8 * DAY + PERIOD);
  });

  it('validates the late-read layers, naming the field', () => {
    const config =
      (lateReads: unknown, trackingDays = 7) =>
      () =>
        parseConfig({
          campaigns: [{ id: 'c', name: 'C', hashtags: ['#a'], start: '2025-03-01' }],
          platforms: { mastodon: { trackingDays, lateReads } },
        });
    expect(config([{ everyMinutes: 60, lateHours: 200 }])).toThrow(
      /platforms\.mastodon\.lateReads\[0\]\.lateHours: .*tracking window.*168/,
    );
    expect(config([{ everyMinutes: 0 }])).toThrow(/platforms\.mastodon\.lateReads\[0\]\.everyMinutes/);
    expect(config('hourly')).toThrow(/platforms\.mastodon\.lateReads/);
    expect(config([{ everyMinutes: 30, lateHours: 48 }], 2)().platforms.mastodon?.lateReads).toEqual([
      { everyMinutes: 30, lateHours: 48 },
    ]);
    expect(config(undefined)().platforms.mastodon?.lateReads).toBeUndefined();
  });
});
