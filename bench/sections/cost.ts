import { READ_CONCURRENCY } from '../../functions/aggregate/batch-events';
import { DEFAULT_STORE_TUNING } from '../../functions/aggregate/store';
import { PUT_EVENTS_MAX_ENTRIES } from '../../shared/events/publisher';
import { POST_RECORD_LAYOUT } from '../../shared/keys';
import { topology } from '../../shared/topology';
import {
  type CostBreakdown,
  type CostLine,
  costOf,
  PRICES,
  SQS_CHUNK_BYTES,
  type UsageForCost,
} from '../lib/cost';
import { POST_RECORD_LINE } from '../lib/cost-chart';
import type { ItemSizeStats } from '../lib/item-size';
import { writeUnitsOf } from '../lib/metered-client';
import { CYCLE_MS, PLATFORM_PROFILES, type Replay } from '../lib/replay';
import { fmt } from '../lib/results';
import { sum } from '../lib/stats';
import type { EfficiencyResult, ThroughputResult } from './aggregate';
import type { BundleResult } from './bundles';
import { conflictFreeReadUnits, type ModelSectionResult } from './model';
import type { NaiveResult } from './naive';
import type { PollerResult } from './poller';
import type { ReportingResult } from './reporting';

/**
 * All-in AWS cost of one Next-Idea-scale campaign day (issue 13 point 6) at on-demand list prices, for this
 * design (usage measured on the replay) and for the naive aggregator actually run on the same replay.
 * Usage that grows with the observations (aggregate Lambda, SQS, DynamoDB requests, logs, traces) is the
 * replay's divided by its scale and its days; usage fixed by the schedule (poll invocations, Scheduler,
 * secrets, the analyst's report requests) is counted per day directly. Assumptions are listed in
 * `assumptions` and in docs/benchmarks.md.
 */

export const AWS_DYNAMO_LATENCY_MS = 8;
export const PLATFORM_API_LATENCY_MS = 200;
const CYCLES_PER_DAY = 86_400_000 / CYCLE_MS;
/** Cold starts per invocation: AWS's analysis of production workloads puts INITs under 1% of invocations. */
export const COLD_START_SHARE = 0.01;
/** Lambda's JSON platform records per invocation (platform.start, platform.runtimeDone, platform.report). */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 900;
/** X-Ray's default sampling rule: the first request each second, then 5% of the rest. */
const XRAY_RESERVOIR_PER_SECOND = 1;
const XRAY_FIXED_RATE = 0.05;
/** The analyst's day: 50 dashboard opens, each asking totals, series, leaderboard and voices. */
export const DASHBOARD_OPENS_PER_DAY = 50;
const LOG_RETENTION_DAYS = 30;
/** Assumed round trip of one PutEvents call (up to 10 entries) from Lambda, sent one after another. */
export const PUT_EVENTS_LATENCY_MS = 20;
const SECRETS = PLATFORM_PROFILES.length;

export interface CostResult {
  /** Dollars per campaign day at scale 1 (lines), and per million observations. */
  design: CostBreakdown;
  naive: CostBreakdown;
  /** The same design with Lambda durations as measured locally against dynalite (an upper bound). */
  designLocalDurations: CostBreakdown;
  /** Whether `naive` comes from a run of the naive aggregator (else a formula over the replay). */
  naiveMeasured: boolean;
  /**
   * Where the DynamoDB write units come from: 'model' (the write model at its scale, per observation, times
   * the observations of a scale-1 day) or 'metered-linear' (the metered run's units divided by its scale).
   */
  writeUnitsSource: 'model' | 'metered-linear';
  /** The design with the metered run's write units scaled linearly (pessimistic: no coalescing gain at scale 1). */
  designMeteredLinear?: CostBreakdown;
  readUnitsPerObservation: number;
  /** Campaign events a scale-1 day publishes and what they cost to build (undefined: the model did not run). */
  events?: CampaignEventUsage;
  assumptions: string[];
}

export interface CostInputs {
  replay: Replay;
  efficiency: EfficiencyResult;
  poller: readonly PollerResult[];
  localAggregateDurationsMs: readonly number[];
  naive?: NaiveResult;
  model?: ModelSectionResult;
  throughput?: ThroughputResult;
  reporting?: ReportingResult;
  bundles?: readonly BundleResult[];
}

