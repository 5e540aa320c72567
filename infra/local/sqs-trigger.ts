import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { type AsyncHandler, invokeLambda, type LambdaFunctionSettings } from './lambda-runtime';

/**
 * Emulates the Lambda event source mapping for SQS (the "trigger"), the way AWS runs it:
 * - `maxConcurrency` pollers long-poll the queue (ReceiveMessage, WaitTimeSeconds up to 20);
 * - each gathers up to `batchSize` messages, waiting at most `maxBatchingWindowMs` after the first one,
 *   and keeps the event under Lambda's 6 MB invocation payload (what does not fit opens the next batch);
 * - each batch is one invocation with a real-shaped SQSEvent (so at most `maxConcurrency` run at once);
 * - with `reportBatchItemFailures`, only the messages not listed in `batchItemFailures` are deleted; a
 *   response naming an id that is not in the batch fails the whole batch, as in AWS;
 * - a thrown error or a timeout fails the whole batch: nothing is deleted;
 * - failed messages are not touched: they become visible again when the queue's visibility timeout
 *   expires, and the queue's RedrivePolicy moves them to the DLQ once they exceed maxReceiveCount
 *   (fauxqs implements redrive on receive exactly like SQS, so the trigger does not emulate it).
 */

export interface SqsTriggerOptions {
  client: SQSClient;
  queueUrl: string;
  /** The aggregate handler; its result is read as an SQSBatchResponse when reportBatchItemFailures is on. */
  handler: AsyncHandler<SQSEvent, unknown>;
  function: LambdaFunctionSettings;
  batchSize: number;
  maxBatchingWindowMs: number;
  maxConcurrency: number;
  reportBatchItemFailures: boolean;
  /** Long-poll wait of an idle poller, in seconds (SQS allows 0..20; Lambda uses 20). */
  longPollSeconds?: number;
  /** Called after each invocation, for status and tests. */
  onBatch?: (outcome: BatchOutcome) => void;
  /** Called when polling or deleting fails; the poller backs off and carries on. */
  onPollError?: (error: Error) => void;
}

export interface BatchOutcome {
  records: SQSRecord[];
  /** Message ids deleted from the queue (processed). */
  succeeded: string[];
  /** Message ids left on the queue for a retry after the visibility timeout. */
  failed: string[];
  /** Set when the whole batch failed: the thrown error, timeout or invalid response. */
  error?: Error;
}

export interface SqsTriggerStats {
  batches: number;
  received: number;
  succeeded: number;
  failed: number;
  invocationErrors: number;
  pollErrors: number;
  inFlightBatches: number;
}

/** The handler answered with a batchItemFailures entry that names no message of the batch. */
export class InvalidBatchResponseError extends Error {
  override name = 'InvalidBatchResponseError';
}

const MAX_RECEIVE = 10;
/** Lambda's synchronous invocation payload limit, which the event source mapping keeps batches under. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** What a record adds around its body in the event (ids, receipt handle, attributes, ARN): a safe margin. */
const RECORD_OVERHEAD_BYTES = 1_024;
const payloadBytesOf = (m: Message): number => Buffer.byteLength(m.Body ?? '') + RECORD_OVERHEAD_BYTES;
const MAX_LONG_POLL_SECONDS = 20;
const POLL_ERROR_BACKOFF_MS = 1_000;

export const toLambdaMessageAttributes = (
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes => {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? 'String',
    };
  }
  return out;
};

/** The record Lambda builds from a received message. */
export const toSqsRecord = (message: Message, queueArn: string, region: string): SQSRecord => {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.AWSTraceHeader ? { AWSTraceHeader: a.AWSTraceHeader } : {}),
    },
    messageAttributes: toLambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
};

/**
 * Splits a batch by the handler's response. Returns the ids to keep (failed) or throws
 * InvalidBatchResponseError when the response cannot be honoured (AWS then fails the whole batch).
 */
export const failedIdsOf = (
  records: readonly SQSRecord[],
  response: unknown,
  reportBatchItemFailures: boolean,
): Set<string> => {
  // An empty response or a null/empty batchItemFailures list is complete success in AWS.
  if (!reportBatchItemFailures || typeof response !== 'object' || response === null) return new Set();
  const failures: unknown = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (!Array.isArray(failures)) return new Set();
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id: unknown =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || id === '' || !ids.has(id))
      throw new InvalidBatchResponseError(
        `batchItemFailures names ${JSON.stringify(id) ?? 'nothing'}, which is not a message of this batch: the whole batch fails`,
      );
    failed.add(id);
  }
  return failed;
};

