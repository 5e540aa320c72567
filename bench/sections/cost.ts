import { DEFAULT_STORE_TUNING } from '../../functions/aggregate/store';
import { topology } from '../../shared/topology';
import { type CostBreakdown, costOf, sqsChunks } from '../lib/cost';
import { writeUnitsOf } from '../lib/metered-client';
import { CYCLE_MS, PLATFORM_PROFILES, type Replay } from '../lib/replay';
import { sum } from '../lib/stats';
import type { EfficiencyResult } from './aggregate';
import type { PollerResult } from './poller';

/**
 * Cost per million observations at AWS on-demand list prices, for this design (usage measured on the
 * replay) beside a naive design computed from the same replay (one message per observation, unconditional
 * writes per observation). Assumptions (stated in the report):
 * - Lambda durations in AWS: the handler's measured compute time (its duration minus the time spent waiting
 *   on dynalite) plus DynamoDB round trips at AWS_DYNAMO_LATENCY_MS, the handler's calls spread over its
 *   write concurrency. Durations measured against dynalite on this machine are reported beside it.
 * - Poll functions: the measured local cycle time per API call plus PLATFORM_API_LATENCY_MS per call (the
 *   local platform server answers in well under a millisecond; real APIs do not).
 * - Per-day costs (schedules, poll cycles) are spread over the observations of a Next Idea day at full scale
 *   (the replay's observations divided by its scale), so the figure does not depend on --scale.
 */

export const AWS_DYNAMO_LATENCY_MS = 8;
export const PLATFORM_API_LATENCY_MS = 200;
const CYCLES_PER_DAY = 86_400_000 / CYCLE_MS;

export interface CostResult {
  design: CostBreakdown;
  naive: CostBreakdown;
  /** The same design with Lambda durations as measured locally against dynalite (an upper bound). */
  designLocalDurations: CostBreakdown;
  assumptions: string[];
}