const xrayTracesPerDay = (invocationsPerDay: number): number => {
  const perSecond = invocationsPerDay / 86_400;
  const traced =
    Math.min(perSecond, XRAY_RESERVOIR_PER_SECOND) +
    XRAY_FIXED_RATE * Math.max(0, perSecond - XRAY_RESERVOIR_PER_SECOND);
  return traced * 86_400;
};

export interface CampaignEventUsage {
  /** KolDayFiguresChanged: one per roster KOL day a batch touched (read model, scale 1). */
  kolDayEvents: number;
  /** The poller's events, at most one PollerFallingBehind per poll invocation (an upper bound). */
  pollerEvents: number;
  /** The KOL-day Queries (eventually consistent) the events are built from. */
  readUnits: number;
  /** Aggregate Lambda time of the event step: Query rounds at AWS latency, PutEvents calls in sequence. */
  gbSeconds: number;
}

/** The campaign events of a scale-1 day (docs/events.md), from the read model's per-observation figures. */
const campaignEventsPerDay = (
  model: ModelSectionResult,
  observationsPerDay: number,
  pollInvocations: number,
): CampaignEventUsage => {
  const ms =
    model.eventQueryRoundsPerObservation * AWS_DYNAMO_LATENCY_MS +
    model.eventPutCallsPerObservation * PUT_EVENTS_LATENCY_MS;
  return {
    kolDayEvents: model.eventsPerObservation * observationsPerDay,
    pollerEvents: pollInvocations,
    readUnits: model.eventReadUnitsPerObservation * observationsPerDay,
    gbSeconds: ((ms * observationsPerDay) / 1000) * (topology.functions.aggregate.memoryMb / 1024),
  };
};

const storedBytes = (sizes: ItemSizeStats): number =>
  sum(Object.values(sizes.byKind).map((k) => k.items * k.averageBytes));

