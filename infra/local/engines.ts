import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { documentClientFor } from '../../shared/aws';
import { physicalName, type TableSpec, topology } from '../../shared/topology';

/** Credentials the embedded engines accept; never real ones. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export interface DynaliteOptions {
  /** With a path, data persists on disk (LevelDB) across restarts; without, it lives in memory. */
  path?: string;
  port?: number;
  /**
   * Run dynalite in a child process (`dynalite-process.ts`) with its own core and heap, instead of on the
   * caller's event loop. The local twin and the benchmarks do; tests keep it in-process to start fast.
   */
  isolated?: boolean;
  /** Largest item dynalite accepts, in KB (DynamoDB's 400 by default); tests lower it to prove bounds. */
  maxItemSizeKb?: number;
}

interface DynaliteServer {
  port: number;
  close(): Promise<void>;
}

const listenInProcess = async (opts: DynaliteOptions): Promise<DynaliteServer> => {
  const server = dynalite({
    path: opts.path,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(opts.maxItemSizeKb ? { maxItemSizeKb: opts.maxItemSizeKb } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const forkDynalite = async (opts: DynaliteOptions): Promise<DynaliteServer> => {
  const child = fork(
    fileURLToPath(new URL('./dynalite-process.ts', import.meta.url)),
    [JSON.stringify({ path: opts.path, port: opts.port })],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port?: number; error?: string }) =>
      message.port
        ? resolve(message.port)
        : reject(new Error(`dynalite: ${message.error ?? 'did not start'}`)),
    );
    child.once('exit', (code) => reject(new Error(`dynalite exited with code ${code} before answering`)));
  });
  return {
    port,
    close: async () => {
      if (child.connected) child.send('close');
      await exited;
    },
  };
};

const listenInChildProcess = async (opts: DynaliteOptions): Promise<DynaliteServer> => {
  // After a kill -9 the previous twin's engine may still hold the data folder's lock for a moment.
  for (let attempt = 1; ; attempt++) {
    try {
      return await forkDynalite(opts);
    } catch (error) {
      if (!opts.path) throw error;
      if (attempt >= 10)
        throw new Error(
          `${(error as Error).message} (data folder ${opts.path}: is another local twin still using it?)`,
        );
      await delay(300);
    }
  }
};

/** Starts dynalite, in-process or in a child process, and SDK clients bound to it. */
export const startDynalite = async (opts: DynaliteOptions = {}): Promise<LocalDynamo> => {
  const server = await (opts.isolated ? listenInChildProcess(opts) : listenInProcess(opts));
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const doc = documentClientFor(client);
  return {
    endpoint,
    client,
    doc,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
};

export const createTableInput = (spec: TableSpec, tableName: string): CreateTableCommandInput => {
  const attributes = new Set([spec.partitionKey, spec.sortKey]);
  for (const g of spec.globalIndexes) {
    attributes.add(g.partitionKey);
    attributes.add(g.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: spec.partitionKey, KeyType: 'HASH' },
      { AttributeName: spec.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: spec.globalIndexes.map((g) => ({
      IndexName: g.indexName,
      KeySchema: [
        { AttributeName: g.partitionKey, KeyType: 'HASH' },
        { AttributeName: g.sortKey, KeyType: 'RANGE' },
      ],
      Projection:
        g.projection === 'KEYS_ONLY'
          ? { ProjectionType: 'KEYS_ONLY' }
          : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...g.projection] },
    })),
  };
};

export interface TableNames {
  state: string;
  rollups: string;
}

/**
 * dynalite answers CreateTable before it stores the table as ACTIVE (a timer, then a write), and rejects
 * item writes to a CREATING table as not found. On a disk store that second write can lose the race with
 * the caller's first PutItem, so wait for ACTIVE as one would in AWS, polling far faster than the SDK waiter.
 */
const waitUntilActive = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await delay(10);
  }
  throw new Error(`local table ${tableName} did not become ACTIVE within 5 s`);
};

/** Creates the topology's tables (idempotent: existing tables are kept, so restarts lose nothing). */
export const createTables = async (client: DynamoDBClient, prefix: string): Promise<TableNames> => {
  const names: TableNames = {
    state: physicalName(prefix, topology.tables.state.name),
    rollups: physicalName(prefix, topology.tables.rollups.name),
  };
  for (const id of ['state', 'rollups'] as const) {
    try {
      await client.send(new CreateTableCommand(createTableInput(topology.tables[id], names[id])));
    } catch (e) {
      if (!(e instanceof ResourceInUseException)) throw e;
    }
    await waitUntilActive(client, names[id]);
  }
  return names;
};

export interface LocalSqs {
  endpoint: string;
  client: SQSClient;
  close(): Promise<void>;
}

export const startSqs = async (opts: { port?: number } = {}): Promise<LocalSqs> => {
  const server = await startFauxqs({ port: opts.port ?? 0, host: '127.0.0.1', logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await server.stop();
    },
  };
};

export interface QueueUrls {
  events: string;
  eventsDlq: string;
}

/** Creates the events queue and its DLQ with the topology's redrive policy and timeouts. */
export const createQueues = async (client: SQSClient, prefix: string): Promise<QueueUrls> => {
  const spec = topology.queues.events;
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: physicalName(prefix, spec.deadLetter.name),
      Attributes: { MessageRetentionPeriod: String(spec.deadLetter.retentionSeconds) },
    }),
  );
  const dlqUrl = dlq.QueueUrl ?? '';
  const dlqAttrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const main = await client.send(
    new CreateQueueCommand({
      QueueName: physicalName(prefix, spec.name),
      Attributes: {
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(spec.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttrs.Attributes?.QueueArn,
          maxReceiveCount: spec.deadLetter.maxReceiveCount,
        }),
      },
    }),
  );
  return { events: main.QueueUrl ?? '', eventsDlq: dlqUrl };
};
