import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, startDynalite } from '../../infra/local/engines';
import { topology } from '../../shared/topology';
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
