/** SQS calls both DLQ commands use. */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

const MAX_BATCH = 10;
/** How long `inspect`/`redrive` hide a message they are looking at; a crash makes it visible again after this. */
const HOLD_SECONDS = 60;

export const queueCounts = async (client: SQSClient, queueUrl: string) => {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'QueueArn'],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    notVisible: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    arn: a.QueueArn ?? '',
  };
};

export const receiveBatch = async (
  client: SQSClient,
  queueUrl: string,
  waitSeconds: number,
  holdSeconds = HOLD_SECONDS,
): Promise<Message[]> => {
  const out = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: MAX_BATCH,
      WaitTimeSeconds: waitSeconds,
      VisibilityTimeout: holdSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
};

/** Makes held messages visible again at once (visibility timeout 0). */
export const releaseMessages = async (client: SQSClient, queueUrl: string, messages: readonly Message[]) => {
  for (let i = 0; i < messages.length; i += MAX_BATCH) {
    const chunk = messages.slice(i, i + MAX_BATCH);
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
};

/** The endpoint does not offer this API (fauxqs has no message move tasks). */
export const isUnsupported = (e: unknown): boolean => {
  const name = (e as { name?: string }).name ?? '';
  const message = (e as Error).message ?? '';
  return (
    /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented/i.test(`${name} ${message}`) ||
    /unknown action|not (supported|implemented)/i.test(message)
  );
};
