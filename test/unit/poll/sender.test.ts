import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_SQS_BYTES,
  ObservationSender,
  SendFailedError,
  sqsSafeJson,
} from '../../../functions/poll/sender';
import { type Observation, ObservationMessageSchema, ObservationSchema } from '../../../shared/observation';
import { FakeClock } from './fake-platform';

const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());

const T0 = Date.parse('2025-03-01T12:00:00Z');

/** Observations of varied size, some with long CJK hashtags (3 bytes per character in UTF-8). */
const observations = (n: number): Observation[] =>
  Array.from({ length: n }, (_, i) =>
    ObservationSchema.parse({
      platform: 'x',
      postId: `post-${i}`,
      author: { id: `u${i % 7}`, handle: `handle_${i % 7}` },
      hashtags: ['nextidea', ...(i % 3 === 0 ? ['腾讯'.repeat(130)] : []), `tag${'x'.repeat(i % 200)}`],
      publishedAt: new Date(T0 - i * 1_000).toISOString(),
      observedAt: new Date(T0).toISOString(),
      counters: { likes: i, shares: i % 5, comments: 0 },
    }),
  );

const newSender = (overrides: { maxAttempts?: number } = {}) =>
  new ObservationSender({
    sqs: new SQSClient({ region: 'us-east-1' }),
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/events',
    platform: 'x',
    pollId: 'x-test',
    clock: new FakeClock(T0),
    ...overrides,
  });

const sentInputs = (): SendMessageBatchCommandInput[] =>
  sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);

const acceptAll = () =>
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: `${e.Id}-id`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));

describe('ObservationSender', () => {
  it('packs many observations per message, under 256 KiB per message and per batch call', async () => {
    // Arrange
    acceptAll();
    const all = observations(6_000);
    const sender = newSender();
    // Act
    await sender.add(all.slice(0, 2_500));
    await sender.add(all.slice(2_500));
    await sender.flush();
    // Assert
    const calls = sentInputs();
    const bodies = calls.flatMap((c) => (c.Entries ?? []).map((e) => e.MessageBody ?? ''));
    for (const call of calls) {
      expect(call.Entries?.length).toBeLessThanOrEqual(10);
      const bytes = (call.Entries ?? []).reduce((n, e) => n + Buffer.byteLength(e.MessageBody ?? ''), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_SQS_BYTES);
    }
    const received: unknown[] = [];
    bodies.forEach((body, i) => {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_SQS_BYTES);
      const message = ObservationMessageSchema.parse(JSON.parse(body));
      expect(message).toMatchObject({ version: 1, platform: 'x', pollId: 'x-test' });
      received.push(...message.observations);
      // Each message is full: the first observation of the next one would not have fitted.
      const next = bodies[i + 1];
      if (next) {
        const firstOfNext = JSON.stringify(ObservationMessageSchema.parse(JSON.parse(next)).observations[0]);
        expect(Buffer.byteLength(body) + 1 + Buffer.byteLength(firstOfNext)).toBeGreaterThan(MAX_SQS_BYTES);
      }
    });
    expect(received).toEqual(all);
    expect(bodies.length).toBeGreaterThan(1);
    expect(sender.stats).toMatchObject({ observationsSent: 6_000, messagesSent: bodies.length });
    expect(sender.pending).toBe(0);
  });

  it('batches several small messages into one SendMessageBatch call', async () => {
    acceptAll();
    const sender = new ObservationSender({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/events',
      platform: 'x',
      pollId: 'x-test',
      clock: new FakeClock(T0),
      maxMessageBytes: 4_096,
    });
    await sender.add(observations(100));
    await sender.flush();
    const calls = sentInputs();
    const messages = calls.reduce((n, c) => n + (c.Entries?.length ?? 0), 0);
    expect(calls.length).toBe(Math.ceil(messages / 10));
  });

  it('retries only the failed entries of a batch, with backoff, until all are sent', async () => {
    // Arrange: the first call fails one entry (a server-side fault), the retry succeeds
    let call = 0;
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      const entries = input.Entries ?? [];
      call++;
      const [failed, ...ok] = call === 1 ? entries : [undefined, ...entries];
      return {
        Successful: ok.map((e) => ({ Id: e?.Id, MessageId: 'm', MD5OfMessageBody: '' })),
        Failed: failed ? [{ Id: failed.Id, SenderFault: false, Code: 'InternalError' }] : [],
      };
    });
    const sender = new ObservationSender({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/events',
      platform: 'x',
      pollId: 'x-test',
      clock: new FakeClock(T0),
      maxMessageBytes: 4_096,
    });
    // Act
    await sender.add(observations(30));
    await sender.flush();
    // Assert
    const calls = sentInputs();
    const firstIds = calls[0]?.Entries?.map((e) => e.Id) ?? [];
    expect(calls[1]?.Entries?.map((e) => e.Id)).toEqual([firstIds[0]]);
    expect(sender.stats.retriedEntries).toBe(1);
    const delivered = calls
      .flatMap((c, i) => (c.Entries ?? []).filter((e) => !(i === 0 && e.Id === firstIds[0])))
      .flatMap((e) => ObservationMessageSchema.parse(JSON.parse(e.MessageBody ?? '')).observations);
    expect(delivered).toHaveLength(30);
  });

  it('retries a call that throws, and fails for good after the bounded attempts', async () => {
    sqsMock.on(SendMessageBatchCommand).rejects(new Error('socket hang up'));
    const sender = newSender({ maxAttempts: 3 });
    await sender.add(observations(5));
    await expect(sender.flush()).rejects.toBeInstanceOf(SendFailedError);
    expect(sentInputs()).toHaveLength(3);
    // A failed sender stays failed: nothing can be reported as sent after it.
    await expect(sender.flush()).rejects.toBeInstanceOf(SendFailedError);
    await expect(sender.add(observations(1))).rejects.toBeInstanceOf(SendFailedError);
  });

  it('sets aside only the observation SQS refuses, sending the rest of its message', async () => {
    // SQS refuses a whole message for one bad observation: the sender splits it and finds the culprit.
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      const entries = input.Entries ?? [];
      const refused = entries.filter((e) => e.MessageBody?.includes('"post-3"'));
      return {
        Successful: entries
          .filter((e) => !refused.includes(e))
          .map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
        Failed: refused.map((e) => ({
          Id: e.Id,
          SenderFault: true,
          Code: 'InvalidMessageContents',
          Message: 'bad',
        })),
      };
    });
    const sender = newSender();
    await sender.add(observations(8));
    await sender.flush();
    const undeliverable = sender.takeUndeliverable();
    expect(undeliverable).toHaveLength(1);
    expect(undeliverable[0]?.item).toMatchObject({ postId: 'post-3' });
    expect(undeliverable[0]?.reason).toMatch(/InvalidMessageContents/);
    expect(sender.stats.observationsSent).toBe(7);
    expect(sender.takeUndeliverable()).toEqual([]);
    // the refused message is never retried as it was
    const bodies = sentInputs()
      .flatMap((c) => c.Entries ?? [])
      .map((e) => e.MessageBody ?? '');
    expect(bodies.filter((b) => b.includes('"post-3"'))).toHaveLength(2);
  });

  it('escapes the noncharacters U+FFFE and U+FFFF that SQS refuses, keeping the text exact', () => {
    const text = 'tag\uFFFEx\uFFFF';
    const json = sqsSafeJson({ text });
    expect(json).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(JSON.parse(json)).toEqual({ text });
  });
});
