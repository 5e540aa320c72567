import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

/** Live figures of the twin, for the status line and `--status-json`. */

export interface TwinCounters {
  pollsRun: number;
  pollErrors: number;
  /** Searches or refreshes that failed inside a poll (the cycle carried on; the next one retries). */
  pollFailures: number;
  observationsQueued: number;
  /** Observations in messages the aggregate handler processed and the trigger deleted. */
  observationsApplied: number;
  aggregateBatches: number;
  /** Messages left on the queue by a failed record or batch (they are retried). */
  aggregateFailures: number;
  triggerErrors: number;
  lastError?: string;
  /** Per platform, the largest share of a budget quota used in its current period (0..1), from the last poll. */
  budget?: Record<string, number>;
}

export interface StatusSnapshot extends TwinCounters {
  uptimeSeconds: number;
  queueDepth: number;
  dlqDepth: number;
  rollupItems: number;
  errors: number;
  demo?: { posts: number; frozen: boolean };
}

export const newCounters = (): TwinCounters => ({
  pollsRun: 0,
  pollErrors: 0,
  pollFailures: 0,
  observationsQueued: 0,
  observationsApplied: 0,
  aggregateBatches: 0,
  aggregateFailures: 0,
  triggerErrors: 0,
});

export const errorCount = (c: TwinCounters): number =>
  c.pollErrors + c.pollFailures + c.aggregateFailures + c.triggerErrors;

/** Messages on a queue, visible or in flight. */
export const queueDepth = async (sqs: SQSClient, queueUrl: string): Promise<number> => {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
};

/** Items in a table. A local-only diagnostic: no request path of KOL Pulse scans. */
export const countItems = async (doc: DynamoDBDocumentClient, tableName: string): Promise<number> => {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: startKey }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
};

/**
 * Wraps an expensive probe (a COUNT Scan that grows with the table) so that it runs again only once
 * `factor` times its last duration has passed; in between, the last answer stands. A small table is
 * counted on every call; a big one does not keep the engine busy for the status line.
 */
export const throttledProbe = <T>(probe: () => Promise<T>, factor = 20, now: () => number = Date.now) => {
  let last: { value: T; startedAt: number; tookMs: number } | undefined;
  return async (): Promise<T> => {
    const startedAt = now();
    if (last && startedAt - last.startedAt < last.tookMs * factor) return last.value;
    const value = await probe();
    last = { value, startedAt, tookMs: now() - startedAt };
    return value;
  };
};

/** Number of observations in an events-queue message body; 0 for a body that is not one. */
export const observationsIn = (body: string): number => {
  try {
    const parsed: unknown = JSON.parse(body);
    const list = (parsed as { observations?: unknown } | null)?.observations;
    return Array.isArray(list) ? list.length : 0;
  } catch {
    return 0;
  }
};

const compact = (n: number): string =>
  n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n);

/** One line, short enough for an 80-column terminal when nothing is wrong. */
export const formatStatusLine = (s: StatusSnapshot): string => {
  const parts = [
    `${s.demo ? 'DEMO ' : ''}up ${s.uptimeSeconds}s`,
    `polls ${compact(s.pollsRun)}`,
    `obs queued ${compact(s.observationsQueued)} applied ${compact(s.observationsApplied)}`,
    `queue ${s.queueDepth}`,
    `dlq ${s.dlqDepth}`,
    `rollups ${compact(s.rollupItems)}`,
    `errors ${s.errors}`,
  ];
  const budget = Object.entries(s.budget ?? {});
  if (budget.length > 0)
    parts.push(`budget ${budget.map(([p, f]) => `${p} ${Math.round(f * 100)}%`).join(' ')}`);
  if (s.demo?.frozen) parts.push('demo settled');
  const line = parts.join(' | ');
  return s.errors > 0 && s.lastError ? `${line} (last: ${s.lastError.slice(0, 80)})` : line;
};