export class SqsTrigger {
  private readonly options: Required<Pick<SqsTriggerOptions, 'longPollSeconds'>> & SqsTriggerOptions;
  private running = false;
  private readonly pollers: Promise<void>[] = [];
  private abort = new AbortController();
  private queueArn = '';
  /** Received messages that did not fit the previous batch's payload; they open the next one. */
  private readonly carriedOver: Message[] = [];
  readonly stats: SqsTriggerStats = {
    batches: 0,
    received: 0,
    succeeded: 0,
    failed: 0,
    invocationErrors: 0,
    pollErrors: 0,
    inFlightBatches: 0,
  };

  constructor(options: SqsTriggerOptions) {
    if (options.batchSize < 1) throw new Error('batchSize must be at least 1');
    if (options.maxConcurrency < 1) throw new Error('maxConcurrency must be at least 1');
    this.options = { longPollSeconds: MAX_LONG_POLL_SECONDS, ...options };
  }

  async start(): Promise<void> {
    if (this.running) return;
    const attrs = await this.options.client.send(
      new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    this.queueArn = attrs.Attributes?.QueueArn ?? '';
    this.abort = new AbortController();
    this.running = true;
    for (let i = 0; i < this.options.maxConcurrency; i++) this.pollers.push(this.pollLoop());
  }

  /** Stops receiving, lets batches already being processed finish (and delete), then resolves. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    await Promise.all(this.pollers);
    this.pollers.length = 0;
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      let messages: Message[];
      try {
        messages = await this.gatherBatch();
      } catch (e) {
        if (!this.running) break;
        this.stats.pollErrors++;
        this.options.onPollError?.(e as Error);
        await sleep(POLL_ERROR_BACKOFF_MS);
        continue;
      }
      // Messages received just before stop are still processed: they are already invisible on the queue.
      if (messages.length > 0) await this.processBatch(messages);
    }
  }

  /** Receives until the batch is full or the batching window (from the first message) has passed. */
  private async gatherBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowMs, longPollSeconds } = this.options;
    const batch: Message[] = this.carriedOver.splice(0, batchSize);
    let bytes = batch.reduce((n, m) => n + payloadBytesOf(m), 0);
    let windowEnd = batch.length > 0 ? Date.now() + maxBatchingWindowMs : undefined;
    let full = false;
    while (this.running && batch.length < batchSize && !full) {
      let waitSeconds = longPollSeconds;
      if (windowEnd !== undefined) {
        const left = windowEnd - Date.now();
        if (left <= 0) break;
        waitSeconds = Math.min(longPollSeconds, Math.ceil(left / 1000));
      }
      let received: Message[];
      try {
        const out = await this.options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: Math.min(MAX_RECEIVE, batchSize - batch.length),
            WaitTimeSeconds: waitSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        received = out.Messages ?? [];
      } catch (e) {
        // A stop aborts the long poll; whatever was gathered so far is still processed.
        if (!this.running && batch.length > 0) break;
        throw e;
      }
      for (const message of received) {
        const size = payloadBytesOf(message);
        if (full || (batch.length > 0 && bytes + size > MAX_PAYLOAD_BYTES)) {
          this.carriedOver.push(message);
          full = true;
        } else {
          batch.push(message);
          bytes += size;
        }
      }
      if (received.length > 0) windowEnd ??= Date.now() + maxBatchingWindowMs;
      if (maxBatchingWindowMs === 0 && batch.length > 0) break;
    }
    return batch;
  }

  private async processBatch(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toSqsRecord(m, this.queueArn, this.options.function.region));
    this.stats.batches++;
    this.stats.received += records.length;
    this.stats.inFlightBatches++;
    let failed: Set<string>;
    let error: Error | undefined;
    try {
      const response = await invokeLambda(this.options.handler, { Records: records }, this.options.function);
      failed = failedIdsOf(records, response, this.options.reportBatchItemFailures);
    } catch (e) {
      error = e as Error;
      this.stats.invocationErrors++;
      failed = new Set(records.map((r) => r.messageId));
    }
    const succeeded = records.filter((r) => !failed.has(r.messageId));
    try {
      await this.deleteMessages(succeeded);
    } catch (e) {
      // Undeleted successes come back after the visibility timeout; the consumer is idempotent.
      this.stats.pollErrors++;
      this.options.onPollError?.(e as Error);
    }
    this.stats.succeeded += succeeded.length;
    this.stats.failed += failed.size;
    this.stats.inFlightBatches--;
    this.options.onBatch?.({
      records,
      succeeded: succeeded.map((r) => r.messageId),
      failed: [...failed],
      ...(error ? { error } : {}),
    });
  }

  private async deleteMessages(records: readonly SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += MAX_RECEIVE) {
      const chunk = records.slice(i, i + MAX_RECEIVE);
      const out = await this.options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      );
      if (out.Failed && out.Failed.length > 0)
        throw new Error(
          `DeleteMessageBatch failed for ${out.Failed.length} message(s): ${out.Failed[0]?.Message}`,
        );
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
