import {
  DeleteMessageBatchCommand,
  ListMessageMoveTasksCommand,
  type Message,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { isUnsupported, queueCounts, receiveBatch } from './queue';

/** Attribute the manual redrive adds, so `inspect` shows messages that already went round once. */
export const REDRIVE_COUNT_ATTRIBUTE = 'kolpulse.redriveCount';

export interface RedriveResult {
  method: 'move-task' | 'manual';
  /** Messages sent to the main queue and deleted from the DLQ. */
  moved: number;
  /** Sent to the main queue but not deleted from the DLQ (they will be redriven again: harmless). */
  sentNotDeleted: number;
  /** Not sent (left on the DLQ, visible again after the hold). */
  failed: number;
  taskHandle?: string;
}

export interface ManualRedriveOptions {
  /** Stop after this many messages; default: the DLQ's depth when the redrive starts. */
  max?: number;
  waitSeconds?: number;
  /** How long a message being moved stays hidden on the DLQ; after a crash it reappears after this. */
  holdSeconds?: number;
  /** Test hook: called between the send and the delete of each chunk (a crash here must lose nothing). */
  afterSend?: (sent: number) => Promise<void> | void;
}

const redriveCountOf = (m: Message): number =>
  Number(m.MessageAttributes?.[REDRIVE_COUNT_ATTRIBUTE]?.StringValue ?? 0) || 0;

/** Receive -> send to main -> delete from DLQ, in that order: a crash anywhere loses nothing. */
export const redriveManually = async (
  client: SQSClient,
  dlqUrl: string,
  mainUrl: string,
  options: ManualRedriveOptions = {},
): Promise<RedriveResult> => {
  const result: RedriveResult = { method: 'manual', moved: 0, sentNotDeleted: 0, failed: 0 };
  const start = await queueCounts(client, dlqUrl);
  // Bounded by the depth at the start (in-flight ones included: a killed earlier run's held messages come
  // back), so messages that fail again and return to the DLQ meanwhile are not looped over.
  const max = options.max ?? start.visible + start.notVisible;
  let handled = 0;
  while (handled < max) {
    const batch = await receiveBatch(client, dlqUrl, options.waitSeconds ?? 1, options.holdSeconds);
    if (batch.length === 0) break;
    handled += batch.length;
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: mainUrl,
        Entries: batch.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          MessageAttributes: {
            ...m.MessageAttributes,
            [REDRIVE_COUNT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(redriveCountOf(m) + 1) },
          },
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    result.failed += batch.length - ok.size;
    const toDelete = batch.filter((_, i) => ok.has(String(i)));
    await options.afterSend?.(toDelete.length);
    if (toDelete.length === 0) continue;
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
    const deletedCount = deleted.Successful?.length ?? 0;
    result.moved += deletedCount;
    result.sentNotDeleted += toDelete.length - deletedCount;
  }
  return result;
};

/** SQS message move task: SQS itself moves the messages back to their source queue (or `mainArn`). */
export const redriveWithMoveTask = async (
  client: SQSClient,
  dlqArn: string,
  mainArn: string | undefined,
  options: { pollMs?: number; onProgress?: (moved: number, total: number | undefined) => void } = {},
): Promise<RedriveResult> => {
  const started = await client.send(
    new StartMessageMoveTaskCommand({ SourceArn: dlqArn, ...(mainArn ? { DestinationArn: mainArn } : {}) }),
  );
  const handle = started.TaskHandle;
  for (let unseen = 0; ; ) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 2_000));
    const tasks = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }));
    const task = tasks.Results?.find((t) => t.TaskHandle === handle);
    if (!task) {
      if (++unseen >= 30)
        throw new Error(`message move task ${handle ?? '(no handle)'} is not listed by SQS`);
      continue;
    }
    options.onProgress?.(task.ApproximateNumberOfMessagesMoved ?? 0, task.ApproximateNumberOfMessagesToMove);
    if (task.Status === 'COMPLETED')
      return {
        method: 'move-task',
        moved: task.ApproximateNumberOfMessagesMoved ?? 0,
        sentNotDeleted: 0,
        failed: 0,
        ...(handle ? { taskHandle: handle } : {}),
      };
    if (task.Status === 'FAILED' || task.Status === 'CANCELLED')
      throw new Error(
        `message move task ${task.Status.toLowerCase()}: ${task.FailureReason ?? 'no reason given'}`,
      );
  }
};

export const redrive = async (
  client: SQSClient,
  dlqUrl: string,
  mainUrl: string,
  method: 'auto' | 'move-task' | 'manual',
  options: ManualRedriveOptions & {
    onProgress?: (moved: number, total: number | undefined) => void;
    /** Move task status polling interval. */
    pollMs?: number;
  } = {},
): Promise<RedriveResult> => {
  if (method !== 'manual') {
    const [dlq, main] = await Promise.all([queueCounts(client, dlqUrl), queueCounts(client, mainUrl)]);
    try {
      return await redriveWithMoveTask(client, dlq.arn, main.arn, options);
    } catch (e) {
      if (method === 'move-task' || !isUnsupported(e)) throw e;
    }
  }
  return redriveManually(client, dlqUrl, mainUrl, options);
};
