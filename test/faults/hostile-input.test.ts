import { afterEach, describe, expect, it } from 'vitest';
import { type PlatformApi, PlatformStore, startPlatformApi } from '../../infra/local/platform-api';
import { type KolPulseConfig, parseConfig } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import { SeededRandom } from '../../shared/random';
import { tally } from './support/figures';
import { type Pipeline, startPipeline } from './support/pipeline';
import { runPollProcess, simulatedClock } from './support/poll-process';
import { scenarioSeed, sized } from './support/seeds';
import { expectNothingLost, pollWorldOf } from './support/served';

/**
 * Hostile input through the whole path -- real adapters over HTTP -> poll -> fauxqs (which refuses
 * characters SQS refuses) -> aggregate -> dynalite: authors and hashtags carrying U+FFFE/U+FFFF, lone
 * surrogates, bidi overrides, zero-width characters and very long Unicode handles (hence user ids and key
 * parts), plus answers of 11 MB and JSON nested 100,000 deep. No poll cycle may stop because of them,
 * nothing else may be lost, and every rollup figure must equal the oracle of what reached the queue.
 */

const PLATFORMS: Platform[] = ['x', 'mastodon', 'bluesky', 'reddit', 'youtube'];
const T0 = Date.parse('2026-11-20T06:00:00Z');
const CYCLE_MS = 20 * 60_000;
const HOSTILE_CYCLES = sized(3, 8);

const HOSTILE_TEXT = [
  'nonchar\uFFFE',
  'nonchar\uFFFF',
  'lone\uD800surrogate',
  'lone\uDFFF',
  '\u202Eevil\u202C',
  'zero\u200Bwidth\u2060',
  '\uFEFFbom',
  'ﷺ'.repeat(62), // NFKC expands each to 18 characters: key parts must be bounded after normalisation
  `long${'ø'.repeat(400)}`,
];
const HOSTILE_TAGS = [
  ['NextIdea'],
  ['Next\u200BIdea'],
  ['\u202ENextIdea'],
  ['NextIdea', 'tag\uFFFF'],
  ['#Next\uFEFFIdea'],
];

const config: KolPulseConfig = parseConfig({
  campaigns: [
    {
      id: 'hostile',
      name: 'Hostile input',
      hashtags: ['NextIdea'],
      start: '2026-11-19',
      kols: [{ id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'ada_x' }] }],
    },
  ],
  platforms: Object.fromEntries(PLATFORMS.map((p) => [p, { enabled: true, trackingDays: 3 }])),
});

const deeplyNested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const elevenMegabytes = JSON.stringify({ data: [], padding: 'x'.repeat(11 * 1024 * 1024) });

let pipeline: Pipeline | undefined;
let api: PlatformApi | undefined;
afterEach(async () => {
  await api?.close();
  await pipeline?.close();
  api = undefined;
  pipeline = undefined;
});

describe('Faults: hostile input through poll, SQS and aggregate', () => {
  it('stops no cycle, loses nothing else and keeps every figure equal to the oracle', async () => {
    const figures = tally('hostile input through the whole path');
    figures.add('scenarios');
    const rng = new SeededRandom(scenarioSeed('hostile input'));
    const clock = simulatedClock(T0, rng);
    const store = new PlatformStore();
    api = await startPlatformApi({ store, now: clock.now });
    pipeline = await startPipeline({ config, now: T0 + 86_400_000, rng, figures });
    await pipeline.start();
    const world = pollWorldOf({ config, api, pipeline, clock }, rng, 2_000);
    const { enqueued } = world;

    let hostile = 0;
    const addPosts = () => {
      for (const platform of PLATFORMS) {
        for (const text of HOSTILE_TEXT) {
          hostile++;
          store.add({
            platform,
            author: { handle: rng.chance(0.5) ? `${text}${rng.int(0, 3)}` : 'ada_x' },
            hashtags: rng.pick(HOSTILE_TAGS),
            publishedAt: clock.now() - rng.int(0, CYCLE_MS),
            counters: {
              likes: rng.int(0, 50),
              shares: rng.int(0, 5),
              comments: rng.int(0, 5),
              views: rng.int(0, 999),
            },
          });
        }
      }
    };
    const growCounters = () => {
      for (const platform of PLATFORMS)
        for (const post of store.list(platform))
          if (rng.chance(0.5))
            store.update(platform, post.id, {
              counters: { ...post.counters, likes: post.counters.likes + rng.int(1, 9) },
            });
    };

    let stalled = 0;
    const pollAll = async (withHostileBodies: boolean) => {
      for (const platform of PLATFORMS) {
        if (withHostileBodies) {
          api?.faults.next(
            { kind: 'rawBody', body: rng.chance(0.5) ? deeplyNested : elevenMegabytes },
            { platform },
          );
          hostile++;
        }
        const outcome = await runPollProcess(world, platform, undefined);
        expect(outcome.error, `${platform}: ${outcome.error?.message}`).toBeUndefined();
        if (outcome.summary?.stoppedReason === 'send-failed') stalled++;
      }
      api?.faults.clear();
    };

    for (let cycle = 0; cycle < HOSTILE_CYCLES; cycle++) {
      clock.advance(CYCLE_MS);
      addPosts();
      growCounters();
      await pollAll(true);
    }
    await pipeline.settle({ timeoutMs: 120_000 });
    // Two clean cycles: whatever a hostile body cost a cycle is read again, as any failed page is.
    for (let cycle = 0; cycle < 2; cycle++) {
      clock.advance(CYCLE_MS);
      await pollAll(false);
      await pipeline.settle({ timeoutMs: 120_000 });
    }
    figures.add('hostileInputsServed', hostile);
    figures.add('stalledPollCycles', stalled);
    figures.add('observationsServed', enqueued.length);
    expect(stalled).toBe(0);

    const drift = await pipeline.drift(enqueued);
    expect(drift.differences).toEqual([]);
    expect(drift.drift).toBe(0);

    // Nothing else was lost: every post the platforms hold that counts was observed with its current counters.
    const checked = await expectNothingLost(world, store, PLATFORMS);
    expect(checked).toBeGreaterThan(PLATFORMS.length * HOSTILE_TEXT.length);
  });
});
