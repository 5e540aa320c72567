import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, startSqs } from '../../../infra/local/engines';
import { LambdaTimeoutError } from '../../../infra/local/lambda-runtime';
import {
  type BatchOutcome,
  MAX_PAYLOAD_BYTES,
  SqsTrigger,
  type SqsTriggerOptions,
} from '../../../infra/local/sqs-trigger';

/**
 * Toy queues with short timeouts so retries and redrive happen within a test. As in AWS, the visibility
 * timeout must exceed the batching window plus the handler's run time, or a message reappears mid-batch.
 */
const VISIBILITY_SECONDS = 2;
const MAX_RECEIVE_COUNT = 3;

const waitUntil = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('SqsTrigger against fauxqs', () => {
  let sqs: LocalSqs;
  let queueUrl: string;
  let dlqUrl: string;
  let queueArn: string;
  let trigger: SqsTrigger | undefined;

  beforeAll(async () => {
    sqs = await startSqs();
  });
  afterAll(async () => {
    await sqs.close();
  });
  afterEach(async () => {
    await trigger?.stop();
    trigger = undefined;
  });

  const freshQueues = async () => {
    const id = randomUUID().slice(0, 8);
    const dlq = await sqs.client.send(new CreateQueueCommand({ QueueName: `toy-${id}-dlq` }));
    dlqUrl = dlq.QueueUrl ?? '';
    const dlqArn = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const main = await sqs.client.send(
      new CreateQueueCommand({
        QueueName: `toy-${id}`,
        Attributes: {
          VisibilityTimeout: String(VISIBILITY_SECONDS),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
            maxReceiveCount: MAX_RECEIVE_COUNT,
          }),
        },
      }),
    );
    queueUrl = main.QueueUrl ?? '';
    const attrs = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    queueArn = attrs.Attributes?.QueueArn ?? '';
  };

  const depth = async (url: string) => {
    const attrs = await sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(attrs.Attributes?.ApproximateNumberOfMessages) +
      Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  };

  const send = async (bodies: string[]) => {
    for (let i = 0; i < bodies.length; i += 10)
      await sqs.client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody })),
        }),
      );
  };

  const startTrigger = async (
    handler: SqsTriggerOptions['handler'],
    overrides: Partial<SqsTriggerOptions> = {},
  ): Promise<{ outcomes: BatchOutcome[]; trigger: SqsTrigger }> => {
    const outcomes: BatchOutcome[] = [];
    trigger = new SqsTrigger({
      client: sqs.client,
      queueUrl,
      handler,
      function: { functionName: 'toy', timeoutSeconds: 5, memoryMb: 128, region: 'us-east-1' },
      batchSize: 10,
      maxBatchingWindowMs: 0,
      maxConcurrency: 2,
      reportBatchItemFailures: true,
      longPollSeconds: 1,
      onBatch: (o) => outcomes.push(o),
      ...overrides,
    });
    await trigger.start();
    return { outcomes, trigger };
  };

  it('invokes the handler with real-shaped SQS records and deletes processed messages', async () => {
    await freshQueues();
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"n":1}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'toy' } },
      }),
    );
    const seen: SQSRecord[] = [];
    await startTrigger(async (event) => {
      seen.push(...event.Records);
    });
    await waitUntil(() => seen.length === 1, 'one record');
    await waitUntil(async () => (await depth(queueUrl)) === 0, 'queue to be empty');
    const record = seen[0];
    expect(record?.body).toBe('{"n":1}');
    expect(record?.eventSource).toBe('aws:sqs');
    expect(record?.eventSourceARN).toBe(queueArn);
    expect(record?.awsRegion).toBe('us-east-1');
    expect(record?.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(record?.messageAttributes.kind).toMatchObject({ dataType: 'String', stringValue: 'toy' });
    expect(record?.receiptHandle).not.toBe('');
  });

  it('gathers messages into one batch during the batching window, up to the batch size', async () => {
    await freshQueues();
    const batches: string[][] = [];
    await startTrigger(
      async (event) => {
        batches.push(event.Records.map((r) => r.body));
      },
      { maxConcurrency: 1, maxBatchingWindowMs: 1_000, batchSize: 4 },
    );
    await send(['a']);
    await new Promise((r) => setTimeout(r, 200));
    await send(['b', 'c']);
    await waitUntil(() => batches.length === 1, 'the first batch');
    // Sent apart but inside one window: delivered together.
    expect(batches[0]?.sort()).toEqual(['a', 'b', 'c']);

    await send(['d', 'e', 'f', 'g', 'h', 'i']);
    await waitUntil(() => batches.flat().length === 9, 'all messages');
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
  });

  it("keeps each event under Lambda's 6 MB payload; what does not fit opens the next batch", async () => {
    await freshQueues();
    // 40 bodies of 200 KB: 8 MB, more than one invocation may carry.
    const bodies = Array.from(
      { length: 40 },
      (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(200_000)}`,
    );
    for (let i = 0; i < bodies.length; i += 5) await send(bodies.slice(i, i + 5));
    const batches: string[][] = [];
    await startTrigger(
      async (event) => {
        batches.push(event.Records.map((r) => r.body));
      },
      { maxConcurrency: 1, maxBatchingWindowMs: 1_000, batchSize: 50 },
    );
    await waitUntil(() => batches.flat().length === bodies.length, 'all messages');
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches)
      expect(batch.reduce((n, body) => n + Buffer.byteLength(body), 0)).toBeLessThanOrEqual(
        MAX_PAYLOAD_BYTES,
      );
    expect(batches.flat().sort()).toEqual([...bodies].sort());
    await waitUntil(async () => (await depth(queueUrl)) === 0, 'queue to be empty');
  });

  it('deletes only the successes of a partial batch failure; the failure comes back after the visibility timeout', async () => {
    await freshQueues();
    await send(['ok-1', 'flaky', 'ok-2']);
    const deliveries: { body: string; receiveCount: string }[] = [];
    const { outcomes } = await startTrigger(
      async (event): Promise<SQSBatchResponse> => {
        for (const r of event.Records)
          deliveries.push({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount });
        const failures = event.Records.filter(
          (r) => r.body === 'flaky' && r.attributes.ApproximateReceiveCount === '1',
        ).map((r) => ({ itemIdentifier: r.messageId }));
        return { batchItemFailures: failures };
      },
      { maxConcurrency: 1, maxBatchingWindowMs: 300 },
    );
    await waitUntil(() => deliveries.some((d) => d.body === 'flaky' && d.receiveCount === '2'), 'the retry');
    await waitUntil(async () => (await depth(queueUrl)) === 0, 'queue to be empty');
    expect(deliveries.filter((d) => d.body === 'ok-1')).toEqual([{ body: 'ok-1', receiveCount: '1' }]);
    expect(deliveries.filter((d) => d.body === 'ok-2')).toEqual([{ body: 'ok-2', receiveCount: '1' }]);
    expect(outcomes[0]?.failed).toHaveLength(1);
    expect(await depth(dlqUrl)).toBe(0);
  });

  it('keeps the whole batch when the handler throws, and redelivers all of it', async () => {
    await freshQueues();
    await send(['x', 'y']);
    let calls = 0;
    const bodiesByCall: string[][] = [];
    const { outcomes } = await startTrigger(
      async (event) => {
        calls++;
        bodiesByCall.push(event.Records.map((r) => r.body).sort());
        if (calls === 1) throw new Error('boom');
      },
      { maxConcurrency: 1, maxBatchingWindowMs: 300 },
    );
    await waitUntil(() => bodiesByCall.flat().length >= 4, 'the redelivery');
    await waitUntil(async () => (await depth(queueUrl)) === 0, 'queue to be empty');
    expect(bodiesByCall.flat().sort()).toEqual(['x', 'x', 'y', 'y']);
    expect(outcomes[0]?.error?.message).toBe('boom');
    expect(outcomes[0]?.succeeded).toEqual([]);
  });

  it('fails the whole batch when batchItemFailures names a message that is not in it', async () => {
    await freshQueues();
    await send(['only']);
    let calls = 0;
    const { outcomes } = await startTrigger(async () => {
      calls++;
      return calls === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-message-id' }] } : undefined;
    });
    await waitUntil(() => calls >= 2, 'the redelivery');
    await waitUntil(async () => (await depth(queueUrl)) === 0, 'queue to be empty');
    expect(outcomes[0]?.error?.name).toBe('InvalidBatchResponseError');
  });

  it('moves a poison message to the DLQ after maxReceiveCount receives and keeps processing the rest', async () => {
    await freshQueues();
    await send(['poison', 'fine']);
    const poisonReceiveCounts: string[] = [];
    const fine: string[] = [];
    await startTrigger(async (event): Promise<SQSBatchResponse> => {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const r of event.Records) {
        if (r.body === 'poison') {
          poisonReceiveCounts.push(r.attributes.ApproximateReceiveCount);
          batchItemFailures.push({ itemIdentifier: r.messageId });
        } else fine.push(r.body);
      }
      return { batchItemFailures };
    });
    await waitUntil(async () => (await depth(dlqUrl)) === 1, 'the poison message in the DLQ');
    expect(poisonReceiveCounts).toEqual(Array.from({ length: MAX_RECEIVE_COUNT }, (_, i) => String(i + 1)));
    expect(fine).toEqual(['fine']);
    expect(await depth(queueUrl)).toBe(0);
    const inDlq = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    expect(inDlq.Messages?.[0]?.Body).toBe('poison');
  });

  it('never runs more than maxConcurrency batches at once', async () => {
    await freshQueues();
    let running = 0;
    let peak = 0;
    let processed = 0;
    await startTrigger(
      async (event: SQSEvent) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 100));
        running--;
        processed += event.Records.length;
      },
      { maxConcurrency: 3, batchSize: 1 },
    );
    await send(Array.from({ length: 12 }, (_, i) => `m${i}`));
    await waitUntil(() => processed === 12, 'all messages');
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('counts a handler that outlives the function timeout as a failed batch', async () => {
    await freshQueues();
    await send(['slow']);
    let calls = 0;
    const { outcomes } = await startTrigger(
      async () => {
        calls++;
        if (calls === 1) await new Promise((r) => setTimeout(r, 600));
      },
      { function: { functionName: 'toy', timeoutSeconds: 0.2, memoryMb: 128, region: 'us-east-1' } },
    );
    await waitUntil(() => calls >= 2, 'the redelivery after the timeout');
    expect(outcomes[0]?.error).toBeInstanceOf(LambdaTimeoutError);
  });

  it('drains in-flight batches on stop: the running batch finishes and is deleted', async () => {
    await freshQueues();
    await send(['long']);
    let started = false;
    let finished = false;
    const { trigger: running } = await startTrigger(async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 400));
      finished = true;
    });
    await waitUntil(() => started, 'the batch to start');
    await running.stop();
    expect(finished).toBe(true);
    expect(running.stats.inFlightBatches).toBe(0);
    expect(await depth(queueUrl)).toBe(0);
  });
});
