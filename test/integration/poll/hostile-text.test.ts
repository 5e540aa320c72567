import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObservationSender } from '../../../functions/poll/sender';
import { createQueues, type LocalSqs, startSqs } from '../../../infra/local/engines';
import { ObservationMessageSchema, ObservationSchema } from '../../../shared/observation';
import { FakeClock } from '../../unit/poll/fake-platform';

/** fauxqs validates message characters exactly as SQS does (InvalidMessageContents). */
let sqs: LocalSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(() => sqs.close());

const T0 = Date.parse('2026-12-01T12:00:00Z');
const hostile = ['\uFFFE', '\uFFFF', '\uD800', '\uDFFF', '\u202E', '\u200B', '\u0000', '\u001F'];

describe('hostile text on the real SQS protocol', () => {
  it('delivers observations carrying characters SQS refuses in raw form, exactly as they were', async () => {
    const queues = await createQueues(sqs.client, `h${Date.now() % 100_000}`);
    const sender = new ObservationSender({
      sqs: sqs.client,
      queueUrl: queues.events,
      platform: 'bluesky',
      pollId: 'bluesky-hostile',
      clock: new FakeClock(T0),
    });
    const observations = hostile.map((c, i) =>
      ObservationSchema.parse({
        platform: 'bluesky',
        postId: `post-${i}`,
        author: { id: `did:plc:${i}`, handle: `name${c}` },
        hashtags: ['nextidea', `tag${c}`],
        publishedAt: new Date(T0).toISOString(),
        observedAt: new Date(T0).toISOString(),
        counters: { likes: i },
      }),
    );
    await sender.add(observations);
    await sender.flush();
    expect(sender.takeUndeliverable()).toEqual([]);
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queues.events, MaxNumberOfMessages: 10 }),
    );
    const delivered = (received.Messages ?? []).flatMap(
      (m) => ObservationMessageSchema.parse(JSON.parse(m.Body ?? '')).observations,
    );
    expect(delivered).toEqual(JSON.parse(JSON.stringify(observations)));
  });
});
