import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectDlq, runCli } from '../../scripts/dlq';
import type { Observation } from '../../shared/observation';
import { SeededRandom } from '../../shared/random';
import { topology } from '../../shared/topology';
import { generateScenario } from '../support/observations';
import { computeOracle } from '../support/oracle';
import type { DynamoFaultPlan } from './support/faulty-dynamo';
import { tally } from './support/figures';
import { type Pipeline, startPipeline, toBodies } from './support/pipeline';
import { scenarioSeed, sized } from './support/seeds';

/**
 * The aggregate under at-least-once delivery and failures, end to end on real fauxqs + dynalite through the
 * twin's SQS trigger: after each scenario every rollup equals the oracle (zero drift).
 */

const POSTS = sized(30, 120);
const SEEDS = sized([1], [1, 2, 3]);
let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

interface Case {
  name: string;
  plan: (rng: SeededRandom) => (invocation: number) => DynamoFaultPlan;
  maxExtraCopies: number;
  visibilityTimeoutSeconds: number;
}

const cases: Case[] = [
  {
    name: 'redelivery: duplicates, reordering, 1 s visibility timeout, slow batches',
    plan: () => () => ({ latencyMs: 40 }),
    maxExtraCopies: 2,
    visibilityTimeoutSeconds: 1,
  },
  {
    name: 'crashes: aggregate killed after k writes (applied or not) in 35% of invocations',
    plan: (rng) => () =>
      rng.chance(0.35) ? { crashAfterWrites: rng.int(1, 25), crashLosesLastResponse: rng.chance(0.5) } : {},
    maxExtraCopies: 1,
    visibilityTimeoutSeconds: 1,
  },
  {
    name: 'DynamoDB throttling, 5xx and lost responses at the client',
    plan: () => () => ({ throttle: 0.12, serverError: 0.05, lostResponse: 0.05 }),
    maxExtraCopies: 1,
    visibilityTimeoutSeconds: 2,
  },
  {
    name: 'everything at once: duplicates, crashes, throttling, lost responses, latency',
    plan: (rng) => () => ({
      throttle: 0.08,
      serverError: 0.03,
      lostResponse: 0.04,
      latencyMs: 20,
      ...(rng.chance(0.25)
        ? { crashAfterWrites: rng.int(1, 30), crashLosesLastResponse: rng.chance(0.5) }
        : {}),
    }),
    maxExtraCopies: 2,
    visibilityTimeoutSeconds: 1,
  },
];

