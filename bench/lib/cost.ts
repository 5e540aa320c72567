/**
 * AWS on-demand list prices (us-east-1) used by the cost model, and the arithmetic that turns measured
 * usage into dollars per million observations. Free tiers are left out: the figure is the marginal cost.
 */

export const PRICES_CHECKED_ON = '2026-12-01';
export const PRICE_REGION = 'us-east-1';

export const PRICES = {
  /** Lambda arm64, first 7.5 billion GB-s per month. */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** SQS standard queue, first 100 billion requests per month; every 64 KiB chunk of a payload is one request. */
  sqsPerMillionRequests: 0.4,
  /** DynamoDB on-demand (Standard table class) since the November 2024 price cut. */
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  /** EventBridge Scheduler, after the 14 million free invocations per month. */
  schedulerPerMillionInvocations: 1.0,
  /** DynamoDB Standard table class storage, and point-in-time recovery (continuous backups), per GB-month. */
  dynamoStoragePerGbMonth: 0.25,
  dynamoPitrPerGbMonth: 0.2,
  /** X-Ray traces recorded. */
  xrayPerMillionTraces: 5.0,
  /** CloudWatch Logs, Standard log class: ingestion per GB and storage per GB-month. */
  logsIngestionPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  /** Secrets Manager: per secret per month, and per 10,000 API calls. */
  secretPerMonth: 0.4,
  secretsPer10kCalls: 0.05,
  /** API Gateway HTTP API, first 300 million requests per month. */
  httpApiPerMillionRequests: 1.0,
  /** EventBridge event bus, custom events published (each 64 KB chunk of a payload is one event); checked 2026-12-02. */
  eventBridgePerMillionCustomEvents: 1.0,
} as const;

export const PRICE_SOURCES = [
  ['Lambda (arm64 GB-s, requests)', 'https://aws.amazon.com/lambda/pricing/'],
  ['SQS (standard requests, 64 KiB chunks)', 'https://aws.amazon.com/sqs/pricing/'],
  ['DynamoDB on-demand (write and read request units)', 'https://aws.amazon.com/dynamodb/pricing/on-demand/'],
  ['EventBridge Scheduler (invocations)', 'https://aws.amazon.com/eventbridge/pricing/'],
  [
    'DynamoDB storage and point-in-time recovery (GB-month)',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  ],
  ['X-Ray (traces recorded)', 'https://aws.amazon.com/xray/pricing/'],
  ['CloudWatch Logs (Standard ingestion, storage)', 'https://aws.amazon.com/cloudwatch/pricing/'],
  ['Secrets Manager (secrets, API calls)', 'https://aws.amazon.com/secrets-manager/pricing/'],
  ['API Gateway HTTP API (requests)', 'https://aws.amazon.com/api-gateway/pricing/'],
  [
    'EventBridge event bus (custom events published, each 64 KB chunk one event; checked 2026-12-02)',
    'https://aws.amazon.com/eventbridge/pricing/',
  ],
  [
    'Lambda INIT phase billed like invocation duration since 2025-08-01',
    'https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/',
  ],
] as const;

export const SQS_CHUNK_BYTES = 64 * 1024;

export interface UsageForCost {
  label: string;
  /** Observations the usage below processed (denominator). */
  observations: number;
  lambda: { function: string; invocations: number; gbSeconds: number }[];
  sqsRequests: number;
  writeUnits: number;
  readUnits: number;
  schedulerInvocations: number;
  /** Lines priced by the caller (X-Ray, logs, storage, secrets, report path). */
  extra?: CostLine[];
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  dollars: number;
}

export interface CostBreakdown {
  label: string;
  observations: number;
  lines: CostLine[];
  total: number;
  perMillionObservations: number;
}

export const costOf = (usage: UsageForCost): CostBreakdown => {
  const lines: CostLine[] = [];
  for (const fn of usage.lambda) {
    lines.push({
      item: `Lambda ${fn.function} requests`,
      quantity: fn.invocations,
      unit: 'requests',
      dollars: (fn.invocations / 1e6) * PRICES.lambdaPerMillionRequests,
    });
    lines.push({
      item: `Lambda ${fn.function} duration`,
      quantity: fn.gbSeconds,
      unit: 'GB-s',
      dollars: fn.gbSeconds * PRICES.lambdaArmPerGbSecond,
    });
  }
  lines.push({
    item: 'SQS requests',
    quantity: usage.sqsRequests,
    unit: 'requests (64 KiB chunks)',
    dollars: (usage.sqsRequests / 1e6) * PRICES.sqsPerMillionRequests,
  });
  lines.push({
    item: 'DynamoDB writes',
    quantity: usage.writeUnits,
    unit: 'WRU',
    dollars: (usage.writeUnits / 1e6) * PRICES.dynamoPerMillionWriteUnits,
  });
  lines.push({
    item: 'DynamoDB reads',
    quantity: usage.readUnits,
    unit: 'RRU',
    dollars: (usage.readUnits / 1e6) * PRICES.dynamoPerMillionReadUnits,
  });
  lines.push({
    item: 'Scheduler invocations',
    quantity: usage.schedulerInvocations,
    unit: 'invocations',
    dollars: (usage.schedulerInvocations / 1e6) * PRICES.schedulerPerMillionInvocations,
  });
  lines.push(...(usage.extra ?? []));
  const total = lines.reduce((n, l) => n + l.dollars, 0);
  return {
    label: usage.label,
    observations: usage.observations,
    lines,
    total,
    perMillionObservations: usage.observations > 0 ? (total / usage.observations) * 1e6 : Number.NaN,
  };
};

/** Billable SQS requests for one message sent, received or deleted with its payload: one per 64 KiB. */
export const sqsChunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / SQS_CHUNK_BYTES));
