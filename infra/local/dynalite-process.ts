/**
 * dynalite in its own Node process (`startDynalite({ isolated: true })`): the engine gets a core and a heap
 * of its own instead of sharing the event loop and garbage collector with the handlers that call it.
 * The parent passes the options as JSON in argv. The child opens the store, proves it answers (dynalite
 * opens LevelDB lazily, so a locked data folder would only fail on the first request), then sends its
 * port over IPC. It exits when the parent asks, or when the IPC channel closes because the parent died
 * (kill -9 included), so no orphan keeps the data folder locked.
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

interface ChildOptions {
  path?: string;
  port?: number;
}

const fail = (error: unknown) => {
  process.send?.({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1));
  setTimeout(() => process.exit(1), 1_000).unref();
};
process.on('uncaughtException', fail);

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', fail);
server.listen(options.port ?? 0, '127.0.0.1', async () => {
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    await client.send(new ListTablesCommand({}));
  } catch (error) {
    fail(error);
    return;
  } finally {
    client.destroy();
  }
  process.send?.({ port });
});

const stop = () => {
  server.close(() => process.exit(0));
  // The parent's sockets are gone when it died; never linger on a slow close.
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('message', (message) => {
  if (message === 'close') stop();
});
process.on('disconnect', stop);
// A terminal's Ctrl-C reaches the whole process group: the engine must outlive it, because the twin still
// drains its queue into the tables before it exits; the twin's 'close' (or its death) ends the engine.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