describe('Faults: aggregate under redelivery, crashes and DynamoDB errors', () => {
  for (const c of cases)
    for (const seed of SEEDS)
      it(`${c.name} (seed ${seed})`, async () => {
        const figures = tally(`${c.name} (seed ${seed})`);
        figures.add('scenarios');
        const rng = new SeededRandom(scenarioSeed(`${c.name}/${seed}`));
        const scenario = generateScenario(scenarioSeed(`scenario/${seed}`), {
          posts: POSTS,
          maxSnapshotsPerPost: 5,
        });
        figures.add('observationsServed', scenario.observations.length);
        pipeline = await startPipeline({
          config: scenario.config,
          now: scenario.now,
          rng,
          figures,
          visibilityTimeoutSeconds: c.visibilityTimeoutSeconds,
          faultPlan: c.plan(rng),
        });
        await pipeline.send(toBodies(scenario.observations, rng), { maxExtraCopies: c.maxExtraCopies });
        await pipeline.start();
        await pipeline.settle({ timeoutMs: 150_000 });
        const drift = await pipeline.drift(scenario.observations);
        expect(drift.differences).toEqual([]);
        expect(drift.drift).toBe(0);
      });

  it('malformed messages are rejected with their reason recorded; their neighbours count; none is retried forever', async () => {
    const figures = tally('malformed messages beside valid ones');
    figures.add('scenarios');
    const rng = new SeededRandom(scenarioSeed('malformed'));
    const scenario = generateScenario(scenarioSeed('malformed scenario'), { posts: POSTS });
    figures.add('observationsServed', scenario.observations.length);
    pipeline = await startPipeline({ config: scenario.config, now: scenario.now, rng, figures });
    const valid = scenario.observations[0] as Observation;
    const malformed = [
      'not json {',
      JSON.stringify({ version: 2, platform: 'x', observations: [valid] }),
      JSON.stringify({ version: 1, platform: 'tiktok', observations: [valid] }),
      JSON.stringify({ version: 1, platform: 'x', observations: [] }),
      // One bad observation beside a good one: the good one counts.
      JSON.stringify({
        version: 1,
        platform: valid.platform,
        observations: [{ ...valid, counters: { likes: -5 } }, { ...valid, postId: '' }, valid],
      }),
      JSON.stringify({
        version: 1,
        platform: valid.platform,
        observations: [{ ...valid, publishedAt: 'yesterday' }],
      }),
    ];
    figures.add('badInputsTried', malformed.length);
    await pipeline.send([...toBodies(scenario.observations, rng), ...malformed], { maxExtraCopies: 1 });
    await pipeline.start();
    await pipeline.settle({ redrive: false });
    expect(await pipeline.depth(pipeline.sqs.queues.eventsDlq)).toBe(0);
    const drift = await pipeline.drift(scenario.observations);
    expect(drift.differences).toEqual([]);
    const rejects = await pipeline.dynamo.doc.send(
      new ScanCommand({
        TableName: pipeline.dynamo.tables.state,
        FilterExpression: 'kind = :k',
        ExpressionAttributeValues: { ':k': 'reject' },
      }),
    );
    const reasons = (rejects.Items ?? []).map((i) => String(i.reason));
    expect(reasons.some((r) => r.startsWith('body is not JSON'))).toBe(true);
    expect(reasons.some((r) => /^invalid message: version/.test(r))).toBe(true);
    expect(reasons.some((r) => /^invalid message: platform/.test(r))).toBe(true);
    expect(reasons.some((r) => /^invalid observation 0: counters\.likes/.test(r))).toBe(true);
    expect(reasons.some((r) => /^invalid observation 1: postId/.test(r))).toBe(true);
    expect(reasons.some((r) => /publishedAt/.test(r))).toBe(true);
  });

  it('a poison message lands in the DLQ without blocking its batch, is explained by inspect, and a redrive after the fix loses nothing and counts nothing twice', async () => {
    const figures = tally('poison message -> DLQ -> fix -> redrive (CLI)');
    figures.add('scenarios');
    const rng = new SeededRandom(scenarioSeed('poison'));
    const scenario = generateScenario(scenarioSeed('poison scenario'), { posts: POSTS });
    figures.add('observationsServed', scenario.observations.length);
    // A bug that makes every write about one post fail, until it is fixed.
    const counted = (postId: string) =>
      Object.keys(
        computeOracle(
          scenario.config,
          scenario.observations.filter((o) => o.postId === postId),
        ),
      ).length > 0;
    const poisonPost =
      scenario.observations.find((o) => !o.postId.includes('#') && counted(o.postId))?.postId ?? '';
    expect(poisonPost).not.toBe('');
    let cured = false;
    pipeline = await startPipeline({
      config: scenario.config,
      now: scenario.now,
      rng,
      figures,
      visibilityTimeoutSeconds: 1,
      faultPlan: () => ({ poison: (body) => !cured && body.includes(JSON.stringify(poisonPost)) }),
    });
    await pipeline.send(toBodies(scenario.observations, rng, 4));
    await pipeline.start();
    await pipeline.settle({ redrive: false, timeoutMs: 120_000 });

    // Before the fix: the poison post's messages are in the DLQ; every other post is exact already.
    const report = await inspectDlq(pipeline.sqs.client, pipeline.sqs.queues.eventsDlq);
    expect(report.inspected).toBeGreaterThan(0);
    figures.add('poisonMessages', report.inspected);
    expect(report.byReason.map((r) => r.reason)).toEqual([
      'valid message: failed downstream (search the aggregate logs for the message id)',
    ]);
    const maxReceiveCount = topology.queues.events.deadLetter.maxReceiveCount;
    for (const count of Object.keys(report.byReceiveCount))
      expect(Number(count)).toBeGreaterThan(maxReceiveCount);
    const others = scenario.observations.filter((o) => o.postId !== poisonPost);
    const before = await pipeline.drift(others);
    expect(before.differences).toEqual([]);
    // Inspecting consumed nothing.
    expect(await pipeline.depth(pipeline.sqs.queues.eventsDlq)).toBe(report.inspected);

    // The fix, then the operator's redrive through the CLI. Every redriven message is about the one post, so
    // its batches contend for the same items and can outlast the 1 s timeout that hurried the poison into the
    // DLQ; a realistic timeout keeps a slow healthy batch from being received five times and dead-lettered.
    cured = true;
    await pipeline.setVisibilityTimeout(10);
    const lines: string[] = [];
    const code = await runCli(
      [
        'redrive',
        '--queue-url',
        pipeline.sqs.queues.eventsDlq,
        '--endpoint',
        pipeline.sqs.endpoint,
        '--json',
      ],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    const result = JSON.parse(lines.at(-1) ?? '{}') as { method: string; moved: number };
    expect(result).toMatchObject({ method: 'manual', moved: report.inspected });
    figures.add('dlqMessagesRedriven', result.moved);
    await pipeline.settle({ redrive: false });
    expect(await pipeline.depth(pipeline.sqs.queues.eventsDlq)).toBe(0);
    const after = await pipeline.drift(scenario.observations);
    expect(after.differences).toEqual([]);
    expect(after.drift).toBe(0);
  });
});
