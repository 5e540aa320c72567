import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../infra/topology';
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
