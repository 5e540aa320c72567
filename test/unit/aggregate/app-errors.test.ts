import { Logger } from '@aws-lambda-powertools/logger';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregateDepsFromEnv, createAggregateHandler } from '../../../functions/aggregate/app';
import { parseConfig } from '../../../shared/config';
import { postStateKey } from '../../../shared/keys';
import { ENV } from '../../../shared/topology';
import { makeMessage, makeObservation, makeSqsEvent, makeSqsRecord } from '../../support/observations';

const tables = { state: 'state', rollups: 'rollups' };
const config = parseConfig({
  campaigns: [
    {
      id: 'c',
      name: 'C',
      hashtags: ['NextIdea'],
      start: '2026-03-01',
      kols: [
        { id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'ada' }] },
        { id: 'bo', name: 'Bo', accounts: [{ platform: 'x', handle: 'bo' }] },
      ],
    },
  ],
});
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(DynamoDBDocumentClient);
const handler = createAggregateHandler({
  doc,
  tables,
  config,
  logger: new Logger({ logLevel: 'SILENT' }),
  now: () => Date.parse('2026-03-20T00:00:00Z'),
  storeTuning: { backoffMs: 1 },
});

const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
const conflict = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

// Ada posts on 03-05, Bo on 03-06: no rollup item in common.
const adaPost = makeObservation({
  postId: 'a1',
  author: { id: '1', handle: 'ada' },
  publishedAt: '2026-03-05T08:00:00Z',
  observedAt: '2026-03-05T09:00:00Z',
});
const boPost = makeObservation({
  postId: 'b1',
  author: { id: '2', handle: 'bo' },
  publishedAt: '2026-03-06T08:00:00Z',
  observedAt: '2026-03-06T09:00:00Z',
});
const event = makeSqsEvent([
  makeSqsRecord(makeMessage([adaPost]), { messageId: 'ada-record' }),
  makeSqsRecord(makeMessage([boPost]), { messageId: 'bo-record' }),
]);