export const computeCosts = (inputs: CostInputs): CostResult => {
  const { replay, efficiency, poller, naive } = inputs;
  const days = replay.stats.days ?? 1;
  const perDay = 1 / (replay.stats.scale * days); // replay usage x perDay = one campaign day at scale 1
  const observationsPerDay = replay.stats.deliveries * perDay;
  // The poller's post records: the post-record model's units per observation (the write model's run, on
  // the same polls; packed groups, bench/lib/post-record-model.ts); without it, one 1-WRU write per
  // observation sent (duplicates are SQS's), which bounds the packed layout's cost from above.
  const recordsSentPerDay = (replay.stats.deliveries - replay.stats.duplicateDeliveries) * perDay;
  const recordUnitsPerDay = inputs.model
    ? inputs.model.postRecordWriteUnitsPerObservation * observationsPerDay
    : recordsSentPerDay;
  const platforms = PLATFORM_PROFILES.length;
  const gb = (fn: keyof typeof topology.functions) => topology.functions[fn].memoryMb / 1024;
  const concurrency = DEFAULT_STORE_TUNING.concurrency;
  const initMs = (fn: string) => inputs.bundles?.find((b) => b.fn === fn)?.importMs ?? 300;

  // ---- Aggregate: measured compute + DynamoDB round trips at AWS latency.
  const awsDurations = (durations: readonly number[], waits: readonly number[], calls: readonly number[]) =>
    durations.map(
      (d, i) =>
        Math.max(0, d - (waits[i] ?? 0)) + Math.ceil((calls[i] ?? 0) / concurrency) * AWS_DYNAMO_LATENCY_MS,
    );
  const designDurations = awsDurations(efficiency.durationsMs, efficiency.dbWaitMs, efficiency.dbCalls);

  // ---- Messages at scale 1: a scaled-down replay sends part-filled pages (a handful of posts per cycle), so its
  // message count does not scale linearly. At scale 1 the pages of a cycle are full but the last: the
  // observations of each platform over its page size, plus one part-filled page per platform and cycle.
  const observationsByPlatform = new Map<string, number>();
  for (const m of replay.messages)
    observationsByPlatform.set(
      m.platform,
      (observationsByPlatform.get(m.platform) ?? 0) + m.observations.length,
    );
  const messagesPerDay =
    sum(
      PLATFORM_PROFILES.map(
        (p) =>
          ((observationsByPlatform.get(p.platform) ?? 0) * perDay) / Math.min(p.searchPage, p.refreshBatch),
      ),
    ) +
    CYCLES_PER_DAY * platforms;
  const bodyBytesPerDay = sum(replay.messages.map((m) => Buffer.byteLength(m.body))) * perDay;
  const batchSize = topology.triggers.aggregate.batchSize;
  const invocationsPerDay = messagesPerDay / batchSize;

  // ---- Poll: one invocation per platform per cycle; API calls = the messages' pages.
  const perCall =
    poller.length > 0 ? sum(poller.map((p) => p.cycleMs)) / sum(poller.map((p) => p.apiCalls)) : 5;
  const pollInvocations = CYCLES_PER_DAY * platforms;
  const pollCallsPerDay = messagesPerDay;
  const pollGbSeconds = ((pollCallsPerDay * (perCall + PLATFORM_API_LATENCY_MS)) / 1000) * gb('poll');
  const rruPerTrackedPost =
    poller.length > 0 ? sum(poller.map((p) => p.meter.readUnits)) / sum(poller.map((p) => p.tracked)) : 0.02;
  const averageTracked = (replay.stats.posts * perDay * days) / 2;
  const pollReadUnits = CYCLES_PER_DAY * averageTracked * rruPerTrackedPost;
  // Per poll invocation: the cursor, the budget ledger's reservations and adjustments, its summary (about 5).
  const pollWriteUnits = pollInvocations * 5;
  const pollLogBytes = poller.length > 0 ? sum(poller.map((p) => p.logBytes)) / poller.length : 500;

  // ---- SQS: every message sent once and received once (64 KiB chunks), one DeleteMessageBatch per batch.
  const chunksPerDay = Math.max(messagesPerDay, bodyBytesPerDay / SQS_CHUNK_BYTES);
  const sendRequests = chunksPerDay;
  const receiveRequests = Math.max(invocationsPerDay, bodyBytesPerDay / SQS_CHUNK_BYTES);
  const deleteRequests = invocationsPerDay;

  // ---- Reads: the read model's units per observation at its scale (DynamoDB's rules); conflict re-reads
  // happen only when invocations overlap, so they are scaled by the concurrent run's metered reads over what
  // the read model gives for the same batches one after another (at least 1). Without the model, the larger
  // of the sequential and the concurrent metered runs per observation.
  const sequentialReads = efficiency.meter.readUnits / efficiency.observations;
  const concurrentReads = inputs.throughput
    ? inputs.throughput.meter.readUnits / inputs.throughput.observations
    : 0;
  const model = inputs.model;
  const conflictFree =
    model && inputs.throughput ? conflictFreeReadUnits(replay, inputs.throughput.batches) : 0;
  const conflictFactor =
    inputs.throughput && conflictFree > 0 ? Math.max(1, inputs.throughput.meter.readUnits / conflictFree) : 1;
  const readsPerObservation = model
    ? model.readUnitsPerObservation * conflictFactor
    : Math.max(sequentialReads, concurrentReads);
  const events = model ? campaignEventsPerDay(model, observationsPerDay, pollInvocations) : undefined;

  // ---- Report path: the analyst's 50 dashboard opens a day.
  const endpoints = inputs.reporting?.endpoints ?? [];
  const reportRequests = DASHBOARD_OPENS_PER_DAY * Math.max(4, endpoints.length);
  const reportMs = endpoints.length > 0 ? sum(endpoints.map((e) => e.p50Ms)) / endpoints.length : 100;
  const reportRru =
    endpoints.length > 0 ? sum(endpoints.map((e) => e.readUnitsPerRequest)) / endpoints.length : 10;

  // ---- Storage after the replay, at scale 1 (the replay's items grow with the scale).
  const storageGb =
    (storedBytes(efficiency.itemSizes) + storedBytes(efficiency.stateItemSizes)) /
    replay.stats.scale /
    1024 ** 3;

  const lambdaLines = (
    invocations: Record<'aggregate' | 'poll' | 'report', number>,
    gbSeconds: Record<'aggregate' | 'poll' | 'report', number>,
  ) =>
    (['aggregate', 'poll', 'report'] as const).map((fn) => ({
      function: fn,
      invocations: invocations[fn],
      gbSeconds: gbSeconds[fn] + invocations[fn] * COLD_START_SHARE * (initMs(fn) / 1000) * gb(fn),
    }));

  const extraLines = (invocations: Record<'aggregate' | 'poll' | 'report', number>, logBytes: number) => {
    const traces = sum(Object.values(invocations).map(xrayTracesPerDay));
    const logGb = logBytes / 1024 ** 3;
    const lines: CostLine[] = [
      {
        item: 'X-Ray traces (default sampling)',
        quantity: traces,
        unit: 'traces',
        dollars: (traces / 1e6) * PRICES.xrayPerMillionTraces,
      },
      {
        item: 'CloudWatch Logs ingestion (INFO)',
        quantity: logGb,
        unit: 'GB',
        dollars: logGb * PRICES.logsIngestionPerGb,
      },
      {
        item: `CloudWatch Logs storage (${LOG_RETENTION_DAYS}-day retention, steady state)`,
        quantity: logGb * LOG_RETENTION_DAYS,
        unit: 'GB held',
        dollars: ((logGb * LOG_RETENTION_DAYS) / 30) * PRICES.logsStoragePerGbMonth,
      },
      {
        // functions/poll/post-record-store.ts: one UpdateItem per touched record group and checkpoint.
        item: POST_RECORD_LINE,
        quantity: recordUnitsPerDay,
        unit: 'WRU',
        dollars: (recordUnitsPerDay / 1e6) * PRICES.dynamoPerMillionWriteUnits,
      },
      ...(events
        ? [
            {
              item: 'EventBridge custom events (KolDayFiguresChanged; poller events, at most one per poll)',
              quantity: events.kolDayEvents + events.pollerEvents,
              unit: 'events',
              dollars:
                ((events.kolDayEvents + events.pollerEvents) / 1e6) *
                PRICES.eventBridgePerMillionCustomEvents,
            },
          ]
        : []),
      {
        item: 'DynamoDB storage (after the replay)',
        quantity: storageGb,
        unit: 'GB',
        dollars: (storageGb / 30) * PRICES.dynamoStoragePerGbMonth,
      },
      {
        item: 'DynamoDB point-in-time recovery',
        quantity: storageGb,
        unit: 'GB',
        dollars: (storageGb / 30) * PRICES.dynamoPitrPerGbMonth,
      },
      {
        item: `Secrets Manager (${SECRETS} secrets, GetSecretValue per poll invocation)`,
        quantity: pollInvocations,
        unit: 'calls',
        dollars:
          (SECRETS * PRICES.secretPerMonth) / 30 + (pollInvocations / 10_000) * PRICES.secretsPer10kCalls,
      },
      {
        item: `API Gateway HTTP API (${DASHBOARD_OPENS_PER_DAY} dashboard opens)`,
        quantity: reportRequests,
        unit: 'requests',
        dollars: (reportRequests / 1e6) * PRICES.httpApiPerMillionRequests,
      },
    ];
    return lines;
  };

  const aggregateLogBytes =
    efficiency.logBytes.length > 0 ? sum(efficiency.logBytes) / efficiency.logBytes.length : 0;
  const usage = (
    label: string,
    aggregate: { durationsMs: readonly number[]; writeUnits: number; readUnits: number },
  ): UsageForCost => {
    const invocations = {
      aggregate: invocationsPerDay,
      poll: pollInvocations,
      report: reportRequests,
    };
    const logBytes =
      invocations.aggregate * (aggregateLogBytes + PLATFORM_LOG_BYTES_PER_INVOCATION) +
      pollInvocations * (pollLogBytes + PLATFORM_LOG_BYTES_PER_INVOCATION) +
      reportRequests * (2 * PLATFORM_LOG_BYTES_PER_INVOCATION);
    return {
      label,
      observations: observationsPerDay,
      lambda: lambdaLines(invocations, {
        aggregate: (sum(aggregate.durationsMs) / 1000) * gb('aggregate') * perDay + (events?.gbSeconds ?? 0),
        poll: pollGbSeconds,
        report: ((reportRequests * reportMs) / 1000) * gb('report'),
      }),
      sqsRequests: sendRequests + receiveRequests + deleteRequests,
      writeUnits: aggregate.writeUnits * perDay + pollWriteUnits,
      readUnits:
        aggregate.readUnits * perDay + (events?.readUnits ?? 0) + pollReadUnits + reportRequests * reportRru,
      schedulerInvocations: pollInvocations,
      extra: extraLines(invocations, logBytes),
    };
  };

  // ---- DynamoDB writes: the write model's units per observation at its scale (scale 1 by default) times
  // the replay's observations, so `x perDay` below gives a scale-1 day; else the metered run's, linearly.
  const designWriteUnits = model
    ? model.writeUnitsPerObservation * efficiency.observations
    : writeUnitsOf(efficiency.meter);
  const design = (
    durations: readonly number[],
    writeUnits = designWriteUnits,
    label = 'KOL Pulse (this design)',
  ) =>
    costOf(
      usage(label, {
        durationsMs: durations,
        writeUnits,
        readUnits: readsPerObservation * efficiency.observations,
      }),
    );
  const naiveCost = naive
    ? costOf(
        usage('Naive aggregator (run on the same replay)', {
          durationsMs: awsDurations(naive.durationsMs, naive.dbWaitMs, naive.dbCalls),
          writeUnits: model
            ? model.naiveWriteUnitsPerObservation * naive.observations
            : writeUnitsOf(naive.meter),
          readUnits: naive.meter.readUnits,
        }),
      )
    : costOf(
        usage(
          model
            ? 'Naive (write model on the same stream; durations of this design)'
            : 'Naive (formula: 3 unconditional writes per observation)',
          {
            durationsMs: designDurations,
            writeUnits: model
              ? model.naiveWriteUnitsPerObservation * efficiency.observations
              : efficiency.observations * 4 + replay.stats.posts,
            readUnits: model
              ? model.naiveReadUnitsPerObservation * efficiency.observations
              : efficiency.observations,
          },
        ),
      );
  const computePerObservationMs =
    sum(efficiency.durationsMs.map((d, i) => Math.max(0, d - (efficiency.dbWaitMs[i] ?? 0)))) /
    efficiency.observations;

  return {
    design: design(designDurations),
    designLocalDurations: design(inputs.localAggregateDurationsMs),
    naive: naiveCost,
    naiveMeasured: naive !== undefined,
    writeUnitsSource: model ? 'model' : 'metered-linear',
    readUnitsPerObservation: readsPerObservation,
    ...(events ? { events } : {}),
    ...(model
      ? {
          designMeteredLinear: design(
            designDurations,
            writeUnitsOf(efficiency.meter),
            'KOL Pulse, metered writes scaled linearly (pessimistic)',
          ),
        }
      : {}),
    assumptions: [
      ...(model ? modelAssumptions(model, efficiency, replay.stats.scale) : []),
      `Messages at scale 1: pages are full but the last of each platform and cycle, so ${Math.round(messagesPerDay).toLocaleString('en-US')} messages (API calls) and ${Math.round(invocationsPerDay).toLocaleString('en-US')} aggregate invocations (batches of ${batchSize}) a day; SQS requests from the bodies' bytes in 64 KiB chunks. Durations and log bytes per observation are the run's, scaled by observations; DynamoDB write and read units come from the write and read models when they ran (below), else from the metered run, scaled by observations.`,
      `One campaign day = the replay's usage / (scale ${replay.stats.scale} x ${days} days): ${Math.round(observationsPerDay).toLocaleString('en-US')} observations a day at scale 1 (both campaigns of the replay, duplicates included).`,
      `Aggregate duration in AWS = measured handler compute (duration minus dynalite wait; ${computePerObservationMs.toFixed(3)} ms per observation) + ${AWS_DYNAMO_LATENCY_MS} ms per DynamoDB round trip, its calls spread over ${concurrency} in flight; ${topology.functions.aggregate.memoryMb} MB (shared/topology.ts). The naive run's durations are modelled the same way from its own measured calls.`,
      `Lambda INIT (billed since 2025-08-01): ${COLD_START_SHARE * 100}% of invocations start cold (AWS's own figure for production workloads), each billed the bundle's measured import time (bench bundles section; 300 ms where not measured).`,
      `Poll: one invocation per platform per ${CYCLE_MS / 60_000}-minute cycle (${platforms} platforms) and one Scheduler invocation each; API calls = the replay's pages; ${perCall.toFixed(1)} ms measured per call locally + ${PLATFORM_API_LATENCY_MS} ms assumed platform API latency; ${topology.functions.poll.memoryMb} MB. The tracked-post index and the post records are read every cycle: ${rruPerTrackedPost.toFixed(4)} RRU per tracked post (measured), ${Math.round(averageTracked).toLocaleString('en-US')} posts tracked on average. Writes: about 5 per invocation (cursor, budget ledger, summary) and the post records (${Math.round(recordUnitsPerDay).toLocaleString('en-US')} WRU a day, its own line: ${inputs.model ? postRecordNote(inputs.model, recordsSentPerDay) : 'one 1-WRU write per observation sent, the write model did not run'}).`,
      model
        ? `DynamoDB reads of the aggregate: ${readsPerObservation.toFixed(3)} RRU per observation = the read model's ${model.readUnitsPerObservation.toFixed(3)} at scale ${model.week.scale} (bench/lib/read-model.ts, DynamoDB's rules, see "Write model") x ${conflictFactor.toFixed(3)}, the conflict factor: the concurrent throughput run's metered reads over the read model's on the very same batches run one after another (${inputs.throughput ? `${fmt(inputs.throughput.meter.readUnits, 1)} / ${fmt(conflictFree, 1)}` : 'the throughput section did not run'}, at least 1), as conflict re-reads happen only when invocations overlap and the model runs one batch at a time. (The concurrent run's ${concurrentReads.toFixed(3)} RRU per observation against the sequential run's ${sequentialReads.toFixed(3)} cannot serve: its queue is loaded beforehand, so its batches are full and read less per observation.)`
        : `DynamoDB reads: ${readsPerObservation.toFixed(3)} RRU per observation, the larger of the sequential run and the concurrent throughput run (conflict re-reads happen only when invocations overlap).`,
      events
        ? eventsAssumption(events, model)
        : 'Campaign events (EventBridge, their KOL-day Queries) are not priced: the write model, which counts them, did not run.',
      `X-Ray: active tracing with the default sampling rule (first request each second, 5% of the rest), per function, on the average invocation rate of the day (bursts would record fewer).`,
      `CloudWatch Logs: the functions' logger output measured in the run at INFO (the deployed level: no log level is configured): ${Math.round(aggregateLogBytes)} bytes per aggregate invocation, ${Math.round(pollLogBytes)} per poll cycle, plus ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes of Lambda platform records per invocation (assumed); the report path logs an access line and platform records; ${LOG_RETENTION_DAYS}-day retention (the stage default).`,
      `DynamoDB storage and PITR: the rollups and state tables' item bytes after the replay, divided by the scale (${storageGb.toFixed(3)} GB at scale 1), charged for one day.`,
      `Secrets Manager: ${SECRETS} secrets (one per platform); the poller caches a secret 5 minutes, so one GetSecretValue per poll invocation.`,
      `Report path: ${DASHBOARD_OPENS_PER_DAY} dashboard opens a day, ${Math.max(4, endpoints.length)} requests each (totals, series, leaderboard, voices), at the reporting section's p50 duration and read units.`,
      'SQS: each message sent and received once, billed per 64 KiB chunk; one DeleteMessageBatch per batch; idle long polling of the event source mapping (a fixed monthly cost) is left out. Free tiers are left out.',
      naive
        ? 'Naive: bench/lib/naive-aggregator.ts run on the same messages and batches (GetItem + unconditional PutItem of the post, one ADD per rollup item per observation), every unit metered; the same poll, SQS, logging and report costs.'
        : 'Naive: a formula (the naive section did not run).',
    ],
  };
};

