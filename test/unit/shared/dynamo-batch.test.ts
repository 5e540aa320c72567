import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BatchRetry,
  batchGetItems,
  batchPutItems,
  DEFAULT_BATCH_RETRY,
  UnprocessedItemsError,
  unprocessedBackoffMs,
} from '../../../shared/dynamo-batch';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(DynamoDBDocumentClient);

/** Records the delays instead of waiting; randomness at its top, so each delay is its ceiling. */
const recordingRetry = (overrides: Partial<BatchRetry> = {}) => {
  const delays: number[] = [];
  const retry: Partial<BatchRetry> = {
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.999_999,
    ...overrides,
  };
  return { delays, retry };
};

const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `k${i}` }));
const key = (i: number) => ({ pk: `k${i}` });

describe('Function: batchGetItems', () => {
  afterEach(() => ddb.reset());

  it('sends unprocessed keys again, backing off, until every key is read', async () => {
    const [a, b, c] = [key(0), key(1), key(2)];
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [{ ...a, v: 1 }] }, UnprocessedKeys: { t: { Keys: [b, c] } } })
      .resolvesOnce({ Responses: { t: [{ ...b, v: 2 }] }, UnprocessedKeys: { t: { Keys: [c] } } })
      .resolves({ Responses: { t: [{ ...c, v: 3 }] } });
    const { delays, retry } = recordingRetry();

    const out = await batchGetItems(doc, 't', [a, b, c], { consistentRead: true, retry });

    expect(out.failures).toEqual([]);
    expect(out.items.map((i) => i.v)).toEqual([1, 2, 3]);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 3);
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetCommand, 2, {
      RequestItems: { t: { Keys: [b, c], ConsistentRead: true } },
    });
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetCommand, 3, {
      RequestItems: { t: { Keys: [c], ConsistentRead: true } },
    });
    expect(delays).toEqual([24, 49]); // ceilings 25 and 50 ms (exponential), floored
  });

  it('gives up after the bounded attempts, naming the table and returning the keys still unread', async () => {
    const [a, b] = [key(0), key(1)];
    ddb.on(BatchGetCommand).resolves({ Responses: { t: [a] }, UnprocessedKeys: { t: { Keys: [b] } } });
    const { delays, retry } = recordingRetry({ attempts: 4 });

    const out = await batchGetItems(doc, 't', [a, b], { retry });

    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 4);
    expect(delays).toHaveLength(3);
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]?.entries).toEqual([b]);
    expect(out.failures[0]?.error).toBeInstanceOf(UnprocessedItemsError);
    expect(out.failures[0]?.error.message).toBe(
      'BatchGetItem left 1 item(s) of table t unprocessed after 4 attempts',
    );
  });

  it('splits into calls of 100 keys and fails only the chunk whose call threw', async () => {
    const all = keys(150);
    ddb.on(BatchGetCommand).callsFake((input: { RequestItems: { t: { Keys: { pk: string }[] } } }) => {
      const requested = input.RequestItems.t.Keys;
      if (requested.length === 50)
        throw new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
      return { Responses: { t: requested } };
    });

    const out = await batchGetItems(doc, 't', all, { concurrency: 2, retry: recordingRetry().retry });

    expect(out.items).toHaveLength(100);
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]?.entries).toEqual(all.slice(100));
    expect(out.failures[0]?.error.name).toBe('ProvisionedThroughputExceededException');
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2); // a thrown call is not retried here
  });
});

describe('Function: batchPutItems', () => {
  afterEach(() => ddb.reset());

  it('puts in calls of 25 and sends unprocessed items again', async () => {
    const items = keys(30).map((k, i) => ({ ...k, n: i }));
    const late = { ...key(3), n: 3 };
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [{ PutRequest: { Item: late } }] } })
      .resolves({});

    const out = await batchPutItems(doc, 't', items, { retry: recordingRetry().retry });

    expect(out).toEqual({ written: 30, failures: [] });
    const calls = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t ?? []);
    expect(calls.map((requests) => requests.length)).toEqual([25, 1, 5]);
    expect(calls[1]).toEqual([{ PutRequest: { Item: late } }]);
  });

  it('reports the items that stayed unprocessed and counts only the written ones', async () => {
    const items = keys(3);
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: { rejects: [{ PutRequest: { Item: key(2) } }] } });

    const out = await batchPutItems(doc, 'rejects', items, {
      retry: { ...recordingRetry().retry, attempts: 2 },
    });

    expect(out.written).toBe(2);
    expect(out.failures[0]?.entries).toEqual([key(2)]);
    expect(out.failures[0]?.error.message).toMatch(/BatchWriteItem left 1 item\(s\) of table rejects/);
  });
});

describe('Function: unprocessedBackoffMs', () => {
  it('draws uniformly below a ceiling that doubles per retry up to the maximum', () => {
    const top = { ...DEFAULT_BATCH_RETRY, random: () => 0.999_999 };
    expect([1, 2, 3, 7, 8, 20].map((retry) => unprocessedBackoffMs(retry, top))).toEqual([
      24, 49, 99, 1599, 1999, 1999,
    ]);
    expect(unprocessedBackoffMs(5, { ...DEFAULT_BATCH_RETRY, random: () => 0 })).toBe(0);
  });
});