describe('Aggregate handler: error paths', () => {
  afterEach(() => {
    ddb.reset();
  });

  it('reports only the records of the post whose rollup write stayed throttled', async () => {
    // Arrange
    ddb.on(BatchGetCommand).resolves({ Responses: { state: [] } });
    ddb.on(UpdateCommand).callsFake((input: { TableName: string; Key: { pk: string } }) => {
      if (input.TableName === tables.rollups && input.Key.pk === 'C#c#K#ada') throw throttled();
      return {};
    });
    // Act
    const response = await handler(event);
    // Assert
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'ada-record' }]);
    // Both posts' states hold their outboxes: Bo's applied, Ada's pending until the redelivery finishes it.
    const stateWrites = ddb
      .commandCalls(UpdateCommand)
      .filter((c) => c.args[0].input.TableName === tables.state)
      .map((c) => c.args[0].input.Key);
    expect(stateWrites).toEqual(expect.arrayContaining([postStateKey('x', 'a1'), postStateKey('x', 'b1')]));
    expect(stateWrites).toHaveLength(2);
  });

  it('reports every record of a throttled state read, and nothing is written for them', async () => {
    ddb.on(BatchGetCommand).rejects(throttled());
    const response = await handler(event);
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'ada-record' },
      { itemIdentifier: 'bo-record' },
    ]);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('retries unprocessed keys of a state read', async () => {
    const key = postStateKey('x', 'a1');
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { state: [] }, UnprocessedKeys: { state: { Keys: [key] } } })
      .resolves({ Responses: { state: [] } });
    ddb.on(UpdateCommand).resolves({});
    const response = await handler(makeSqsEvent([makeSqsRecord(makeMessage([adaPost]), { messageId: 'r' })]));
    expect(response.batchItemFailures).toEqual([]);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetCommand, 2, {
      RequestItems: { state: { Keys: [key], ConsistentRead: true } },
    });
  });

  it('takes the re-read path when another consumer created the post first, finishing its outbox', async () => {
    // Arrange: our create loses the race; the re-read finds the other consumer's rev 1 with its outbox.
    const theirs = {
      ...postStateKey('x', 'a1'),
      platform: 'x',
      postId: 'a1',
      author: { id: '1', handle: 'ada' },
      publishedAt: '2026-03-05T08:00:00.000Z',
      associations: [{ campaignId: 'c', timeZone: 'UTC', target: 'kol', kolId: 'ada' }],
      rev: 1,
      snaps: { UTC: { days: [{ d: '2026-03-05', c: { likes: [Date.parse('2026-03-05T08:30:00Z'), 0] } }] } },
      outbox: {
        rev: 1,
        changes: [{ pk: 'C#c#K#ada', sk: '2026-03-05#x', attrs: { kind: 'kol' }, delta: { mentions: 1 } }],
      },
    };
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { state: [] } })
      .resolves({ Responses: { state: [theirs] } });
    ddb
      .on(UpdateCommand, { TableName: tables.state, ConditionExpression: 'attribute_not_exists(pk)' })
      .rejects(conflict());
    ddb
      .on(UpdateCommand, { TableName: tables.state, ConditionExpression: '#rev = :expectedRev' })
      .resolves({});
    ddb.on(UpdateCommand, { TableName: tables.rollups }).resolves({});
    // Act
    const response = await handler(makeSqsEvent([makeSqsRecord(makeMessage([adaPost]), { messageId: 'r' })]));
    // Assert
    expect(response.batchItemFailures).toEqual([]);
    // State read, state re-read after the conflict, then one read of their outbox's rollup item.
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 3);
    const rollupWrites = ddb
      .commandCalls(UpdateCommand)
      .filter((c) => c.args[0].input.TableName === tables.rollups)
      .map((c) => c.args[0].input.ExpressionAttributeValues);
    // Their pending outbox (rev 1: the mention) first, then our own delta at rev 2 (the likes).
    expect(rollupWrites[0]).toMatchObject({ ':r0': 1, ':mentions': 1 });
    expect(rollupWrites.some((v) => v?.[':r0'] === 2 && v?.[':likes'] === 1 && v?.[':mentions'] === 0)).toBe(
      true,
    );
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: tables.state,
      ConditionExpression: '#rev = :expectedRev',
      ExpressionAttributeValues: expect.objectContaining({ ':expectedRev': 1, ':rev': 2 }),
    });
  });

  it('re-reads a rollup item whose marker condition failed and drops the posts already applied', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { state: [] } });
    ddb.on(UpdateCommand, { TableName: tables.state }).resolves({});
    ddb.on(UpdateCommand, { TableName: tables.rollups }).rejects(conflict());
    // The marker shows rev 1 of this post is already on the item (a crash after the rollup write).
    ddb.on(GetCommand).callsFake((input: { ExpressionAttributeNames: Record<string, string> }) => ({
      Item: Object.fromEntries(Object.values(input.ExpressionAttributeNames).map((m) => [m, 1])),
    }));
    const response = await handler(makeSqsEvent([makeSqsRecord(makeMessage([adaPost]), { messageId: 'r' })]));
    expect(response.batchItemFailures).toEqual([]);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: tables.rollups, ConsistentRead: true });
    // Three rollup items (KOL day, total shard, KOL week), each tried once and then found already applied;
    // the freshness write (a failed condition there is dropped) is not one of them.
    const rollupUpdates = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((input) => input.TableName === tables.rollups && !String(input.Key?.pk).endsWith('#FRESH'));
    expect(rollupUpdates).toHaveLength(3);
  });

  it('fails the record whose reject could not be written, so the reject is not lost', async () => {
    ddb.on(BatchWriteCommand).rejects(throttled());
    ddb.on(BatchGetCommand).resolves({ Responses: { state: [] } });
    ddb.on(UpdateCommand).resolves({});
    const response = await handler(
      makeSqsEvent([
        makeSqsRecord('garbage', { messageId: 'bad' }),
        makeSqsRecord(makeMessage([adaPost]), { messageId: 'ok' }),
      ]),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
  });
});

describe('Function: aggregateDepsFromEnv', () => {
  it('fails fast naming the missing variable', () => {
    expect(() => aggregateDepsFromEnv({ [ENV.stateTable]: 's' }, { doc })).toThrow(
      `${ENV.rollupsTable} environment variable is not set`,
    );
  });

  it('names the campaign file that cannot be read', () => {
    expect(() =>
      aggregateDepsFromEnv(
        {
          [ENV.stateTable]: 's',
          [ENV.rollupsTable]: 'r',
          [ENV.campaignsFile]: '/nonexistent/campaigns.json',
        },
        { doc },
      ),
    ).toThrow(/Cannot read campaign configuration \/nonexistent\/campaigns.json/);
  });
});
