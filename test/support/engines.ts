import { randomUUID } from 'node:crypto';
import {
  createQueues,
  createTables,
  type LocalDynamo,
  type LocalSqs,
  startDynalite,
  startSqs,
} from '../../infra/local/engines';

/** A fresh in-memory dynalite with the topology's tables, under a unique prefix. */
export const withDynamo = async (): Promise<
  LocalDynamo & { tables: Awaited<ReturnType<typeof createTables>> }
> => {
  const dynamo = await startDynalite();
  const tables = await createTables(dynamo.client, `t${randomUUID().slice(0, 8)}`);
  return { ...dynamo, tables };
};

/** A fresh fauxqs with the topology's events queue and DLQ. */
export const withSqs = async (): Promise<LocalSqs & { queues: Awaited<ReturnType<typeof createQueues>> }> => {
  const sqs = await startSqs();
  const queues = await createQueues(sqs.client, `t${randomUUID().slice(0, 8)}`);
  return { ...sqs, queues };
};
