import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ListMessageMoveTasksCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DlqCliError,
  inspectDlq,
  REDRIVE_COUNT_ATTRIBUTE,
  redrive,
  redriveManually,
  runCli,
} from '../../scripts/dlq';
import type { Observation } from '../../shared/observation';
import { SeededRandom } from '../../shared/random';
import { withSqs } from '../support/engines';
import { generateScenario, makeMessage } from '../support/observations';
import { tally } from './support/figures';
import { type Pipeline, startPipeline, toBodies } from './support/pipeline';
import { scenarioSeed } from './support/seeds';

/**
 * The operator's DLQ tool (scripts/dlq.ts) against fauxqs: inspect explains without consuming; redrive
 * moves everything back in the order that cannot lose a message (receive, send, delete), even when it is
 * itself killed between sending and deleting -- and the aggregate then counts the duplicates once.
 */

let sqs: Awaited<ReturnType<typeof withSqs>> | undefined;
let pipeline: Pipeline | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sqs?.close();
  await pipeline?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sqs = undefined;
  pipeline = undefined;
  dir = undefined;
});

const sendTo = async (client: SQSClient, queueUrl: string, bodies: readonly string[]) => {
  for (let i = 0; i < bodies.length; i += 10)
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({
          Id: String(j),
          MessageBody,
          MessageAttributes: { source: { DataType: 'String', StringValue: 'poll-x' } },
        })),
      }),
    );
};

