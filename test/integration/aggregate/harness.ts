import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import {
  type AggregateDeps,
  type AggregateHandler,
  createAggregateHandler,
} from '../../../functions/aggregate/app';
import { createTables, type TableNames } from '../../../infra/local/engines';
import type { KolPulseConfig } from '../../../shared/config';
import type { withDynamo } from '../../support/engines';
import { withGrantsOf } from '../../support/iam-guard';
import { makeSqsEvent } from '../../support/observations';

export type Dynamo = Awaited<ReturnType<typeof withDynamo>>;

export const silentLogger = () => new Logger({ serviceName: 'aggregate-test', logLevel: 'SILENT' });

/** A fresh pair of tables in the running dynalite (cheap: one per scenario keeps scenarios apart). */
export const freshTables = (dynamo: Dynamo): Promise<TableNames> =>
  createTables(dynamo.client, `t${randomUUID().slice(0, 8)}`);

export const aggregateHandler = (
  doc: DynamoDBDocumentClient,
  tables: TableNames,
  config: KolPulseConfig,
  now: number,
  extra: Partial<AggregateDeps> = {},
): AggregateHandler =>
  createAggregateHandler({
    // Only what the deployed aggregate role may do (infra/stacks/table-grants.ts).
    doc: withGrantsOf(doc, 'aggregate', tables),
    tables,
    config,
    logger: silentLogger(),
    now: () => now,
    ...extra,
  });

/**
 * Delivers batches like the SQS trigger: records reported as failed come back in a later batch.
 * Returns the number of invocations; throws when records keep failing.
 */
export const deliverAll = async (
  handler: AggregateHandler,
  batches: readonly SQSRecord[][],
): Promise<number> => {
  const queue = batches.map((b) => [...b]);
  let invocations = 0;
  for (let batch = queue.shift(); batch; batch = queue.shift()) {
    if (++invocations > batches.length + 50) throw new Error('records keep failing');
    const response = await handler(makeSqsEvent(batch));
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const retry = batch.filter((r) => failed.has(r.messageId));
    if (retry.length > 0) queue.push(retry);
  }
  return invocations;
};

export const isWriteCommand = (command: unknown): boolean =>
  command instanceof UpdateCommand ||
  command instanceof PutCommand ||
  command instanceof BatchWriteCommand ||
  command instanceof DeleteCommand;

export class InjectedCrash extends Error {
  override name = 'InjectedCrash';
}

export interface InstrumentedClient {
  doc: DynamoDBDocumentClient;
  writes(): number;
  commands(): string[];
  /** Names of the errors requests failed with (e.g. ConditionalCheckFailedException). */
  errors(): string[];
}

/**
 * Wraps a document client's `send`. With `crashAfterWrites: k`, the process "dies" at the (k+1)-th write:
 * that write and every later request fail. `lostResponse` lets the (k+1)-th write reach the table before
 * the failure (the reply is lost), the other ambiguous crash point.
 */
export const instrument = (
  doc: DynamoDBDocumentClient,
  options: { crashAfterWrites?: number; lostResponse?: boolean } = {},
): InstrumentedClient => {
  let writes = 0;
  let crashed = false;
  const names: string[] = [];
  const errors: string[] = [];
  const realSend = doc.send.bind(doc) as (command: object) => Promise<unknown>;
  const send = async (command: object): Promise<unknown> => {
    if (crashed) throw new InjectedCrash('process is gone');
    if (isWriteCommand(command)) {
      if (options.crashAfterWrites !== undefined && writes >= options.crashAfterWrites) {
        crashed = true;
        if (options.lostResponse) await realSend(command);
        throw new InjectedCrash(`crash at write ${writes + 1}`);
      }
      writes++;
    }
    names.push(command.constructor.name);
    try {
      return await realSend(command);
    } catch (e) {
      errors.push((e as Error).name);
      throw e;
    }
  };
  const proxy = new Proxy(doc, {
    get: (target, prop, receiver) => (prop === 'send' ? send : Reflect.get(target, prop, receiver)),
  });
  return { doc: proxy, writes: () => writes, commands: () => [...names], errors: () => [...errors] };
};