const modelAssumptions = (
  model: ModelSectionResult,
  efficiency: EfficiencyResult,
  scale: number,
): string[] => [
  `DynamoDB writes from the write model (bench/lib/write-model.ts) run at scale ${model.week.scale} over ${model.week.days} day(s) of the week replay (${Math.round(model.week.design.observations).toLocaleString('en-US')} observations): ${model.writeUnitsPerObservation.toFixed(3)} WRU per observation (state and rollup writes, byDay and byTrackDay index writes, failed writes to closed buckets, freshness), times the observations of a scale-1 day. The model runs the aggregate's own planner and pass splitting; per batch of ${topology.triggers.aggregate.batchSize} messages it coalesces each rollup bucket into one UpdateItem per ${DEFAULT_STORE_TUNING.postsPerUpdate} posts, charged 1 WRU per started KB of the larger of the item's images (fixed attributes plus ~17-byte markers), buckets closing after ${DEFAULT_STORE_TUNING.bucketMarkerLimit - DEFAULT_STORE_TUNING.postsPerUpdate} marker writes. Not modelled: conflicts between concurrent invocations (their re-reads are charged under reads) and crash recovery. DynamoDB reads come from the read model (bench/lib/read-model.ts) on the same stream: ${model.readUnitsPerObservation.toFixed(3)} RRU per observation by DynamoDB's rules (per pass one strongly consistent read of each distinct post's state, one eventually consistent read of each distinct bucket the posts' pending outboxes name, the fold reads of closing chains), against ${(efficiency.meter.readUnits / efficiency.observations).toFixed(3)} metered at scale ${scale}, where a batch carries a few observations and re-reads a bucket for almost every one.`,
  ...(model.calibration
    ? [
        `Write model calibration: on the bench replay (scale ${scale}, ${Math.round(efficiency.observations).toLocaleString('en-US')} observations, the same batches) the model gives ${Math.round(model.calibration.model).toLocaleString('en-US')} WRU against ${Math.round(model.calibration.metered).toLocaleString('en-US')} metered (ratio ${model.calibration.ratio.toFixed(3)}), and ${fmt(model.calibration.reads.model, 1)} RRU by dynalite's rules against ${fmt(model.calibration.reads.metered, 1)} metered (ratio ${model.calibration.reads.ratio.toFixed(3)}; ${fmt(model.calibration.reads.modelDynamoDb, 1)} by DynamoDB's, which charges a Query that finds nothing).`,
      ]
    : []),
  `Naive writes from the same model run: ${model.naiveWriteUnitsPerObservation.toFixed(3)} WRU per observation (one PutItem of the post, one ADD per rollup item and observation, one more per item on first sight, byDay entries of KOL and voice items; items without markers, 1 WRU each).`,
];

