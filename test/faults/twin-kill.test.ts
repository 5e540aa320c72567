import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../shared/platform';
import { SeededRandom } from '../../shared/random';
import { writeE2eConfig } from '../e2e/support/config';
import {
  collapseDays,
  dailyRowsFromApi,
  kolAndTotalDays,
  leaderboardFromApi,
  leaderboardFromOracle,
  rangesFor,
  readDemoPosts,
  readRecorded,
  unseenFinalStates,
  voiceTotalsFromApi,
  voiceTotalsFromOracle,
} from '../e2e/support/rollups';
import { eventually, runTwin, type TwinProcess } from '../e2e/support/twin-process';
import { computeOracle, type RollupTable } from '../support/oracle';
import { tally } from './support/figures';
import { scenarioSeed, sized } from './support/seeds';

/**
 * The whole local twin (`infra/local/main.ts` as its own process, demo platform at high speed) is killed
 * with SIGKILL again and again at random moments under load, and restarted on the same data folder each
 * time. fauxqs is in memory, so whatever was on the queue at a kill is gone; the pipeline must heal from
 * what survives (dynalite on disk, cursors advanced only after sends, overlap re-reads, refreshes).
 * Afterwards the reporting API serves exactly the oracle of everything the pollers queued: counters summed
 * over the range (a lost snapshot may move a delta to the next snapshot's day, never change a total),
 * mentions day by day, and every live campaign post's final counters seen.
 */

const PLATFORMS: Platform[] = ['x', 'mastodon', 'bluesky'];
const KILLS = sized(2, 5);
const SPEED = '40';

let dir: string | undefined;
let twin: TwinProcess | undefined;
afterEach(async () => {
  if (twin && twin.child.exitCode === null && twin.child.signalCode === null) {
    twin.child.kill('SIGKILL');
    await twin.exited;
  }
  twin = undefined;
  // FAULTS_KEEP=1 keeps the data folder, demo state and recorded observations for a post-mortem.
  if (dir && process.env.FAULTS_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  else if (dir) console.log(`kept ${dir}`);
});

/** Sum of absolute differences between two collapsed tables (counters per row, mentions per day). */
const collapsedDrift = (a: ReturnType<typeof collapseDays>, b: ReturnType<typeof collapseDays>) => {
  let drift = 0;
  let compared = 0;
  for (const key of new Set([...Object.keys(a.counters), ...Object.keys(b.counters)]))
    for (const m of ['likes', 'shares', 'comments', 'views'] as const) {
      compared++;
      drift += Math.abs((a.counters[key]?.[m] ?? 0) - (b.counters[key]?.[m] ?? 0));
    }
  for (const key of new Set([...Object.keys(a.mentions), ...Object.keys(b.mentions)])) {
    compared++;
    drift += Math.abs((a.mentions[key] ?? 0) - (b.mentions[key] ?? 0));
  }
  return { drift, compared };
};

describe('Faults: the whole local twin killed with SIGKILL under load', () => {
  it(`heals to the oracle after ${KILLS} kill -9 and restarts on the same data`, async () => {
    const figures = tally(`local twin: ${KILLS} x SIGKILL under load, restarted on the same data`);
    figures.add('scenarios');
    const rng = new SeededRandom(scenarioSeed('twin kill'));
    dir = mkdtempSync(join(tmpdir(), 'kol-pulse-faults-twin-'));
    const { file, config } = writeE2eConfig(dir, PLATFORMS);
    const recordFile = join(dir, 'sent.jsonl');
    const args = (extra: string[]) => [
      '--config',
      file,
      '--data',
      join(dir ?? '', 'data'),
      '--port',
      '0',
      '--speed',
      SPEED,
      '--demo',
      '--status-json',
      '--record-observations',
      recordFile,
      '--seed',
      '23',
      ...extra,
    ];

    let appliedBefore = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      twin = runTwin(args([]));
      await twin.ready;
      // Under load: polls have run and observations are flowing; then a random extra moment.
      const busy = await twin.waitForStatus(
        'work in progress',
        (s) => s.pollsRun >= PLATFORMS.length && s.observationsQueued > 0,
        40_000,
      );
      await new Promise((r) => setTimeout(r, rng.int(200, 2_500)));
      twin.child.kill('SIGKILL');
      expect((await twin.exited).signal).toBe('SIGKILL');
      figures.add('crashesInjected');
      appliedBefore = Math.max(appliedBefore, busy.rollupItems);
    }

    // The last run lets the demo settle, then the twin must have healed.
    twin = runTwin(args(['--demo-duration', '8']));
    const ready = await twin.ready;
    const base = ready.api.replace(/\/campaigns$/, '');
    const first = await twin.waitForStatus('the first status', () => true, 15_000);
    expect(first.rollupItems).toBeGreaterThanOrEqual(appliedBefore); // nothing applied was lost
    await twin.waitForStatus('the demo to settle', (s) => s.demo?.frozen === true, 40_000);
    const posts = readDemoPosts(join(dir, 'data', 'demo', 'posts.json'));

    const probe = async () => {
      const recorded = readRecorded(recordFile);
      const oracle: RollupTable = computeOracle(config, recorded);
      const ranges = rangesFor(config, oracle);
      const api = await dailyRowsFromApi(base, config, ranges);
      const voices = await voiceTotalsFromApi(base, config, ranges);
      const leaderboard = await leaderboardFromApi(base, config, ranges);
      const unseen = unseenFinalStates(posts, recorded);
      return { recorded, oracle, api, voices, leaderboard, unseen };
    };
    const healed = await eventually(
      probe,
      (p) =>
        p.unseen.length === 0 &&
        isDeepStrictEqual(collapseDays(kolAndTotalDays(p.api)), collapseDays(kolAndTotalDays(p.oracle))) &&
        isDeepStrictEqual(p.voices, voiceTotalsFromOracle(p.oracle)) &&
        isDeepStrictEqual(p.leaderboard, leaderboardFromOracle(config, p.oracle)),
      120_000,
      2_000,
    );
    figures.add('observationsServed', healed.recorded.length);
    const drift = collapsedDrift(
      collapseDays(kolAndTotalDays(healed.api)),
      collapseDays(kolAndTotalDays(healed.oracle)),
    );
    figures.add('rollupFiguresCompared', drift.compared);
    figures.add('rollupDrift', drift.drift);

    expect(healed.unseen).toEqual([]);
    expect(collapseDays(kolAndTotalDays(healed.api))).toEqual(collapseDays(kolAndTotalDays(healed.oracle)));
    expect(healed.voices).toEqual(voiceTotalsFromOracle(healed.oracle));
    expect(healed.leaderboard).toEqual(leaderboardFromOracle(config, healed.oracle));
    expect(drift.drift).toBe(0);
    expect(Object.values(healed.oracle).some((r) => r.kind === 'kol' && r.likes > 0)).toBe(true);

    twin.child.kill('SIGTERM');
    expect((await twin.exited).code).toBe(0);
  });
});
