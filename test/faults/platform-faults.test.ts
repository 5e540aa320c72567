import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Fault,
  generateAuthorId,
  type PlatformApi,
  PlatformStore,
  type StoredPost,
  startPlatformApi,
} from '../../infra/local/platform-api';
import { type KolPulseConfig, parseConfig } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import { SeededRandom } from '../../shared/random';
import { tally } from './support/figures';
import { type Pipeline, startPipeline } from './support/pipeline';
import { type PollCrash, runPollProcess, simulatedClock } from './support/poll-process';
import { scenarioSeed, sized } from './support/seeds';
import { expectNothingLost, pollWorldOf } from './support/served';

/**
 * The whole pipeline end to end -- poll (real adapters over HTTP) -> fauxqs -> aggregate -> dynalite --
 * while the platforms misbehave (429 with and without reset headers, 500/502/503, answers slower than the
 * client's timeout, connection resets, malformed JSON, truncated bodies, items missing required fields,
 * posts inserted between pages, counters going down, posts deleted), the poll process is killed mid-page
 * and between sending and saving its cursor, and the aggregate is throttled and killed too.
 *
 * Two checks afterwards:
 * 1. every rollup equals the oracle computed from the observations that reached the queue (zero drift);
 * 2. nothing the platforms served was lost: after the faults stop, every post the platforms hold that counts
 *    for a campaign was observed, and its latest observation carries the platform's current counters (a
 *    fresh adapter, no faults, reads them), so each post's daily figures sum to what the platform shows.
 */

const PLATFORMS: Platform[] = ['x', 'mastodon', 'bluesky', 'reddit', 'youtube'];
const T0 = Date.parse('2026-05-10T06:00:00Z');
const MINUTE = 60_000;
const CYCLE_MS = 20 * MINUTE;
/** The pollers re-read this far behind their cursors: the search-index lag they tolerate. */
const OVERLAP_MINUTES = 10;
const FAULT_CYCLES = sized(6, 16);
/**
 * Clean cycles after the faults: enough for the value planner (functions/poll/value.ts) to refresh every
 * post once, since a post that looks quiet is refreshed only every 8 cycles (a KOL's) or 16 (a voice's)
 * while under a day old; plus one for the last refresh to be read.
 */
const CLEAN_CYCLES = 17;

const config: KolPulseConfig = parseConfig({
  campaigns: [
    {
      id: 'pulse',
      name: 'Pulse',
      hashtags: ['NextIdea', '#腾讯NextIdea'],
      timeZone: 'Asia/Shanghai',
      start: '2026-05-09',
      end: '2026-05-31',
      kols: [
        {
          id: 'ada',
          name: 'Ada',
          accounts: [
            { platform: 'x', handle: 'ada_x' },
            { platform: 'mastodon', handle: 'ada@mastodon.social' },
            { platform: 'bluesky', handle: 'ada.bsky.social' },
            { platform: 'reddit', handle: 'ada_r' },
            { platform: 'youtube', handle: 'AdaTube', userId: generateAuthorId('youtube', 'AdaTube') },
          ],
        },
        {
          id: 'bo',
          name: 'Bo',
          accounts: [
            { platform: 'x', handle: 'bo_x' },
            { platform: 'reddit', handle: 'bo_r' },
          ],
        },
      ],
    },
    { id: 'other', name: 'Other', hashtags: ['OtherTag'], start: '2026-05-01', kols: [] },
  ],
  platforms: Object.fromEntries(
    PLATFORMS.map((p) => [
      p,
      { enabled: true, schedule: 'rate(20 minutes)', overlapMinutes: OVERLAP_MINUTES, trackingDays: 3 },
    ]),
  ),
});

const AUTHORS: Record<Platform, string[]> = {
  x: ['ada_x', 'bo_x', 'fan_one', '小明'],
  mastodon: ['ada', 'fan', 'other@example.org'],
  bluesky: ['ada.bsky.social', 'voice.bsky.social'],
  reddit: ['ada_r', 'bo_r', 'lurker'],
  youtube: ['AdaTube', 'ReviewChannel'],
  instagram: [],
};
const TAG_SETS = [['NextIdea'], ['nextidea', 'misc'], ['腾讯NextIdea'], ['OtherTag'], ['unrelated']];