export const computeCosts = (
  replay: Replay,
  efficiency: EfficiencyResult,
  poller: readonly PollerResult[],
  localAggregateDurationsMs: readonly number[],
): CostResult => {
  const observations = replay.stats.deliveries;
  const fullDayFactor = replay.stats.scale; // per-day costs x scale = the share this replay carries
  const platforms = PLATFORM_PROFILES.length;
  const aggregateGb = topology.functions.aggregate.memoryMb / 1024;
  const pollGb = topology.functions.poll.memoryMb / 1024;
  const concurrency = DEFAULT_STORE_TUNING.concurrency;

  // ---- Aggregate Lambda: compute + DynamoDB round trips.
  const computeMs = efficiency.durationsMs.map((d, i) => Math.max(0, d - (efficiency.dbWaitMs[i] ?? 0)));
  const awsDurationMs = computeMs.map(
    (c, i) => c + Math.ceil((efficiency.dbCalls[i] ?? 0) / concurrency) * AWS_DYNAMO_LATENCY_MS,
  );
  const computePerObservationMs = sum(computeMs) / observations;

  // ---- Poll Lambdas: one invocation per platform per cycle; API calls = the replay's pages.
  const pollCallsInReplay = replay.messages.length;
  const perCall =
    poller.length > 0 ? sum(poller.map((p) => p.cycleMs)) / sum(poller.map((p) => p.apiCalls)) : 5;
  const pollInvocations = CYCLES_PER_DAY * platforms * fullDayFactor;
  const pollGbSeconds = ((pollCallsInReplay * (perCall + PLATFORM_API_LATENCY_MS)) / 1000) * pollGb;
  // Reading the tracked-post list each cycle: read units per tracked post, over the day's growing list.
  const rruPerTrackedPost =
    poller.length > 0 ? sum(poller.map((p) => p.meter.readUnits)) / sum(poller.map((p) => p.tracked)) : 0.02;
  const averageTracked = replay.stats.posts / 2;
  const pollReadUnits = CYCLES_PER_DAY * averageTracked * rruPerTrackedPost;
  const pollWriteUnits = pollInvocations; // one cursor write per cycle and query

  // ---- SQS: every message sent once and received once (64 KiB chunks), one DeleteMessageBatch per batch.
  const sendRequests = sum(replay.messages.map((m) => sqsChunks(Buffer.byteLength(m.body))));
  const receiveRequests = sum(efficiency.batchBytes.map(sqsChunks));
  const deleteRequests = efficiency.batches;

  const designUsage = (aggregateDurations: readonly number[]) => ({
    label: 'KOL Pulse (this design)',
    observations,
    lambda: [
      {
        function: 'aggregate',
        invocations: efficiency.batches,
        gbSeconds: (sum(aggregateDurations) / 1000) * aggregateGb,
      },
      { function: 'poll', invocations: pollInvocations, gbSeconds: pollGbSeconds },
    ],
    sqsRequests: sendRequests + receiveRequests + deleteRequests,
    writeUnits: writeUnitsOf(efficiency.meter) + pollWriteUnits,
    readUnits: efficiency.meter.readUnits + pollReadUnits,
    schedulerInvocations: pollInvocations,
  });

  // ---- Naive: a message per observation; per observation an unconditional state put and an ADD to the
  // KOL/voice item and to the campaign total (the KOL/voice item's byDay entry changes with it); the first
  // sighting of a post also writes its track-index entry.
  const naiveInvocations = Math.ceil(observations / topology.triggers.aggregate.batchSize);
  const writesPerInvocation = 3 * topology.triggers.aggregate.batchSize;
  const naiveDurationMs =
    computePerObservationMs * topology.triggers.aggregate.batchSize +
    Math.ceil(writesPerInvocation / concurrency) * AWS_DYNAMO_LATENCY_MS;
  const naiveUsage = {
    label: 'Naive (message and unconditional writes per observation)',
    observations,
    lambda: [
      {
        function: 'aggregate',
        invocations: naiveInvocations,
        gbSeconds: ((naiveInvocations * naiveDurationMs) / 1000) * aggregateGb,
      },
      { function: 'poll', invocations: pollInvocations, gbSeconds: pollGbSeconds },
    ],
    sqsRequests: observations + 2 * naiveInvocations,
    writeUnits: observations * 4 + replay.stats.posts + pollWriteUnits,
    readUnits: pollReadUnits,
    schedulerInvocations: pollInvocations,
  };

  return {
    design: costOf(designUsage(awsDurationMs)),
    designLocalDurations: costOf(designUsage(localAggregateDurationsMs)),
    naive: costOf(naiveUsage),
    assumptions: [
      `Aggregate duration in AWS = measured handler compute (duration minus dynalite wait; ${computePerObservationMs.toFixed(3)} ms per observation) + ${AWS_DYNAMO_LATENCY_MS} ms per DynamoDB round trip, its calls spread over ${concurrency} in flight; ${topology.functions.aggregate.memoryMb} MB (shared/topology.ts).`,
      `Poll: one invocation per platform per ${CYCLE_MS / 60_000}-minute cycle (${platforms} platforms) and one Scheduler invocation each; API calls = the replay's pages; ${perCall.toFixed(1)} ms measured per call locally + ${PLATFORM_API_LATENCY_MS} ms assumed platform API latency; ${topology.functions.poll.memoryMb} MB.`,
      `Poll reads the tracked-post index every cycle: ${rruPerTrackedPost.toFixed(4)} RRU per tracked post (measured), ${averageTracked.toFixed(0)} posts tracked on average over the replayed day.`,
      `Per-day costs (schedules, poll invocations) are charged at the replay's share of a full-scale day (x${fullDayFactor}), so the per-million figure is that of a Next Idea day.`,
      'SQS: each message sent and received once, billed per 64 KiB chunk; one DeleteMessageBatch per batch; idle long polling of the event source mapping (a fixed monthly cost) is left out.',
      'Naive: one message per observation (batches of 10), three unconditional writes per observation (state put, ADD to the KOL/voice item, ADD to the campaign total) = 4 WRU with the byDay index entry, +1 WRU per new post for its track-index entry; no reads.',
      'Free tiers are left out; report requests (analyst-driven) are not part of the per-observation cost.',
    ],
  };
};
