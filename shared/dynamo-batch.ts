import { setTimeout as delay } from 'node:timers/promises';
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk, forEachLimited } from './batches';

/**
 * BatchGetItem and BatchWriteItem with DynamoDB's request limits and its partial results handled: keys or
 * items a call leaves unprocessed are sent again after an exponential backoff with full jitter, for a
 * bounded number of calls. The SDK client retries failed calls itself; a call that still throws ends the
 * retries of its chunk.
 */

export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;

export type DynamoItem = Record<string, unknown>;

export interface BatchRetry {
  /** Calls per chunk, the first one included, before what is still unprocessed is given up. */
  attempts: number;
  /** Ceiling of the first retry's delay; the ceiling doubles per retry up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected waiting and randomness (simulated clocks in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random?: () => number;
}

export const DEFAULT_BATCH_RETRY: BatchRetry = { attempts: 8, baseDelayMs: 25, maxDelayMs: 2_000 };

export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
  constructor(operation: 'BatchGetItem' | 'BatchWriteItem', table: string, count: number, attempts: number) {
    super(`${operation} left ${count} item(s) of table ${table} unprocessed after ${attempts} attempts`);
  }
}

/** Keys or items of one chunk that were not read or written, and why. */
export interface BatchFailure {
  entries: DynamoItem[];
  error: Error;
}

export interface BatchOptions {
  retry?: Partial<BatchRetry>;
  /** Chunks in flight at once (default 1). */
  concurrency?: number;
}

/**
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in
 * [0, min(max, base * 2^(retry - 1))), so callers retrying together spread out instead of hammering in step.
 */
export const unprocessedBackoffMs = (retry: number, options: BatchRetry): number =>
  Math.floor(
    (options.random ?? Math.random)() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1)),
  );

const defaultSleep = async (ms: number) => {
  if (ms > 0) await delay(ms);
};

/** Sends `entries` with `call` (which returns the unprocessed ones) until none is left or attempts run out. */
const untilProcessed = async (
  entries: DynamoItem[],
  call: (pending: DynamoItem[]) => Promise<DynamoItem[]>,
  retry: BatchRetry,
  failure: (count: number) => Error,
): Promise<BatchFailure | undefined> => {
  let pending = entries;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > retry.attempts) return { entries: pending, error: failure(pending.length) };
    if (attempt > 1) await (retry.sleep ?? defaultSleep)(unprocessedBackoffMs(attempt - 1, retry));
    try {
      pending = await call(pending);
    } catch (e) {
      return { entries: pending, error: e instanceof Error ? e : new Error(String(e)) };
    }
  }
  return undefined;
};

const inChunks = async (
  entries: readonly DynamoItem[],
  size: number,
  options: BatchOptions,
  drain: (batch: DynamoItem[], retry: BatchRetry) => Promise<BatchFailure | undefined>,
): Promise<BatchFailure[]> => {
  const retry = { ...DEFAULT_BATCH_RETRY, ...options.retry };
  const failures: BatchFailure[] = [];
  await forEachLimited(chunk(entries, size), options.concurrency ?? 1, async (batch) => {
    const failure = await drain(batch, retry);
    if (failure) failures.push(failure);
  });
  return failures;
};

/** Reads `keys` (at most 100 per call). Returns the items found and the keys that could not be read. */
export const batchGetItems = async (
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly DynamoItem[],
  options: BatchOptions & { consistentRead?: boolean } = {},
): Promise<{ items: DynamoItem[]; failures: BatchFailure[] }> => {
  const items: DynamoItem[] = [];
  const consistency = options.consistentRead ? { ConsistentRead: true } : {};
  const failures = await inChunks(keys, BATCH_GET_LIMIT, options, (batch, retry) =>
    untilProcessed(
      batch,
      async (pending) => {
        const out = await doc.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ...consistency } } }),
        );
        items.push(...(out.Responses?.[table] ?? []));
        return out.UnprocessedKeys?.[table]?.Keys ?? [];
      },
      retry,
      (count) => new UnprocessedItemsError('BatchGetItem', table, count, retry.attempts),
    ),
  );
  return { items, failures };
};

/** Puts `items` (at most 25 per call; no two with the same key). Returns the items that were not written. */
export const batchPutItems = async (
  doc: DynamoDBDocumentClient,
  table: string,
  items: readonly DynamoItem[],
  options: BatchOptions = {},
): Promise<{ written: number; failures: BatchFailure[] }> => {
  const failures = await inChunks(items, BATCH_WRITE_LIMIT, options, (batch, retry) =>
    untilProcessed(
      batch,
      async (pending) => {
        const out = await doc.send(
          new BatchWriteCommand({
            RequestItems: { [table]: pending.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
        return (out.UnprocessedItems?.[table] ?? []).flatMap((r) =>
          r.PutRequest?.Item ? [r.PutRequest.Item] : [],
        );
      },
      retry,
      (count) => new UnprocessedItemsError('BatchWriteItem', table, count, retry.attempts),
    ),
  );
  const lost = failures.reduce((n, f) => n + f.entries.length, 0);
  return { written: items.length - lost, failures };
};