/** The first item of the first list of objects in a platform's JSON answer (a search or refresh result). */
const firstItemOf = (body: unknown): Record<string, unknown> | undefined => {
  const queue: unknown[] = [body];
  while (queue.length > 0) {
    const node = queue.shift();
    if (Array.isArray(node)) {
      const first: unknown = node[0];
      if (first && typeof first === 'object' && !Array.isArray(first))
        return first as Record<string, unknown>;
    } else if (node && typeof node === 'object') queue.push(...Object.values(node));
  }
  return undefined;
};

const dropFieldOfFirstItem =
  (rng: SeededRandom) =>
  (body: unknown): unknown => {
    const first = firstItemOf(body);
    const keys = Object.keys(first ?? {});
    if (first && keys.length > 0) delete first[rng.pick(keys)];
    return body;
  };

/** An item missing every required field, on any platform. */
const emptyFirstItem = (body: unknown): unknown => {
  const first = firstItemOf(body);
  for (const key of Object.keys(first ?? {})) delete first?.[key];
  return body;
};

const randomFault = (rng: SeededRandom, now: number): Fault => {
  const pick = rng.int(0, 10);
  switch (pick) {
    case 0:
      return { kind: 'status', status: 429, headers: { 'retry-after': String(rng.int(1, 30)) } };
    case 1:
      return {
        kind: 'status',
        status: 429,
        headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.floor(now / 1000) + 60) },
      };
    case 2:
      return { kind: 'status', status: 429 };
    case 3:
      return { kind: 'status', status: rng.pick([500, 502, 503]) };
    case 4:
      return { kind: 'delay', ms: 700 };
    case 5:
      return { kind: 'reset' };
    case 6:
      return { kind: 'malformedJson' };
    case 7:
      return { kind: 'truncated' };
    case 8:
    case 9:
      return { kind: 'mutate', mutate: dropFieldOfFirstItem(rng) };
    default:
      return { kind: 'status', status: 503, headers: { 'retry-after': '2' } };
  }
};

let pipeline: Pipeline | undefined;
let api: PlatformApi | undefined;
afterEach(async () => {
  await api?.close();
  await pipeline?.close();
  api = undefined;
  pipeline = undefined;
});

