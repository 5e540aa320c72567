import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Observation } from '../../shared/observation';
import { OBSERVATION_MESSAGE_VERSION } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { type Clock, fullJitterDelay } from './clock';

/** SQS limit for one message and for one SendMessageBatch call (sum of bodies). */
export const MAX_SQS_BYTES = 256 * 1024;
/** SendMessageBatch takes at most ten entries. */
export const MAX_BATCH_ENTRIES = 10;
/** ObservationMessageSchema caps a message at 5,000 observations. */
export const MAX_OBSERVATIONS_PER_MESSAGE = 5_000;

export class SendFailedError extends Error {
  override name = 'SendFailedError';
}

export interface SenderOptions {
  sqs: SQSClient;
  queueUrl: string;
  platform: Platform;
  pollId: string;
  clock: Clock;
  /** Largest message body in bytes (UTF-8); defaults to the SQS limit. */
  maxMessageBytes?: number;
  /** Attempts per batch entry before giving up (failed entries and failed calls are retried). */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

interface PackedMessage {
  body: string;
  bytes: number;
  /** The observations' JSON, kept so a message SQS refuses can be split to find the one at fault. */
  parts: string[];
}

/** An observation SQS refused on its own (its reason is SQS's answer); the caller records it as a reject. */
export interface UndeliverableObservation {
  item: unknown;
  reason: string;
}

/**
 * JSON of an observation that SQS accepts. SQS refuses message bodies with characters outside #x9 | #xA |
 * #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. JSON.stringify already escapes control characters
 * and lone surrogates; U+FFFE and U+FFFF (free user text can carry them) are escaped here, so the
 * aggregate parses back exactly the same strings.
 */
export const sqsSafeJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

export interface SenderStats {
  observationsSent: number;
  messagesSent: number;
  sendCalls: number;
  retriedEntries: number;
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Packs observations into `ObservationMessage` bodies, as many per message as fit under the size limit
 * (measured as UTF-8 bytes of the exact JSON that is sent), and sends them with SendMessageBatch.
 * Full batches go out as soon as they are ready; `flush()` sends the rest and resolves only when every
 * observation added so far is on the queue. Once a send has failed for good the sender stays failed, so a
 * caller cannot advance a cursor past observations that never reached the queue.
 */
export class ObservationSender {
  readonly stats: SenderStats = { observationsSent: 0, messagesSent: 0, sendCalls: 0, retriedEntries: 0 };
  private readonly prefix: string;
  private readonly suffix = ']}';
  private readonly maxMessageBytes: number;
  private parts: string[] = [];
  private partBytes = 0;
  private ready: PackedMessage[] = [];
  private failure: SendFailedError | undefined;
  private undeliverable: UndeliverableObservation[] = [];

  constructor(private readonly options: SenderOptions) {
    // Same key order as JSON.stringify({ version, platform, pollId, observations }).
    this.prefix = `{"version":${OBSERVATION_MESSAGE_VERSION},"platform":${JSON.stringify(options.platform)},"pollId":${JSON.stringify(options.pollId)},"observations":[`;
    this.maxMessageBytes = Math.min(options.maxMessageBytes ?? MAX_SQS_BYTES, MAX_SQS_BYTES);
  }

  /** Bytes of a message body holding these many observation bytes (commas included). */
  private bodyBytes(parts: number, partBytes: number): number {
    return byteLength(this.prefix) + partBytes + Math.max(0, parts - 1) + byteLength(this.suffix);
  }

  /**
   * Queues observations for sending. Returns the observations that cannot fit in any message on their own
   * (never the case for schema-valid observations at the SQS limit); the caller records them as rejects.
   */
  async add(observations: readonly Observation[]): Promise<Observation[]> {
    this.throwIfFailed();
    const oversized: Observation[] = [];
    for (const observation of observations) {
      const json = sqsSafeJson(observation);
      const bytes = byteLength(json);
      if (this.bodyBytes(1, bytes) > this.maxMessageBytes) {
        oversized.push(observation);
        continue;
      }
      const wouldBe = this.bodyBytes(this.parts.length + 1, this.partBytes + bytes);
      if (wouldBe > this.maxMessageBytes || this.parts.length >= MAX_OBSERVATIONS_PER_MESSAGE) this.seal();
      this.parts.push(json);
      this.partBytes += bytes;
    }
    await this.sendFullBatches();
    return oversized;
  }

