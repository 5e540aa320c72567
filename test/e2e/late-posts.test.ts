import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DemoPostSnapshot } from '../../infra/local/demo/posts';
import { type KolPulseConfig, parseConfig } from '../../shared/config';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { rateToMs } from '../../shared/topology';
import { e2eConfig } from './support/config';
import { probeRollups, rankingsMatch } from './support/probe';
import {
  kolAndTotalDays,
  leaderboardFromOracle,
  readDemoPosts,
  unseenFinalStates,
  voiceTotalsFromOracle,
} from './support/rollups';
import { eventually, killIfRunning, runTwin, type TwinProcess } from './support/twin-process';

/**
 * Black box: the twin runs sped up (a simulated day per real minute) against the demo platform, which lets
 * half of its new campaign posts surface in search late, minutes to days after they were published, with
 * their old ids and timestamps. With the default late-read layers (functions/poll/README.md, "Posts that
 * surface late"), a post up to 24 h late must be observed within 1 h plus a cycle of surfacing, one up to
 * the tracking window late within 1 day plus a cycle; after that every rollup figure equals the oracle of
 * what the pollers served.
 */

const PLATFORMS: Platform[] = ['x', 'mastodon', 'bluesky'];
const SCHEDULE = 'rate(5 minutes)';
const PERIOD_MS = rateToMs(SCHEDULE);
/** One simulated day per real minute: a 5-minute schedule ticks every 208 ms. */
const SPEED = 1_440;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/**
 * The twin's timers run on a busy machine: a poll that outlasts its 208 ms tick skips the next ones, and each
 * skipped tick is a cycle of simulated time. Delays are checked against the promise plus this much.
 */
const TIMER_SLACK_MS = 3_000 * SPEED;

/** The e2e campaigns, polled every 5 minutes with the default late-read layers. */
const writeConfig = (dir: string): { file: string; config: KolPulseConfig } => {
  const raw = e2eConfig(PLATFORMS) as { platforms: Record<string, object> };
  for (const p of PLATFORMS) raw.platforms[p] = { schedule: SCHEDULE, overlapMinutes: 10 };
  const file = join(dir, 'campaigns.json');
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return { file, config: parseConfig(raw) };
};

/** What the default layers promise for a post that surfaced `lateMs` after it was published. */
const promisedDelay = (lateMs: number): number => (lateMs <= DAY ? HOUR : DAY) + PERIOD_MS;

interface LatePost {
  key: string;
  lateMs: number;
  surfacedMs: number;
}

const latePostsOf = (posts: readonly DemoPostSnapshot[]): LatePost[] =>
  posts
    .filter((p) => p.kind === 'campaign' && !p.deleted && p.indexedAt !== undefined)
    .map((p) => ({
      key: `${p.platform}|${p.postId}`,
      surfacedMs: Date.parse(p.indexedAt ?? ''),
      lateMs: Date.parse(p.indexedAt ?? '') - Date.parse(p.publishedAt),
    }));

/** When each post was first observed (simulated time, as the adapters stamp `observedAt`). */
const firstObserved = (recorded: readonly Observation[]): Map<string, number> => {
  const first = new Map<string, number>();
  for (const o of recorded) {
    const key = `${o.platform}|${o.postId}`;
    const at = Date.parse(o.observedAt);
    if (!(at >= (first.get(key) ?? Number.POSITIVE_INFINITY))) first.set(key, at);
  }
  return first;
};

describe('Local twin, black box: posts that surface late', () => {
  let dir: string;
  let twin: TwinProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'twin-e2e-late-'));
  });
  afterEach(async () => {
    await killIfRunning(twin);
    twin = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('observes late posts within the promised delay and serves rollups equal to the oracle', {
    timeout: 180_000,
  }, async () => {
    // Arrange
    const { file, config } = writeConfig(dir);
    const recordFile = join(dir, 'sent.jsonl');
    twin = runTwin([
      ...['--config', file, '--data', join(dir, 'data'), '--port', '0', '--speed', String(SPEED)],
      ...['--demo', '--status-json', '--record-observations', recordFile, '--seed', '19'],
      ...['--demo-late', '0.5', '--demo-duration', '10'],
    ]);

    // Act: let the demo publish for 10 s (4 simulated hours), then give the daily layer a simulated day.
    const ready = await twin.ready;
    const base = ready.api.replace(/\/campaigns$/, '');
    await twin.waitForStatus('the demo to settle', (s) => s.demo?.frozen === true, 40_000);
    const posts = readDemoPosts(join(dir, 'data', 'demo', 'posts.json'));
    const late = latePostsOf(posts);
    const settled = await eventually(
      () => probeRollups(base, config, recordFile),
      (p) =>
        unseenFinalStates(posts, p.recorded).length === 0 &&
        isDeepStrictEqual(kolAndTotalDays(p.api), kolAndTotalDays(p.oracle)) &&
        rankingsMatch(p, config),
      100_000,
      2_000,
    );

    // Assert: the run had late posts of every kind the layers cover, on every platform.
    expect(ready).toMatchObject({ demo: true, speed: SPEED });
    for (const [from, to] of [
      [0, 10 * MINUTE],
      [HOUR, DAY],
      [DAY, 7 * DAY],
    ] as const)
      expect(late.filter((p) => p.lateMs > from && p.lateMs < to).length).toBeGreaterThan(0);
    expect(new Set(late.map((p) => p.key.split('|')[0]))).toEqual(new Set(PLATFORMS));
    // Each late post was first observed within the promised delay of surfacing.
    const observed = firstObserved(settled.recorded);
    const broken = late
      .map((p) => ({ ...p, delayMs: (observed.get(p.key) ?? Number.POSITIVE_INFINITY) - p.surfacedMs }))
      .filter((p) => !(p.delayMs <= promisedDelay(p.lateMs) + TIMER_SLACK_MS))
      .map((p) => `${p.key} ${Math.round(p.lateMs / MINUTE)} min late, seen after ${p.delayMs / MINUTE} min`);
    expect(broken).toEqual([]);
    // Afterwards every figure equals the oracle of what the pollers served.
    expect(unseenFinalStates(posts, settled.recorded)).toEqual([]);
    expect(kolAndTotalDays(settled.api)).toEqual(kolAndTotalDays(settled.oracle));
    expect(settled.voicesApi).toEqual(voiceTotalsFromOracle(settled.oracle));
    expect(settled.leaderboardApi).toEqual(leaderboardFromOracle(config, settled.oracle));
    const mentions = Object.values(settled.oracle)
      .filter((r) => r.kind === 'total')
      .reduce((n, r) => n + r.mentions, 0);
    expect(mentions).toBe(
      posts.filter((p) => p.kind === 'campaign' && observed.has(`${p.platform}|${p.postId}`)).length,
    );
    expect(twin.latest()?.dlqDepth).toBe(0);

    twin.child.kill('SIGTERM');
    expect((await twin.exited).code).toBe(0);
  });
});
