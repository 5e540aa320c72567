import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../shared/platform';
import { writeE2eConfig } from './support/config';
import { probeRollups, rankingsMatch } from './support/probe';
import {
  collapseDays,
  kolAndTotalDays,
  leaderboardFromOracle,
  readDemoPosts,
  readRecorded,
  unseenFinalStates,
  voiceTotalsFromOracle,
} from './support/rollups';
import {
  eventually,
  killIfRunning,
  runTwin,
  type StatusEvent,
  type TwinProcess,
} from './support/twin-process';

/**
 * Black box: the twin runs as `npm start` would run it, against the built-in demo platform at high speed.
 * Once the demo stops changing posts, the rollups served by the reporting API must equal the oracle
 * (test/support/oracle.ts) computed from every observation the pollers queued, and the pollers must have
 * seen the final state of every live campaign post the demo platform holds.
 */

const PLATFORMS: Platform[] = ['x', 'mastodon', 'bluesky'];
/** rate(1 minute) / 30 = a poll every 2 s per platform. */
const SPEED = '30';

describe('Local twin, black box', () => {
  let dir: string;
  let twin: TwinProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'twin-e2e-'));
  });
  afterEach(async () => {
    await killIfRunning(twin);
    twin = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const args = (configFile: string, recordFile: string, extra: string[]) => [
    '--config',
    configFile,
    '--data',
    join(dir, 'data'),
    '--port',
    '0',
    '--speed',
    SPEED,
    '--demo',
    '--status-json',
    '--record-observations',
    recordFile,
    ...extra,
  ];

  it('serves rollups equal to the oracle once the demo settles, then stops cleanly on Ctrl-C to its process group', {
    timeout: 150_000,
  }, async () => {
    // Arrange
    const { file, config } = writeE2eConfig(dir, PLATFORMS);
    const recordFile = join(dir, 'sent.jsonl');
    twin = runTwin(args(file, recordFile, ['--seed', '7', '--demo-duration', '10']));

    // Act
    const ready = await twin.ready;
    const base = ready.api.replace(/\/campaigns$/, '');
    const firstRollups = await twin.waitForStatus('the first rollups', (s) => s.rollupItems > 0, 30_000);
    await twin.waitForStatus('the demo to settle', (s) => s.demo?.frozen === true, 30_000);
    const posts = readDemoPosts(join(dir, 'data', 'demo', 'posts.json'));
    const settled = await eventually(
      () => probeRollups(base, config, recordFile),
      (p) =>
        unseenFinalStates(posts, p.recorded).length === 0 &&
        isDeepStrictEqual(kolAndTotalDays(p.api), kolAndTotalDays(p.oracle)) &&
        rankingsMatch(p, config),
      45_000,
      2_000,
    );

    // Assert
    expect(ready).toMatchObject({ demo: true, speed: Number(SPEED), recovering: false });
    expect(firstRollups.rollupItems).toBeGreaterThan(0);
    expect(unseenFinalStates(posts, settled.recorded)).toEqual([]);
    expect(kolAndTotalDays(settled.api)).toEqual(kolAndTotalDays(settled.oracle));
    expect(settled.voicesApi).toEqual(voiceTotalsFromOracle(settled.oracle));
    expect(settled.leaderboardApi).toEqual(leaderboardFromOracle(config, settled.oracle));
    // The comparison is not vacuous: both campaigns, KOLs and voices, on every platform, have figures.
    const rows = Object.values(settled.oracle);
    for (const campaign of config.campaigns) {
      expect(rows.some((r) => r.campaignId === campaign.id && r.kind === 'kol' && r.mentions > 0)).toBe(true);
      expect(rows.some((r) => r.campaignId === campaign.id && r.kind === 'voice')).toBe(true);
    }
    expect(new Set(rows.map((r) => r.platform))).toEqual(new Set(PLATFORMS));
    // Posts without a campaign hashtag or published before the campaign never count.
    const counted = new Set(settled.recorded.map((o) => `${o.platform}|${o.postId}`));
    const outside = posts.filter((p) => p.kind !== 'campaign').map((p) => `${p.platform}|${p.postId}`);
    const mentions = rows.filter((r) => r.kind === 'total').reduce((n, r) => n + r.mentions, 0);
    const campaignPostsSeen = posts.filter(
      (p) => p.kind === 'campaign' && counted.has(`${p.platform}|${p.postId}`),
    ).length;
    expect(outside.length).toBeGreaterThan(0);
    expect(mentions).toBe(campaignPostsSeen);

    const page = await fetch(ready.dashboard);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(ready.openapi)).status).toBe(200);
    const status = twin.latest();
    expect(status?.dlqDepth).toBe(0);

    // Ctrl-C reaches the engine's process too; the twin still drains into it before exiting.
    twin.pressCtrlC();
    const exit = await twin.exited;
    expect(exit.code).toBe(0);
    expect(twin.stdout()).toContain('{"event":"stopped"');
    // A graceful stop applied everything queued: the next start needs no recovery.
    expect(existsSync(join(dir, 'data', 'needs-recovery'))).toBe(false);
  });

  it.each([
    {
      moment: 'mid-run, with rollups applied and observations in flight',
      killWhen: (s: StatusEvent) => s.rollupItems > 0 && s.observationsQueued > s.observationsApplied,
    },
    {
      // The first poll read the demo's backlog (posts up to 30 minutes old, older than the 10-minute overlap
      // window): only the recovery backfill can read those again.
      moment: 'before the first poll was applied',
      killWhen: (s: StatusEvent) => s.observationsQueued > 0 && s.rollupItems === 0,
    },
  ])(
    'loses no applied rollup on kill -9 $moment and heals to the oracle after a restart',
    {
      timeout: 180_000,
    },
    async ({ killWhen }) => {
      // Arrange: a first run, killed while observations are queued but not applied (fauxqs loses them).
      const { file, config } = writeE2eConfig(dir, PLATFORMS);
      const recordFile = join(dir, 'sent.jsonl');
      twin = runTwin(args(file, recordFile, ['--seed', '11']));
      await twin.ready;
      const beforeKill = await twin.waitForStatus('the moment to kill', killWhen, 40_000);
      twin.child.kill('SIGKILL');
      expect((await twin.exited).signal).toBe('SIGKILL');

      // Act: restart on the same data folder; the demo resumes from its saved state and then settles.
      twin = runTwin(args(file, recordFile, ['--seed', '11', '--demo-duration', '8']));
      const ready = await twin.ready;
      const base = ready.api.replace(/\/campaigns$/, '');
      const afterRestart = await twin.waitForStatus('the first status', () => true, 15_000);
      await twin.waitForStatus('the demo to settle', (s) => s.demo?.frozen === true, 30_000);
      const posts = readDemoPosts(join(dir, 'data', 'demo', 'posts.json'));
      // A lost observation may move a delta to the day of the next snapshot: compare counters over the range,
      // and mentions (which depend on the publish day only) day by day.
      const healed = await eventually(
        () => probeRollups(base, config, recordFile),
        (p) =>
          unseenFinalStates(posts, p.recorded).length === 0 &&
          isDeepStrictEqual(collapseDays(kolAndTotalDays(p.api)), collapseDays(kolAndTotalDays(p.oracle))) &&
          rankingsMatch(p, config),
        60_000,
        2_000,
      );

      // Assert
      expect(ready.recovering).toBe(true);
      expect(afterRestart.rollupItems).toBeGreaterThanOrEqual(beforeKill.rollupItems);
      expect(unseenFinalStates(posts, healed.recorded)).toEqual([]);
      expect(collapseDays(kolAndTotalDays(healed.api))).toEqual(collapseDays(kolAndTotalDays(healed.oracle)));
      expect(healed.voicesApi).toEqual(voiceTotalsFromOracle(healed.oracle));
      expect(healed.leaderboardApi).toEqual(leaderboardFromOracle(config, healed.oracle));
      // Posts from before the kill are still served (the demo state survived) and counted.
      const firstRunPosts = new Set(
        readRecorded(recordFile)
          .slice(0, 1)
          .map((o) => `${o.platform}|${o.postId}`),
      );
      expect(posts.some((p) => firstRunPosts.has(`${p.platform}|${p.postId}`))).toBe(true);
    },
  );
});
