/**
 * The one description of KOL Pulse's topology. The CDK stack (infra/stacks) and the local twin
 * (infra/local) are both generated from it, so names, triggers, batch sizes, timeouts, redrive and
 * environment cannot drift between AWS and the laptop.
 */
import { STORED_METRICS } from './metrics';

export const ENV = {
  stateTable: 'STATE_TABLE_NAME',
  rollupsTable: 'ROLLUPS_TABLE_NAME',
  eventsQueueUrl: 'EVENTS_QUEUE_URL',
  campaignsFile: 'CAMPAIGNS_FILE',
  platform: 'PLATFORM',
  platformBaseUrl: 'PLATFORM_BASE_URL',
  platformSecretArn: 'PLATFORM_SECRET_ARN',
  platformCredentialsFile: 'PLATFORM_CREDENTIALS_FILE',
  stage: 'STAGE',
  /** Campaign event bus (AWS); the twin sets EVENTS_FILE instead (docs/events.md). */
  eventBusName: 'EVENT_BUS_NAME',
  eventsFile: 'EVENTS_FILE',
} as const;

export interface KeySchema {
  partitionKey: string;
  sortKey: string;
}

export interface TableSpec extends KeySchema {
  /** Suffix of the physical name: `${prefix}-${name}`. */
  name: string;
  globalIndexes: (KeySchema & { indexName: string; projection: 'KEYS_ONLY' | readonly string[] })[];
  ttlAttribute?: string;
}

export interface QueueSpec {
  name: string;
  visibilityTimeoutSeconds: number;
  retentionSeconds: number;
  deadLetter: { name: string; maxReceiveCount: number; retentionSeconds: number };
}

export interface FunctionSpec {
  /** Source entry, relative to the repository root. */
  entry: string;
  handler: 'handler';
  memoryMb: number;
  timeoutSeconds: number;
  /** Environment variables the function needs, bound to the resource they name. */
  tables: Partial<Record<'state' | 'rollups', 'read' | 'readWrite'>>;
  sendsTo?: 'events';
}

export interface SqsTriggerSpec {
  queue: 'events';
  batchSize: number;
  maxBatchingWindowSeconds: number;
  maxConcurrency: number;
  reportBatchItemFailures: true;
}

export const topology = {
  tables: {
    state: {
      name: 'state',
      partitionKey: 'pk',
      sortKey: 'sk',
      globalIndexes: [
        { indexName: 'byTrackDay', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: ['postId'] },
      ],
      ttlAttribute: 'expiresAt',
    },
    rollups: {
      name: 'rollups',
      partitionKey: 'pk',
      sortKey: 'sk',
      globalIndexes: [
        {
          indexName: 'byDay',
          partitionKey: 'gsi1pk',
          sortKey: 'gsi1sk',
          // The reports read day rows from the index: its keys, descriptive attributes and every stored figure.
          projection: ['kolId', 'platform', 'handle', 'day', ...STORED_METRICS],
        },
      ],
      // Hourly items and spike records expire (docs/data-model.md, "Hourly items"); day and week items never.
      ttlAttribute: 'expiresAt',
    },
  },
  queues: {
    events: {
      name: 'events',
      // At least six times the aggregate timeout, as AWS recommends for SQS event sources.
      visibilityTimeoutSeconds: 6 * 30,
      retentionSeconds: 4 * 24 * 3600,
      deadLetter: { name: 'events-dlq', maxReceiveCount: 5, retentionSeconds: 14 * 24 * 3600 },
    },
  },
  functions: {
    /** One instance per enabled platform, each on the platform's schedule. */
    poll: {
      entry: 'functions/poll/handler.ts',
      handler: 'handler',
      memoryMb: 512,
      timeoutSeconds: 120,
      tables: { state: 'readWrite' },
      sendsTo: 'events',
    },
    aggregate: {
      entry: 'functions/aggregate/handler.ts',
      handler: 'handler',
      memoryMb: 1024,
      timeoutSeconds: 30,
      tables: { state: 'readWrite', rollups: 'readWrite' },
    },
    report: {
      entry: 'functions/report/handler.ts',
      handler: 'handler',
      memoryMb: 1024,
      timeoutSeconds: 10,
      // state: only the pollers' budget summaries, for GET /budgets (infra/stacks/table-grants.ts)
      tables: { rollups: 'read', state: 'read' },
    },
  },
  triggers: {
    aggregate: {
      queue: 'events',
      // One poll cycle of a Next Idea-sized day sends about 200 messages at once: 50 per batch coalesces more
      // rollup writes per invocation and drains a backlog faster (docs/benchmarks.md). Lambda still keeps each
      // batch under its 6 MB payload limit.
      batchSize: 50,
      maxBatchingWindowSeconds: 2,
      maxConcurrency: 5,
      reportBatchItemFailures: true,
    },
  },
} as const satisfies {
  tables: Record<'state' | 'rollups', TableSpec>;
  queues: Record<'events', QueueSpec>;
  functions: Record<'poll' | 'aggregate' | 'report', FunctionSpec>;
  triggers: Record<'aggregate', SqsTriggerSpec>;
};

export type Topology = typeof topology;
export type TableId = keyof Topology['tables'];
export type FunctionId = keyof Topology['functions'];

/** Every resource of a stage is named `kol-pulse-<stage>-<name>`. */
export const resourcePrefix = (stage: string) => `kol-pulse-${stage}`;

/** Physical resource name: the stage prefix keeps stages apart in one account (and tests apart locally). */
export const physicalName = (prefix: string, name: string) => `${prefix}-${name}`;

/** Parses an EventBridge rate expression ("rate(5 minutes)") into milliseconds. */
export const rateToMs = (expression: string): number => {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) throw new Error(`not a rate expression: ${expression}`);
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  const perUnit = unit.startsWith('minute') ? 60_000 : unit.startsWith('hour') ? 3_600_000 : 86_400_000;
  return n * perUnit;
};