const eventsAssumption = (events: CampaignEventUsage, model?: ModelSectionResult): string =>
  `Campaign events (docs/events.md), counted by the read model on the write model's stream at scale ${model?.week.scale}: after each batch the aggregate publishes one KolDayFiguresChanged per roster KOL day the batch touched (publish day and observed day of each KOL observation; functions/aggregate/batch-events.ts), ${fmt(events.kolDayEvents)} a day (${((model?.eventsPerObservation ?? 0) * 1000).toFixed(1)} per 1,000 observations), each built from an eventually consistent Query of that KOL day's rows (every platform's buckets and folds): ${fmt(events.readUnits)} RRU a day, under DynamoDB reads. Each event is under 1 KB, so one 64 KB chunk: billed as one custom event. The poller publishes PollerFallingBehind only after a cycle that ended with work left, and BudgetNearlySpent for monthly quotas; both are counted as one event per poll invocation (${fmt(events.pollerEvents)}, an upper bound). Lambda time of the event step: its Queries ${READ_CONCURRENCY} at a time at ${AWS_DYNAMO_LATENCY_MS} ms, and PutEvents calls of ${PUT_EVENTS_MAX_ENTRIES} entries one after another at ${PUT_EVENTS_LATENCY_MS} ms (assumed), ${fmt(events.gbSeconds)} GB-s a day, added to the aggregate's duration. The naive run is charged the same events. Spike alerts: neither the week replay's campaigns nor the bench replay's configure \`alerts.spike\` (config/campaigns.json, the demo, does), so hourly rollups, SpikeDetected and their hour-series Queries and spike records are not in these figures: each batch would Query the baseline hours of every campaign, KOL and voice scope it touched.`;