  /** Sends everything added so far; resolves once it is all on the queue. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    this.seal();
    while (this.ready.length > 0) await this.sendBatch(this.takeBatch());
  }

  /** Observations added but not yet on the queue. */
  get pending(): number {
    return this.parts.length + this.ready.reduce((n, m) => n + m.parts.length, 0);
  }

  /** Observations SQS refused on their own since the last call; they will never be sent. */
  takeUndeliverable(): UndeliverableObservation[] {
    const taken = this.undeliverable;
    this.undeliverable = [];
    return taken;
  }

  private pack(parts: string[]): PackedMessage {
    const body = `${this.prefix}${parts.join(',')}${this.suffix}`;
    return { body, bytes: byteLength(body), parts };
  }

  private seal(): void {
    if (this.parts.length === 0) return;
    this.ready.push(this.pack(this.parts));
    this.parts = [];
    this.partBytes = 0;
  }

  /**
   * A message SQS refused as malformed is split into one message per observation and sent again, so
   * only the observation at fault is set aside, and the rest of its page still counts.
   */
  private isolate(message: PackedMessage, reason: string): void {
    if (message.parts.length > 1) {
      this.ready.unshift(...message.parts.map((part) => this.pack([part])));
      return;
    }
    const [part] = message.parts;
    if (part !== undefined) this.undeliverable.push({ item: JSON.parse(part), reason });
  }

  /** A batch is full when the next ready message would not fit in it. */
  private async sendFullBatches(): Promise<void> {
    while (this.ready.length > 0) {
      const batch = this.peekBatch();
      if (batch.length === this.ready.length) return; // not full yet: more may join it
      await this.sendBatch(this.takeBatch());
    }
  }

  private peekBatch(): PackedMessage[] {
    const batch: PackedMessage[] = [];
    let bytes = 0;
    for (const message of this.ready) {
      if (batch.length >= MAX_BATCH_ENTRIES || bytes + message.bytes > MAX_SQS_BYTES) break;
      batch.push(message);
      bytes += message.bytes;
    }
    return batch;
  }

  private takeBatch(): PackedMessage[] {
    const batch = this.peekBatch();
    this.ready.splice(0, batch.length);
    return batch;
  }

  private async sendBatch(batch: PackedMessage[]): Promise<void> {
    const { sqs, queueUrl, clock } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 5;
    let pending = new Map(batch.map((message, i) => [`m${i}`, message]));
    for (let attempt = 1; pending.size > 0; attempt++) {
      if (attempt > 1) {
        this.stats.retriedEntries += pending.size;
        await clock.sleep(
          fullJitterDelay(
            attempt - 1,
            this.options.backoffBaseMs ?? 200,
            this.options.backoffCapMs ?? 5_000,
            clock,
          ),
        );
      }
      const entries: SendMessageBatchRequestEntry[] = [...pending].map(([Id, m]) => ({
        Id,
        MessageBody: m.body,
      }));
      let failedIds: string[];
      let lastError: string;
      try {
        this.stats.sendCalls++;
        const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        for (const ok of result.Successful ?? []) {
          const message = ok.Id ? pending.get(ok.Id) : undefined;
          if (!message) continue;
          this.stats.messagesSent++;
          this.stats.observationsSent += message.parts.length;
        }
        const failed = result.Failed ?? [];
        for (const fault of failed.filter((f) => f.SenderFault)) {
          // This message itself is wrong (invalid contents): retrying it as it is cannot help.
          const message = fault.Id ? pending.get(fault.Id) : undefined;
          if (message)
            this.isolate(message, `SQS refused it: ${fault.Code ?? 'unknown'} ${fault.Message ?? ''}`.trim());
        }
        failedIds = failed.flatMap((f) => (f.Id && !f.SenderFault ? [f.Id] : []));
        lastError = failed.map((f) => f.Code ?? 'unknown').join(', ');
      } catch (e) {
        failedIds = [...pending.keys()];
        lastError = (e as Error).message;
      }
      pending = new Map(
        failedIds.flatMap((id) => (pending.has(id) ? [[id, pending.get(id) as PackedMessage]] : [])),
      );
      if (pending.size > 0 && attempt >= maxAttempts) {
        this.failure = new SendFailedError(
          `${pending.size} message(s) not sent to the events queue after ${attempt} attempts: ${lastError}`,
        );
        throw this.failure;
      }
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
