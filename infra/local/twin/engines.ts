import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createQueues,
  createTables,
  type LocalDynamo,
  type LocalSqs,
  startDynalite,
  startSqs,
} from '../engines';
import { LOCAL_PREFIX, type LocalResources } from '../function-env';
import { recordSentObservations } from '../recorder';
import { type Closable, startAll } from './closers';

/** The twin's AWS stand-ins: dynalite on disk for DynamoDB, fauxqs in memory for SQS, with their resources. */
export interface TwinEngines extends Closable {
  dynamo: LocalDynamo;
  sqs: LocalSqs;
  resources: LocalResources;
}

export interface TwinEnginesArgs {
  dataDir: string;
  dynamoDir: string;
  campaignsFile: string;
  /** JSON-lines file that receives every observation the pollers queue (--record-observations). */
  recordObservations: string | undefined;
}

/** Where the twin's functions write campaign events (the local stand-in for the event bus). */
export const eventsFileOf = (dataDir: string): string => resolve(dataDir, 'events.ndjson');

/** Closing removes `twin.json`, then stops fauxqs, then dynalite. */
export const startTwinEngines = (args: TwinEnginesArgs): Promise<TwinEngines> =>
  startAll(async (closers) => {
    const dynamo = closers.add(await startDynalite({ path: args.dynamoDir, isolated: true }));
    const sqs = closers.add(await startSqs());
    if (args.recordObservations) recordSentObservations(sqs.client, resolve(args.recordObservations));
    const resources: LocalResources = {
      tables: await createTables(dynamo.client, LOCAL_PREFIX),
      queues: await createQueues(sqs.client, LOCAL_PREFIX),
      campaignsFile: args.campaignsFile,
      eventsFile: eventsFileOf(args.dataDir),
    };
    closers.defer(announceQueues(args.dataDir, sqs, resources));
    return { dynamo, sqs, resources };
  });

/**
 * Operator tools (scripts/dlq.ts --local <data dir>) find the running twin's queues in `twin.json`; returns
 * what removes it again.
 */
const announceQueues = (dataDir: string, sqs: LocalSqs, resources: LocalResources): (() => void) => {
  const twinFile = join(dataDir, 'twin.json');
  writeFileSync(
    twinFile,
    `${JSON.stringify({ sqs: { endpoint: sqs.endpoint }, queues: resources.queues }, null, 2)}\n`,
  );
  return () => rmSync(twinFile, { force: true });
};