describe('Operator tool: scripts/dlq.ts', () => {
  it('inspect groups messages by the reason the aggregate would give, by receive count and attribute, and consumes nothing', async () => {
    sqs = await withSqs();
    const valid = generateScenario(1, { posts: 3 }).observations.slice(0, 2) as Observation[];
    const bodies = [
      'not json',
      'still not json',
      JSON.stringify({ version: 9, platform: 'x', observations: valid }),
      JSON.stringify(makeMessage([{ ...valid[0], counters: { likes: -1 } }])),
      JSON.stringify(makeMessage(valid)),
    ];
    await sendTo(sqs.client, sqs.queues.eventsDlq, bodies);

    const report = await inspectDlq(sqs.client, sqs.queues.eventsDlq);
    const again = await inspectDlq(sqs.client, sqs.queues.eventsDlq);

    expect(report.inspected).toBe(5);
    expect(again.inspected).toBe(5); // nothing consumed: everything was made visible again
    const reasons = Object.fromEntries(report.byReason.map((r) => [r.reason, r.count]));
    expect(reasons['body is not JSON']).toBe(2);
    expect(Object.keys(reasons).find((r) => r.startsWith('invalid message: version'))).toBeDefined();
    expect(Object.keys(reasons).find((r) => /^invalid observations \(counters\.likes/.test(r))).toBeDefined();
    expect(Object.keys(reasons).find((r) => r.startsWith('valid message'))).toBeDefined();
    expect(report.byAttribute['source=poll-x']).toBe(5);
    expect(report.byReceiveCount).toEqual({ '1': 5 });
    expect(again.byReceiveCount).toEqual({ '2': 5 });
  });

  it('a redrive killed between sending and deleting loses nothing; the rerun finishes; the aggregate counts each observation once', async () => {
    const figures = tally('DLQ redrive killed between send and delete, then rerun');
    figures.add('scenarios');
    const rng = new SeededRandom(scenarioSeed('dlq crash'));
    const scenario = generateScenario(scenarioSeed('dlq crash scenario'), { posts: 25 });
    figures.add('observationsServed', scenario.observations.length);
    // No batch fails here, so nothing needs the short timeout that hurries failures along; a long one keeps
    // a batch slowed by a busy machine from being received five times and dead-lettered.
    pipeline = await startPipeline({
      config: scenario.config,
      now: scenario.now,
      rng,
      figures,
      visibilityTimeoutSeconds: 10,
    });
    const bodies = toBodies(scenario.observations, rng, 3);
    expect(bodies.length).toBeGreaterThan(20);
    // As if every message had failed maxReceiveCount times and been moved to the DLQ.
    await sendTo(pipeline.sqs.client, pipeline.sqs.queues.eventsDlq, bodies);
    figures.add('messagesSent', bodies.length);

    // The first redrive dies right after its second chunk reached the main queue, before deleting it.
    let chunks = 0;
    await expect(
      redriveManually(pipeline.sqs.client, pipeline.sqs.queues.eventsDlq, pipeline.sqs.queues.events, {
        waitSeconds: 0,
        holdSeconds: 1,
        afterSend: () => {
          if (++chunks === 2) throw new Error('killed between send and delete');
        },
      }),
    ).rejects.toThrow('killed');
    figures.add('crashesInjected');
    expect(await pipeline.depth(pipeline.sqs.queues.eventsDlq)).toBe(bodies.length - 10); // nothing lost

    // The operator runs it again once the killed run's hold has expired: the second chunk goes again.
    await new Promise((r) => setTimeout(r, 1_500));
    const rerun = await redriveManually(
      pipeline.sqs.client,
      pipeline.sqs.queues.eventsDlq,
      pipeline.sqs.queues.events,
      {
        waitSeconds: 0,
      },
    );
    expect(rerun).toMatchObject({
      method: 'manual',
      moved: bodies.length - 10,
      failed: 0,
      sentNotDeleted: 0,
    });
    expect(await pipeline.depth(pipeline.sqs.queues.eventsDlq)).toBe(0);
    expect(await pipeline.depth(pipeline.sqs.queues.events)).toBe(bodies.length + 10); // 10 sent twice
    figures.add('dlqMessagesRedriven', 10 + rerun.moved);
    figures.add('messagesDuplicated', 10);

    await pipeline.start();
    await pipeline.settle({ redrive: false });
    expect(await pipeline.depth(pipeline.sqs.queues.eventsDlq)).toBe(0);
    const drift = await pipeline.drift(scenario.observations);
    expect(drift.differences).toEqual([]);
    expect(drift.drift).toBe(0);
  });

  it('marks redriven messages, so inspect shows what already went round', async () => {
    sqs = await withSqs();
    await sendTo(sqs.client, sqs.queues.eventsDlq, ['{}']);
    const moved = await redriveManually(sqs.client, sqs.queues.eventsDlq, sqs.queues.events, {
      waitSeconds: 0,
    });
    expect(moved.moved).toBe(1);
    const report = await inspectDlq(sqs.client, sqs.queues.events, { waitSeconds: 0 });
    expect(report.byAttribute[`${REDRIVE_COUNT_ATTRIBUTE}=1`]).toBe(1);
    expect(report.byAttribute['source=poll-x']).toBe(1); // the original attributes travel along
  });

  it('the CLI finds a running local twin from <data dir>/twin.json, and explains command-line mistakes', async () => {
    sqs = await withSqs();
    dir = mkdtempSync(join(tmpdir(), 'dlq-cli-'));
    writeFileSync(
      join(dir, 'twin.json'),
      JSON.stringify({
        sqs: { endpoint: sqs.endpoint },
        queues: { events: sqs.queues.events, eventsDlq: sqs.queues.eventsDlq },
      }),
    );
    await sendTo(sqs.client, sqs.queues.eventsDlq, ['oops', 'oops']);
    const lines: string[] = [];
    expect(await runCli(['inspect', '--local', dir], (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/inspected 2 message\(s\)[\s\S]*2 {2}body is not JSON/);
    expect(await runCli(['redrive', '--local', dir, '--json'], (l) => lines.push(l))).toBe(0);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ method: 'manual', moved: 2 });

    await expect(runCli(['inspect'])).rejects.toThrow(DlqCliError);
    await expect(runCli(['inspect', '--local', join(dir, 'nope')])).rejects.toThrow(
      /twin\.json not found: is the local twin running/,
    );
    await expect(runCli(['purge', '--local', dir])).rejects.toThrow(/unknown command "purge"/);
    await expect(runCli(['inspect', '--stage', 'Prod!'])).rejects.toThrow(/is not a stage name/);
    await expect(runCli(['redrive', '--local', dir, '--max', '0'])).rejects.toThrow(
      /--max must be a positive integer/,
    );
    await expect(runCli(['redrive', '--bogus'])).rejects.toThrow(/Unknown option '--bogus'/);
    expect(await runCli([], () => {})).toBe(2);
  });

  it('against AWS, redrive starts a message move task back to the source queue and follows it to the end', async () => {
    const mock = mockClient(SQSClient);
    try {
      mock.onAnyCommand().resolves({
        Attributes: { QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:q', ApproximateNumberOfMessages: '7' },
      });
      mock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
      mock
        .on(ListMessageMoveTasksCommand)
        .resolvesOnce({
          Results: [
            {
              TaskHandle: 'task-1',
              Status: 'RUNNING',
              ApproximateNumberOfMessagesMoved: 3,
              ApproximateNumberOfMessagesToMove: 7,
            },
          ],
        })
        .resolves({
          Results: [{ TaskHandle: 'task-1', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 }],
        });
      const progress: number[] = [];
      const result = await redrive(
        new SQSClient({ region: 'eu-west-1' }),
        'https://dlq',
        'https://main',
        'auto',
        {
          onProgress: (moved) => progress.push(moved),
          pollMs: 1,
        },
      );
      expect(result).toMatchObject({ method: 'move-task', moved: 7, taskHandle: 'task-1' });
      expect(progress).toEqual([3, 7]);
      expect(mock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toMatchObject({
        SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:q',
      });

      mock
        .on(ListMessageMoveTasksCommand)
        .resolves({ Results: [{ TaskHandle: 'task-1', Status: 'FAILED', FailureReason: 'AccessDenied' }] });
      await expect(
        redrive(new SQSClient({ region: 'eu-west-1' }), 'https://dlq', 'https://main', 'move-task', {
          pollMs: 1,
        }),
      ).rejects.toThrow('message move task failed: AccessDenied');
    } finally {
      mock.restore();
    }
  });
});