describe('Faults: platforms misbehave, poll and aggregate crash, end to end', () => {
  it('zero drift against the oracle, and nothing the platforms served is lost', async () => {
    const figures = tally('platform faults + poll/aggregate crashes, end to end');
    figures.add('scenarios');
    const rng = new SeededRandom(scenarioSeed('platform faults'));
    const clock = simulatedClock(T0, rng);
    const store = new PlatformStore();
    api = await startPlatformApi({ store, now: clock.now });
    pipeline = await startPipeline({
      config,
      now: T0 + 86_400_000,
      rng,
      figures,
      visibilityTimeoutSeconds: 2,
      faultPlan: () => ({
        throttle: 0.05,
        lostResponse: 0.03,
        ...(rng.chance(0.1)
          ? { crashAfterWrites: rng.int(1, 20), crashLosesLastResponse: rng.chance(0.5) }
          : {}),
      }),
    });
    await pipeline.start();
    const world = pollWorldOf({ config, api, pipeline, clock }, rng, 400);
    const { enqueued } = world;

    const addPost = (platform: Platform, fromMs: number, toMs: number): StoredPost =>
      store.add({
        platform,
        author: { handle: rng.pick(AUTHORS[platform]) },
        hashtags: rng.pick(TAG_SETS),
        publishedAt: fromMs + Math.floor(rng.next() * (toMs - fromMs)),
        counters: {
          likes: rng.int(0, 5),
          shares: rng.int(0, 2),
          comments: rng.int(0, 2),
          views: rng.int(0, 100),
        },
        hidden: rng.chance(0.2) ? ['views'] : [],
      });
    for (const p of PLATFORMS) for (let i = 0; i < 6; i++) addPost(p, T0 - 10 * 3_600_000, T0);
    // Published before the campaign: served by the search window on some platforms, never counted.
    addPost('mastodon', Date.parse('2026-05-07T00:00:00Z'), Date.parse('2026-05-08T00:00:00Z'));

    const changeTheWorld = () => {
      for (const p of PLATFORMS) {
        for (let i = rng.int(0, 3); i > 0; i--) addPost(p, clock.now() - CYCLE_MS, clock.now());
        for (const post of store.list(p)) {
          if (rng.chance(0.4)) {
            const down = rng.chance(0.15);
            const c = post.counters;
            store.update(p, post.id, {
              counters: {
                likes: Math.max(0, c.likes + (down ? -rng.int(1, 3) : rng.int(0, 30))),
                shares: Math.max(0, c.shares + (down ? -1 : rng.int(0, 5))),
                quotes: c.quotes + rng.int(0, 1),
                comments: c.comments + rng.int(0, 4),
                views: c.views + rng.int(0, 500),
              },
            });
          }
          if (rng.chance(0.03)) store.delete(p, post.id);
        }
      }
    };

    let crashes = 0;
    let pollRejects = 0;
    const pollAll = async (faulty: boolean, { canCrash = faulty } = {}) => {
      for (const platform of PLATFORMS) {
        if (faulty) {
          for (let i = rng.int(0, 3); i > 0; i--)
            api?.faults.next(randomFault(rng, clock.now()), { platform });
          // Posts inserted between two pages of a search: new ones, or ones the platform's search indexed
          // late, up to the overlap window (a post indexed later than that is outside the poller's promise).
          if (rng.chance(0.3))
            api?.faults.next(
              {
                kind: 'before',
                run: () => addPost(platform, clock.now() - OVERLAP_MINUTES * MINUTE, clock.now()),
              },
              { platform },
            );
        }
        const crash: PollCrash | undefined =
          canCrash && rng.chance(0.25)
            ? rng.pick<PollCrash>([
                { afterSends: rng.int(1, 2) },
                { atWrite: rng.int(1, 3) },
                { atFetch: rng.int(1, 4) },
              ])
            : undefined;
        const outcome = await runPollProcess(world, platform, crash);
        if (outcome.crashed) crashes++;
        else pollRejects += outcome.summary?.rejects ?? 0;
        if (!faulty)
          expect(outcome.error, `${platform} clean cycle: ${outcome.error?.message}`).toBeUndefined();
      }
      api?.faults.clear();
    };

    for (let cycle = 0; cycle < FAULT_CYCLES; cycle++) {
      clock.advance(CYCLE_MS);
      changeTheWorld();
      if (cycle === 0) {
        // Whatever the random faults do, each platform's first answer carries one item stripped of every
        // field, in a poll that is not killed: the reject path is always exercised.
        for (const platform of PLATFORMS)
          api.faults.next({ kind: 'mutate', mutate: emptyFirstItem }, { platform });
      }
      await pollAll(true, { canCrash: cycle > 0 });
    }
    // The faults stop; the world keeps still; the pipeline heals.
    await pipeline.settle({ timeoutMs: 120_000 });
    for (let cycle = 0; cycle < CLEAN_CYCLES; cycle++) {
      clock.advance(CYCLE_MS);
      await pollAll(false);
      await pipeline.settle({ timeoutMs: 120_000 });
    }
    figures.add('crashesInjected', crashes);
    figures.add('platformFaultsServed', api.requests.filter((r) => r.fault !== undefined).length);
    figures.add('observationsServed', enqueued.length);
    expect(crashes).toBeGreaterThan(0);
    expect(api.requests.some((r) => r.fault !== undefined)).toBe(true);

    // Items the adapters could not parse were recorded with their reason; the rest of their pages counted.
    const rejects = await pipeline.dynamo.doc.send(
      new ScanCommand({
        TableName: pipeline.dynamo.tables.state,
        FilterExpression: 'kind = :k AND #source = :s',
        ExpressionAttributeNames: { '#source': 'source' },
        ExpressionAttributeValues: { ':k': 'reject', ':s': 'poll' },
      }),
    );
    expect(pollRejects).toBeGreaterThan(0);
    expect(rejects.Items?.length ?? 0).toBeGreaterThan(0);
    for (const item of rejects.Items ?? []) expect(String(item.reason)).toMatch(/\S/);

    // 1. Zero drift against the oracle of what reached the queue.
    const drift = await pipeline.drift(enqueued);
    expect(drift.differences).toEqual([]);
    expect(drift.drift).toBe(0);

    // 2. Nothing served was lost: a fresh adapter's view of every live post equals its latest observation.
    const checkedPosts = await expectNothingLost(world, store, PLATFORMS);
    expect(checkedPosts).toBeGreaterThan(10);
  });
});
