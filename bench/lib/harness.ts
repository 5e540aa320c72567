import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { LOCAL_REGION, type TableNames } from '../../infra/local/engines';
import type { LambdaFunctionSettings } from '../../infra/local/lambda-runtime';
import { type TableSpec, topology } from '../../shared/topology';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(BENCH_DIR);
/** Scratch output (git-ignored): bundles, campaign files, raw results. */
export const OUT_DIR = join(BENCH_DIR, 'out');

export const outPath = (...parts: string[]): string => {
  const path = join(OUT_DIR, ...parts);
  mkdirSync(dirname(path), { recursive: true });
  return path;
};

/** The aggregate function as the topology deploys it, for the Lambda context the bench hands its handler. */
export const aggregateFunction: LambdaFunctionSettings = {
  functionName: 'kol-pulse-bench-aggregate',
  timeoutSeconds: topology.functions.aggregate.timeoutSeconds,
  memoryMb: topology.functions.aggregate.memoryMb,
  region: LOCAL_REGION,
};

/** Functions log nothing during a benchmark: logging to a terminal would be what we measure. */
export const quietLogger = (serviceName: string) => new Logger({ serviceName, logLevel: 'SILENT' });

/** The logger at the level the deployed functions log at (INFO: no log level is configured), for counting bytes. */
export const deployedLogger = (serviceName: string) => new Logger({ serviceName, logLevel: 'INFO' });

/**
 * Runs `fn` with stdout and stderr swallowed, counting the bytes written: what the function's logger would
 * send to CloudWatch Logs. Only for sequential sections (a concurrent caller's output would be counted too).
 */
export const countLogBytes = async <T>(fn: () => Promise<T>): Promise<{ value: T; bytes: number }> => {
  let bytes = 0;
  const out = process.stdout.write;
  const err = process.stderr.write;
  const count = (chunk: unknown) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
    return true;
  };
  process.stdout.write = count as typeof process.stdout.write;
  process.stderr.write = count as typeof process.stderr.write;
  try {
    return { value: await fn(), bytes };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
};

export const writeJsonFile = (name: string, value: unknown): string => {
  const path = outPath(name);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
};

/** The topology's table specs by physical name, for the metered client's index accounting. */
export const tableSpecsByName = (tables: TableNames): Map<string, TableSpec> =>
  new Map<string, TableSpec>([
    [tables.state, topology.tables.state],
    [tables.rollups, topology.tables.rollups],
  ]);

/** An SQS record as the Lambda event source mapping builds it. */
export const sqsRecordFor = (body: string, receiveCount = 1): SQSRecord => {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: now,
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:kol-pulse-bench-events',
    awsRegion: 'us-east-1',
  };
};

export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export const elapsedSince = (startedMs: number) => (performance.now() - startedMs) / 1000;

/** The commit a run measured, flagged when the product code differs from it. */
export const gitCommit = (): string => {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_DIR }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'functions', 'shared', 'infra'], {
      cwd: REPO_DIR,
    })
      .toString()
      .trim();
    return dirty ? `${sha} (with uncommitted changes in functions/, shared/ or infra/)` : sha;
  } catch {
    return 'unknown';
  }
};
