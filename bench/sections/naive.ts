import { createTables, startDynalite } from '../../infra/local/engines';
import { COUNTERS } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import { topology } from '../../shared/topology';
import { readRollups } from '../../test/support/observations';
import { computeOracle, type RollupTable } from '../../test/support/oracle';
import { tableSpecsByName } from '../lib/harness';
import { type DynamoMeter, meterDocumentClient } from '../lib/metered-client';
import { applyNaive } from '../lib/naive-aggregator';
import { type Replay, realTimeBatches } from '../lib/replay';
import { type Comparison, compareTables } from '../lib/verify';

/**
 * The naive aggregator (bench/lib/naive-aggregator.ts) run on the same replay and the same SQS batches as
 * the efficiency run, against its own dynalite, every write and read metered exactly; then its rollups
 * against the oracle: rows that differ, and the campaign totals' error per counter.
 */
export interface NaiveResult {
  batches: number;
  observations: number;
  meter: DynamoMeter;
  /** DynamoDB calls per batch (for the Lambda duration model) and local handler time per batch. */
  dbCalls: number[];
  durationsMs: number[];
  dbWaitMs: number[];
  comparison: Pick<Comparison, 'expectedRows' | 'actualRows'> & { mismatchedRows: number };
  /** Per counter: campaign totals (all campaigns, days, platforms) of the oracle and of the naive run. */
  totals: Record<string, { oracle: number; naive: number; relativeError: number }>;
  /** Sum over total rows of |naive - oracle| / sum of oracle, per counter: errors that cancel across days count. */
  dayRowAbsoluteError: Record<string, number>;
}

const totalsOf = (table: RollupTable) => {
  const out: Record<string, number> = { mentions: 0, likes: 0, shares: 0, comments: 0, views: 0 };
  for (const r of Object.values(table))
    if (r.kind === 'total')
      for (const c of ['mentions', ...COUNTERS] as const) out[c] = (out[c] ?? 0) + (r[c] ?? 0);
  return out;
};

export const measureNaive = async (replay: Replay): Promise<NaiveResult> => {
  const dynamo = await startDynalite({ isolated: true });
  try {
    const tables = await createTables(dynamo.client, 'bench-naive');
    const metered = meterDocumentClient(dynamo.doc, { mode: 'exact', tables: tableSpecsByName(tables) });
    const batches = realTimeBatches(replay.messages, topology.triggers.aggregate.batchSize);
    const callCount = () => Object.values(metered.meter.calls).reduce((a, b) => a + b, 0);
    const dbCalls: number[] = [];
    const durationsMs: number[] = [];
    const dbWaitMs: number[] = [];
    for (const batch of batches) {
      const before = callCount();
      const busy = metered.meter.busyMs;
      const started = performance.now();
      // A Lambda invocation: the batch's observations one after another (the order they were delivered in).
      for (const m of batch)
        for (const o of m.observations) await applyNaive(metered.client, tables, replay.config, o);
      durationsMs.push(performance.now() - started);
      dbWaitMs.push(metered.meter.busyMs - busy);
      dbCalls.push(callCount() - before);
    }
    const delivered: Observation[] = replay.messages.flatMap((m) => m.observations);
    const oracle = computeOracle(replay.config, delivered);
    const actual = await readRollups(dynamo.doc, tables.rollups);
    const comparison = compareTables(oracle, actual);
    const expected = totalsOf(oracle);
    const got = totalsOf(actual);
    const totals = Object.fromEntries(
      Object.keys(expected).map((c) => {
        const e = expected[c] ?? 0;
        const n = got[c] ?? 0;
        return [c, { oracle: e, naive: n, relativeError: e === 0 ? 0 : (n - e) / e }];
      }),
    );
    const dayRowAbsoluteError: Record<string, number> = {};
    for (const c of ['mentions', ...COUNTERS] as const) {
      let diff = 0;
      let sum = 0;
      for (const key of new Set([...Object.keys(oracle), ...Object.keys(actual)])) {
        const e = oracle[key];
        const a = actual[key];
        if ((e ?? a)?.kind !== 'total') continue;
        diff += Math.abs((a?.[c] ?? 0) - (e?.[c] ?? 0));
        sum += e?.[c] ?? 0;
      }
      dayRowAbsoluteError[c] = sum === 0 ? 0 : diff / sum;
    }
    return {
      batches: batches.length,
      observations: delivered.length,
      meter: metered.meter,
      dbCalls,
      durationsMs,
      dbWaitMs,
      comparison: {
        expectedRows: comparison.expectedRows,
        actualRows: comparison.actualRows,
        mismatchedRows: comparison.mismatches.length,
      },
      totals,
      dayRowAbsoluteError,
    };
  } finally {
    await dynamo.close();
  }
};
