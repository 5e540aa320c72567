import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, type LocalDynamo, startDynalite, type TableNames } from '../../infra/local/engines';
import { topology } from '../../shared/topology';
import {
  connectDynamoDbLocal,
  type DynamoDbLocalServer,
  JAVA_MISSING,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { withDynamo, withSqs } from '../support/engines';

describe('Local engines from the topology', () => {
  let dynamo: Awaited<ReturnType<typeof withDynamo>>;
  let sqs: Awaited<ReturnType<typeof withSqs>>;
  beforeAll(async () => {
    dynamo = await withDynamo();
    sqs = await withSqs();
  });
  afterAll(async () => {
    await dynamo.close();
    await sqs.close();
  });

  it('creates both tables with their global indexes', async () => {
    const rollups = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tables.rollups }));
    expect(rollups.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['byDay']);
    const state = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tables.state }));
    expect(state.Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
  });

  it('creates the events queue with the redrive policy of the topology', async () => {
    const attrs = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: sqs.queues.events, AttributeNames: ['All'] }),
    );
    const redrive = JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}');
    expect(redrive.maxReceiveCount).toBe(topology.queues.events.deadLetter.maxReceiveCount);
    expect(attrs.Attributes?.VisibilityTimeout).toBe(String(topology.queues.events.visibilityTimeoutSeconds));
  });
});

describe('dynalite in a child process (the local twin and the benchmarks)', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'kol-pulse-dynalite-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('persists to its data folder across a restart, and refuses a folder another engine holds', async () => {
    const first = await startDynalite({ path: folder, isolated: true });
    const tables = await createTables(first.client, 'persist');
    // dynalite rejects writes to a CREATING table; createTables must return only once both are ACTIVE.
    for (const name of [tables.state, tables.rollups]) {
      const { Table } = await first.client.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.TableStatus).toBe('ACTIVE');
    }
    await first.doc.send(new PutCommand({ TableName: tables.rollups, Item: { pk: 'p', sk: 's', likes: 7 } }));

    await expect(startDynalite({ path: folder, isolated: true })).rejects.toThrow(
      /is another local twin still using it/,
    );
    await first.close();

    const second = await startDynalite({ path: folder, isolated: true });
    try {
      const read = await second.doc.send(
        new GetCommand({ TableName: tables.rollups, Key: { pk: 'p', sk: 's' } }),
      );
      expect(read.Item?.likes).toBe(7);
    } finally {
      await second.close();
    }
  });
});

/** The error name (or 'ok') each engine answers a request with. */
const outcome = (request: Promise<unknown>): Promise<string> =>
  request.then(
    () => 'ok',
    (e: Error) => e.name,
  );

describe("AWS's DynamoDB Local, the aggregate suite's second engine", () => {
  let server: DynamoDbLocalServer;
  let local: LocalDynamo;
  let dynalite: LocalDynamo;
  const tables: Partial<Record<'local' | 'dynalite', TableNames>> = {};
  const engines = () =>
    [
      ['local', local],
      ['dynalite', dynalite],
    ] as const;
  beforeAll(async () => {
    server = await startDynamoDbLocal();
    local = connectDynamoDbLocal(server.endpoint);
    dynalite = await startDynalite();
    tables.local = await createTables(local.client, 'ddbl');
    tables.dynalite = await createTables(dynalite.client, 'ddbl');
  });
  afterAll(async () => {
    await local?.close();
    await server?.stop();
    await dynalite?.close();
  });

  it("starts and creates the topology's tables, ACTIVE, with their global indexes", async () => {
    for (const name of [tables.local?.state, tables.local?.rollups]) {
      const { Table } = await local.client.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.TableStatus).toBe('ACTIVE');
    }
    const rollups = await local.client.send(new DescribeTableCommand({ TableName: tables.local?.rollups }));
    expect(rollups.Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus])).toEqual([
      ['byDay', 'ACTIVE'],
    ]);
  });

  it('fails a conditional update with ConditionalCheckFailedException, like dynalite', async () => {
    const answers: string[] = [];
    for (const [id, engine] of engines()) {
      const put = (rev: number) =>
        engine.doc.send(
          new UpdateCommand({
            TableName: tables[id]?.state,
            Key: { pk: 'post', sk: 'state' },
            UpdateExpression: 'SET #rev = :rev',
            ConditionExpression: 'attribute_not_exists(pk) OR #rev < :rev',
            ExpressionAttributeNames: { '#rev': 'rev' },
            ExpressionAttributeValues: { ':rev': rev },
          }),
        );
      answers.push(await outcome(put(2)), await outcome(put(1)));
    }
    expect(answers).toEqual([
      'ok',
      'ConditionalCheckFailedException',
      'ok',
      'ConditionalCheckFailedException',
    ]);
  });

  it('refuses what DynamoDB refuses and dynalite lets through', async () => {
    const indexKey = topology.tables.rollups.globalIndexes[0]?.partitionKey ?? 'missing';
    const deep = (levels: number): unknown => (levels === 0 ? 1 : { v: deep(levels - 1) });
    const attrs = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`#attribute_${i}`, `a${i}`]));
    const requests = (id: 'local' | 'dynalite', engine: LocalDynamo) => [
      // A secondary index key may not be an empty string.
      engine.doc.send(
        new PutCommand({ TableName: tables[id]?.rollups, Item: { pk: 'p', sk: 's', [indexKey]: '' } }),
      ),
      // An update expression may not exceed 4 KB.
      engine.doc.send(
        new UpdateCommand({
          TableName: tables[id]?.state,
          Key: { pk: 'p', sk: 's' },
          UpdateExpression: `SET ${Object.keys(attrs)
            .map((name, i) => `${name} = :v${i}`)
            .join(', ')}`,
          ExpressionAttributeNames: attrs,
          ExpressionAttributeValues: Object.fromEntries(Object.keys(attrs).map((_, i) => [`:v${i}`, i])),
        }),
      ),
      // Documents may nest at most 32 levels.
      engine.doc.send(
        new PutCommand({ TableName: tables[id]?.state, Item: { pk: 'p', sk: 'd', v: deep(33) } }),
      ),
    ];
    expect(await Promise.all(requests('local', local).map(outcome))).toEqual([
      'ValidationException',
      'ValidationException',
      'ValidationException',
    ]);
    expect(await Promise.all(requests('dynalite', dynalite).map(outcome))).toEqual(['ok', 'ok', 'ok']);
  });

  it('says how to install Java when java is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startDynamoDbLocal()).rejects.toThrow(JAVA_MISSING);
    } finally {
      process.env.PATH = path;
    }
  });
});
