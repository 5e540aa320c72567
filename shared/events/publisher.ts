import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type BatchRetry, unprocessedBackoffMs } from '../dynamo-batch';
import { type CampaignEvent, EVENT_SOURCE, parseEvent } from './schemas';

/**
 * Publishing campaign events (docs/events.md). Delivery is **at least once**: callers publish after their
 * own durable write (the rollup commit, the poll summary), so a crash before or during publishing loses no
 * data and, on redelivery, re-publishes the same facts under the same deterministic `detail.eventId`; failed
 * entries are retried with backoff. Publishing never throws into its caller: what still fails after the
 * retries is returned (and logged by the caller), never allowed to fail or block a rollup.
 */

/** PutEvents takes at most 10 entries per call (EventBridge API reference, PutEvents `Entries`). */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/**
 * The entries of one PutEvents call must total less than 256 KB, sized as EventBridge does: UTF-8 bytes of
 * Source, DetailType, Detail and Resources, plus 14 bytes for Time (EventBridge User Guide, "Calculating
 * PutEvents event entry size").
 */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** One publishing target: EventBridge in AWS, an NDJSON file in the local twin, memory in tests. */
export interface EventSink {
  readonly description: string;
  /** Sends one batch (≤ 10 entries, < 256 KB); returns the entries that failed (to be retried). */
  put(entries: readonly PutEventsRequestEntry[]): Promise<FailedEntry[]>;
}

export interface FailedEntry {
  entry: PutEventsRequestEntry;
  errorCode: string;
  errorMessage?: string;
}

export interface PublishResult {
  published: number;
  failed: FailedEntry[];
  calls: number;
}

export interface EventPublisher {
  readonly description: string;
  publish(events: readonly CampaignEvent[]): Promise<PublishResult>;
}

export const DEFAULT_PUBLISH_RETRY: BatchRetry = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 };

export const entrySize = (entry: PutEventsRequestEntry): number =>
  (entry.Time ? 14 : 0) +
  Buffer.byteLength(entry.Source ?? '', 'utf8') +
  Buffer.byteLength(entry.DetailType ?? '', 'utf8') +
  Buffer.byteLength(entry.Detail ?? '', 'utf8') +
  (entry.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r, 'utf8'), 0);

/** Consecutive entries in calls of at most 10 entries and under 256 KB. */
export const putEventsBatches = (entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] => {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (size >= PUT_EVENTS_MAX_BYTES)
      throw new Error(`event ${entry.DetailType} is ${size} bytes: over 256 KB`);
    if (current.length === PUT_EVENTS_MAX_ENTRIES || bytes + size >= PUT_EVENTS_MAX_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};

const toEntry = (event: CampaignEvent, busName: string): PutEventsRequestEntry => {
  const checked = parseEvent(event);
  return {
    EventBusName: busName,
    Source: EVENT_SOURCE,
    DetailType: checked.detailType,
    Detail: JSON.stringify(checked.detail),
    Time: new Date(checked.detail.emittedAt),
  };
};

/** Sends events through a sink in valid batches, retrying failed entries with full-jitter backoff. */
export const createPublisher = (
  sink: EventSink,
  busName: string,
  retry: Partial<BatchRetry> = {},
): EventPublisher => {
  const options = { ...DEFAULT_PUBLISH_RETRY, ...retry };
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  return {
    description: sink.description,
    publish: async (events) => {
      const result: PublishResult = { published: 0, failed: [], calls: 0 };
      for (const batch of putEventsBatches(events.map((e) => toEntry(e, busName)))) {
        let pending: FailedEntry[] = batch.map((entry) => ({ entry, errorCode: 'NotSent' }));
        for (let attempt = 1; pending.length > 0 && attempt <= options.attempts; attempt++) {
          if (attempt > 1) await sleep(unprocessedBackoffMs(attempt - 1, options));
          const sent = pending.length;
          result.calls++;
          try {
            pending = await sink.put(pending.map((p) => p.entry));
          } catch (e) {
            const error = e as Error;
            pending = pending.map((p) => ({ ...p, errorCode: error.name, errorMessage: error.message }));
          }
          result.published += sent - pending.length;
        }
        result.failed.push(...pending);
      }
      return result;
    },
  };
};

/** EventBridge: one PutEvents per batch; entries with an ErrorCode are returned for retry. */
export const eventBridgeSink = (client: EventBridgeClient, busName: string): EventSink => ({
  description: `EventBridge bus ${busName}`,
  put: async (entries) => {
    const out = await client.send(new PutEventsCommand({ Entries: [...entries] }));
    if (!out.FailedEntryCount) return [];
    const failed: FailedEntry[] = [];
    (out.Entries ?? []).forEach((result, i) => {
      const entry = entries[i];
      if (entry && result.ErrorCode)
        failed.push({
          entry,
          errorCode: result.ErrorCode,
          ...(result.ErrorMessage ? { errorMessage: result.ErrorMessage } : {}),
        });
    });
    return failed;
  },
});

/**
 * The local twin's bus: one JSON line per event, shaped like the event EventBridge delivers to a rule's
 * target (`source`, `detail-type`, `time`, `detail`), appended synchronously (a line is whole or absent).
 */
export const fileSink = (path: string): EventSink => {
  mkdirSync(dirname(path), { recursive: true });
  return {
    description: `file ${path}`,
    put: async (entries) => {
      const lines = entries.map((e) =>
        JSON.stringify({
          source: e.Source,
          'detail-type': e.DetailType,
          time: (e.Time ?? new Date()).toISOString(),
          detail: JSON.parse(e.Detail ?? '{}'),
        }),
      );
      appendFileSync(path, `${lines.join('\n')}\n`);
      return [];
    },
  };
};

/** Events are switched off (no bus configured): publishing is a no-op that reports nothing published. */
export const noEvents: EventPublisher = {
  description: 'none',
  publish: async () => ({ published: 0, failed: [], calls: 0 }),
};
