import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import {
  createQueues,
  createTables,
  type LocalDynamo,
  type LocalSqs,
  startDynalite,
  startSqs,
} from '../../infra/local/engines';
import { connectDynamoDbLocal } from './dynamodb-local';

/** `KOL_TEST_DYNAMO=dynamodb-local` runs on AWS's DynamoDB Local (see vitest.config.ts); default dynalite. */
export const testDynamoEngine = (): 'dynalite' | 'dynamodb-local' =>
  process.env.KOL_TEST_DYNAMO === 'dynamodb-local' ? 'dynamodb-local' : 'dynalite';

const startEngine = async (): Promise<LocalDynamo> => {
  if (testDynamoEngine() === 'dynalite') return startDynalite();
  const endpoint = inject('dynamodbLocalEndpoint');
  if (!endpoint)
    throw new Error(
      'KOL_TEST_DYNAMO=dynamodb-local needs the globalSetup test/support/dynamodb-local.setup.ts ' +
        '(run the ddb-local project)',
    );
  return connectDynamoDbLocal(endpoint);
};

/**
 * The topology's tables under a unique prefix, in a fresh in-memory dynalite or, with
 * `KOL_TEST_DYNAMO=dynamodb-local`, in the run's shared DynamoDB Local.
 */
export const withDynamo = async (): Promise<
  LocalDynamo & { tables: Awaited<ReturnType<typeof createTables>> }
> => {
  const dynamo = await startEngine();
  const tables = await createTables(dynamo.client, `t${randomUUID().slice(0, 8)}`);
  return { ...dynamo, tables };
};

/** A fresh fauxqs with the topology's events queue and DLQ. */
export const withSqs = async (): Promise<LocalSqs & { queues: Awaited<ReturnType<typeof createQueues>> }> => {
  const sqs = await startSqs();
  const queues = await createQueues(sqs.client, `t${randomUUID().slice(0, 8)}`);
  return { ...sqs, queues };
};