/** How the post-record line is obtained (bench/lib/post-record-model.ts on the write model's polls). */
const postRecordNote = (model: ModelSectionResult, recordsSentPerDay: number): string => {
  const w = model.postRecordWeek;
  const r = w.records;
  const perWrite = r.writes > 0 ? r.recordsSaved / r.writes : 0;
  return `the post-record model (bench/lib/post-record-model.ts) at scale ${w.scale.toFixed(4)} over ${w.days} day(s) of the week replay, the poller's SentFilter and group planning on every poll, two checkpoints per poll: ${fmt(r.recordsSaved)} records saved in ${fmt(r.writes)} group writes (${perWrite.toFixed(1)} records per write, ${(r.writeUnits / Math.max(1, r.writes)).toFixed(2)} WRU per write, ${(r.writeUnits / Math.max(1, r.recordsSaved)).toFixed(3)} WRU per record against 1 as one item per post), layout ${r.layout.slots} publish-time slots x ${r.layout.perSlot} group(s) a platform-day at that scale, as many posts per group as the product's ${POST_RECORD_LAYOUT.slots} x ${POST_RECORD_LAYOUT.perSlot} at scale 1, largest group ${fmt(r.largestGroupBytes)} bytes (${fmt(r.largestGroupRecords)} records); one item per post would be ${fmt(recordsSentPerDay)} WRU`;
};
