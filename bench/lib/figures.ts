import { DEFAULT_STORE_TUNING } from '../../functions/aggregate/store';
import type { ChartPoint } from './cost-chart';
import type { FullWeekSummary } from './full-week-summary';
import type { BenchResults } from './results';
import { fmt } from './results';

/**
 * The Next-Idea scale figures (docs/benchmarks.json): each one measured in the run, or null with a note
 * saying why. Write rates grow linearly with the replay's scale, so partition loads are scaled to scale 1.
 */

/** DynamoDB's per-partition write limit, in write units per second. */
export const PARTITION_WCU_PER_SECOND = 1_000;
const SECONDS_PER_DAY = 86_400;

export const TARGETS = {
  largestItemBytes: 64 * 1024,
  busiestPartitionWriteShare: 0.3,
  noopWritesPer1000: 50,
  twinCapacityRatio: 2,
  awsUsdPerCampaignDay: 5,
  /** The naive run costs at least this many times this design's (issue 13 point 6). */
  naiveCostRatio: 5,
} as const;

type FigureName = keyof typeof TARGETS;

export interface BenchFigures {
  scale: number;
  seed: number;
  commit: string | null;
  startedAt: string | null;
  largestItemBytes: number | null;
  largestItem: { table: string; kind: string } | null;
  busiestPartitionWriteShare: number | null;
  busiestPartitionKey: string | null;
  /** The metered run's busiest minute divided by its scale (pessimistic: coalescing grows with scale). */
  busiestPartitionWriteShareMeteredLinear: number | null;
  noopWritesPer1000: number | null;
  twinCapacityRatio: number | null;
  reportP95Ms: {
    series: number | null;
    leaderboard: number | null;
    totals: number | null;
    voices: number | null;
  };
  awsUsdPerCampaignDay: number | null;
  naiveUsdPerCampaignDay: number | null;
  /** naiveUsdPerCampaignDay / awsUsdPerCampaignDay, both measured on the same replay. */
  naiveCostRatio: number | null;
  /** The latest full-week run through the aggregate (`npm run bench:week`), exact or not, at its scale. */
  fullWeek: FullWeekSummary | null;
  /** The naive aggregator's run: its error against the oracle. */
  naive: {
    measured: boolean;
    usdPerCampaignDay: number;
    writeUnitsPer1000Observations: number | null;
    mismatchedRows: number | null;
    oracleRows: number | null;
    totalsRelativeError: Record<string, number> | null;
    dayTotalsAbsoluteError: Record<string, number> | null;
  } | null;
  /** Dollars per campaign day at scale 1, line by line. */
  costBreakdown: {
    design: { item: string; quantity: number; unit: string; dollars: number }[];
    naive: { item: string; quantity: number; unit: string; dollars: number }[];
    perMillionObservations: { design: number; naive: number };
    assumptions: string[];
  } | null;
  /** Staleness of tracked posts' counters (minutes) by planner and refresh budget (issue 15 point 4). */
  staleness:
    | {
        planner: string;
        periodMinutes: number;
        observationsPerDay: number;
        refreshRequestsPerCycle: number;
        medianMinutes: number;
        p95Minutes: number;
        hotMedianMinutes: number;
        hotP95Minutes: number;
        samples: number;
        dueNotRefreshed: number;
      }[]
    | null;
  /**
   * Cost and staleness against the hot-post refresh period (the poll schedule), at the default budget: the
   * cost is this design's per-campaign-day cost scaled by the observations the period produces.
   */
  refreshPeriodChart:
    | {
        periodMinutes: number;
        observationsPerDay: number;
        usdPerCampaignDay: number | null;
        stalenessMedianMinutes: number;
        stalenessP95Minutes: number;
        hotP95Minutes?: number;
        refreshRequestsPerCycle?: number;
      }[]
    | null;
  /** Cost and staleness against the refresh requests per platform and cycle, at the default schedule. */
  refreshBudgetChart: ChartFigure[] | null;
  /** Where the chart points come from. */
  chartSource: string | null;
  /** The replay the figures come from. */
  replay: Record<string, unknown>;
  /** The measured inputs the figures are derived from. */
  inputs: Record<string, number | string | null>;
  targets: typeof TARGETS;
  met: Record<FigureName, boolean | null>;
  notes: Record<string, string>;
}

const largestItem = (r: BenchResults) => {
  const e = r.efficiency;
  if (!e) return undefined;
  const candidates = [
    ...Object.entries(e.itemSizes.byKind).map(([kind, k]) => ({ table: 'rollups', kind, bytes: k.maxBytes })),
    ...Object.entries(e.stateItemSizes.byKind).map(([kind, k]) => ({
      table: 'state',
      kind,
      bytes: k.maxBytes,
    })),
  ];
  // The write model's items at its scale (scale 1 by default): buckets and post states grow with the volume.
  const modelled = r.model?.week.design;
  if (modelled)
    candidates.push(
      {
        table: 'rollups',
        kind: `bucket (write model, scale ${r.model?.week.scale})`,
        bytes: modelled.largestBucketBytes,
      },
      {
        table: 'state',
        kind: `POST (write model, scale ${r.model?.week.scale})`,
        bytes: modelled.largestStateBytes,
      },
    );
  return candidates.sort((a, b) => b.bytes - a.bytes)[0];
};

const p95Of = (r: BenchResults, pathPart: string): number | null =>
  r.reporting?.endpoints.find((e) => e.path.includes(pathPart))?.p95Ms ?? null;

export const computeFigures = (r: BenchResults): BenchFigures => {
  const notes: Record<string, string> = {};
  const scale = r.replay.scale;
  const days = r.replay.days ?? 1;
  const observationsPerDay = r.replay.deliveries / scale / days;
  const averageObsPerSecond = observationsPerDay / SECONDS_PER_DAY;
  const e = r.efficiency;

  const total = e?.itemSizes.byKind.total;
  const largest = largestItem(r);
  if (!largest) notes.largestItemBytes = 'the efficiency section did not run';
  else
    notes.largestItemBytes = `Largest item of the rollups and state tables after the efficiency run at scale ${scale}, and the largest bucket and post state the write model sized at its scale (${r.model ? r.model.week.scale : 'not run'}), by DynamoDB's rules (bench/lib/item-size.ts). Items whose size grows with the campaign's volume (campaign-total shards carry one marker per post) are larger at scale 1 than measured here, up to a full bucket: a bucket takes at most ${fmt(DEFAULT_STORE_TUNING.bucketMarkerLimit)} marker writes, then the chain grows another (inputs.largestTotalShardBytesExtrapolatedToScale1: the largest total shard with its per-post markers divided by the scale, capped at a full bucket's markers).`;

  const busiest = e?.attribution.busiest;
  const meteredLinearShare = busiest ? busiest.writeUnits / scale / (PARTITION_WCU_PER_SECOND * 60) : null;
  const modelled = r.model?.busiest;
  const busiestShare = modelled ? (r.model?.busiestShareAtScale1 ?? null) : meteredLinearShare;
  notes.busiestPartitionWriteShare = modelled
    ? `From the write model (bench/lib/write-model.ts) run at scale ${r.model?.week.scale} over ${r.model?.week.days} day(s): per partition key value (base table pk and each index partition), the write units of its busiest minute (a poll cycle's batches all counted at the cycle's start: pessimistic), divided by ${fmt(PARTITION_WCU_PER_SECOND)} WCU/s x 60 s${(r.model?.week.scale ?? 1) < 1 ? ', then divided by the model scale' : ', no extrapolation'}: ${fmt(modelled.writeUnits)} WCU on ${modelled.partition}. The metered run's busiest minute scaled linearly (pessimistic) gives ${meteredLinearShare === null ? 'n/a' : fmt(meteredLinearShare, 3)}.`
    : busiest
      ? `Per partition key value (base table pk, and each index partition gsi1pk for writes that touch an index), the write units of its busiest minute of replay time in the efficiency run (every batch of a poll cycle is counted at the cycle's start, so a cycle's writes fall in one minute: pessimistic), divided by ${fmt(PARTITION_WCU_PER_SECOND)} WCU/s x 60 s, and divided by the scale (${scale}) to give scale 1: write rates grow linearly with scale (pessimistic for per-KOL items, whose writes do not grow as the roster grows). ${fmt(busiest.writeUnits)} WCU in the busiest minute at scale ${scale}.`
      : 'the efficiency section did not run';

  const noop = e?.attribution.noop;
  const noopPer1000 =
    noop && noop.isolatedObservations > 0 ? (noop.stateWrites / noop.isolatedObservations) * 1000 : null;
  notes.noopWritesPer1000 = noop
    ? noop.isolatedObservations > 0
      ? `In the efficiency run, an observation whose counters equal the post's previous observation (in delivery order) is a no-op; where all of a post's observations in a batch are no-ops, every write of that post's state item in that batch is attributed to them (the metered client sees each write). ${fmt(noop.stateWrites)} writes (${fmt(noop.writeUnits)} WCU) for ${fmt(noop.isolatedObservations)} such observations (${fmt(noop.unchangedObservations)} unchanged observations in all). Rollup writes are not counted: a no-op observation changes no counter, so it adds nothing to a rollup item.`
      : 'the replay had no batch in which a post was observed only with unchanged counters'
    : 'the efficiency section did not run';

  const t = r.throughput;
  const twin = t?.complete ? t.observationsPerSecond / averageObsPerSecond : null;
  notes.twinCapacityRatio = t
    ? t.complete
      ? `twinCapacityRatio = throughput end to end (${fmt(t.observationsPerSecond)} obs/s; steady ${fmt(t.steadyObservationsPerSecond)}) / (observations per campaign day at scale 1 / 86,400 s), where observations per day = the replay's ${fmt(r.replay.deliveries)} observations / scale ${scale} / ${days} simulated day(s) (duplicates included) = ${fmt(observationsPerDay)}, i.e. ${fmt(averageObsPerSecond, 2)} obs/s on average (the evening peak is higher).`
      : 'the throughput run did not complete'
    : 'the throughput section did not run';

  const voices = p95Of(r, '/voices');
  notes.reportP95Ms = `p95 of the reporting section (bench/sections/reporting.ts), ${fmt(r.reporting?.kols ?? 0)} KOLs and as many discovered voices over a 30-day window; targets from issue 13: series 50 ms, leaderboard 300 ms, totals 50 ms, voices 300 ms (missed: voices read one index partition per day; voice week items would cut that, as KOL week items did for the leaderboard).`;

  const c = r.cost;
  const aws = c ? c.design.total : null;
  const naive = c ? c.naive.total : null;
  if (c) {
    notes.awsUsdPerCampaignDay = `All-in cost of one Next-Idea-scale campaign day (${fmt(observationsPerDay)} observations at scale 1): Lambda requests, duration and INIT, SQS, DynamoDB reads/writes/index writes/storage/PITR, Scheduler, EventBridge campaign events, X-Ray, CloudWatch Logs, Secrets Manager and the analyst's report path, at list prices (costBreakdown); $${fmt(c.design.perMillionObservations, 3)} per million observations.`;
    notes.naiveUsdPerCampaignDay = c.naiveMeasured
      ? `The naive aggregator (bench/lib/naive-aggregator.ts) run on the same replay and batches, every DynamoDB unit metered, priced like this design with the same poll, SQS, logs and report costs: $${fmt(c.naive.perMillionObservations, 3)} per million observations. Its error against the oracle is in "naive".`
      : r.model
        ? 'The naive section did not run: its DynamoDB units come from the naive write model (bench/lib/naive-write-model.ts) on the same stream, the rest priced like this design.'
        : 'The naive section did not run: this is a formula (three unconditional writes per observation).';
  } else {
    notes.awsUsdPerCampaignDay = 'the cost model did not run (it needs the efficiency section)';
    notes.naiveUsdPerCampaignDay = notes.awsUsdPerCampaignDay;
  }

  const figures = {
    largestItemBytes: largest?.bytes ?? null,
    busiestPartitionWriteShare: busiestShare,
    noopWritesPer1000: noopPer1000,
    twinCapacityRatio: twin,
    awsUsdPerCampaignDay: aws,
  };
  const atMost = (v: number | null, limit: number) => (v === null ? null : v <= limit);
  return {
    scale,
    seed: r.replay.seed,
    commit: r.run?.commit ?? null,
    startedAt: r.run?.startedAt ?? null,
    ...figures,
    largestItem: largest ? { table: largest.table, kind: largest.kind } : null,
    busiestPartitionKey: modelled?.partition ?? busiest?.partition ?? null,
    busiestPartitionWriteShareMeteredLinear: meteredLinearShare,
    reportP95Ms: {
      series: p95Of(r, '/series'),
      leaderboard: p95Of(r, '/leaderboard'),
      totals: p95Of(r, '/totals'),
      voices,
    },
    fullWeek: r.fullWeek ?? null,
    naiveUsdPerCampaignDay: naive,
    naiveCostRatio: aws && naive !== null ? naive / aws : null,
    naive: c
      ? {
          measured: c.naiveMeasured,
          usdPerCampaignDay: c.naive.total,
          writeUnitsPer1000Observations: r.naive
            ? ((r.naive.meter.tableWriteUnits + r.naive.meter.indexWriteUnits) / r.naive.observations) * 1000
            : null,
          mismatchedRows: r.naive?.comparison.mismatchedRows ?? null,
          oracleRows: r.naive?.comparison.expectedRows ?? null,
          totalsRelativeError: r.naive
            ? Object.fromEntries(Object.entries(r.naive.totals).map(([k, v]) => [k, v.relativeError]))
            : null,
          dayTotalsAbsoluteError: r.naive?.dayRowAbsoluteError ?? null,
        }
      : null,
    costBreakdown: c
      ? {
          design: c.design.lines,
          naive: c.naive.lines,
          perMillionObservations: {
            design: c.design.perMillionObservations,
            naive: c.naive.perMillionObservations,
          },
          assumptions: c.assumptions,
        }
      : null,
    staleness:
      r.staleness?.map((s) => ({
        planner: s.planner,
        periodMinutes: s.periodMinutes,
        observationsPerDay: s.deliveriesPerDay,
        refreshRequestsPerCycle: s.refreshRequestsPerCycle,
        medianMinutes: s.staleness.medianMinutes,
        p95Minutes: s.staleness.p95Minutes,
        hotMedianMinutes: s.staleness.hot.medianMinutes,
        hotP95Minutes: s.staleness.hot.p95Minutes,
        samples: s.staleness.samples,
        dueNotRefreshed: s.dueNotRefreshed,
      })) ?? null,
    refreshPeriodChart: r.charts
      ? r.charts.byPeriod.map(chartRow)
      : (r.staleness
          ?.filter(
            (s) =>
              s.planner === r.staleness?.[0]?.planner &&
              s.refreshRequestsPerCycle === r.staleness?.[0]?.refreshRequestsPerCycle,
          )
          .map((s) => ({
            periodMinutes: s.periodMinutes,
            observationsPerDay: s.deliveriesPerDay,
            usdPerCampaignDay: c ? c.design.total * (s.deliveriesPerDay / observationsPerDay) : null,
            stalenessMedianMinutes: s.staleness.medianMinutes,
            stalenessP95Minutes: s.staleness.p95Minutes,
          })) ?? null),
    refreshBudgetChart: r.charts ? r.charts.byBudget.map(chartRow) : null,
    chartSource: r.charts
      ? `write model per point (scale ${r.charts.scale}, ${r.charts.days} day(s), shipped value planner)`
      : r.staleness
        ? 'staleness section (value planner); cost scaled by observations'
        : null,
    replay: { ...r.replay },
    inputs: {
      observationsInReplay: r.replay.deliveries,
      // Extrapolated, not measured: a campaign-total shard carries one marker per post of its platform and day,
      // but a bucket takes at most bucketMarkerLimit marker writes; past that the chain grows another bucket.
      largestTotalShardBytesExtrapolatedToScale1:
        total && scale < 1
          ? total.maxBytes -
            total.largestItemMarkerBytes +
            Math.min(total.largestItemMarkerBytes / scale, BUCKET_MARKER_BYTES_AT_MOST)
          : null,
      simulatedDays: days,
      observationsPerCampaignDay: observationsPerDay,
      averageObservationsPerSecond: averageObsPerSecond,
      throughputObservationsPerSecond: t?.observationsPerSecond ?? null,
      busiestMinuteWriteUnitsAtRunScale: busiest?.writeUnits ?? null,
      busiestMinuteStart: busiest ? new Date(busiest.minuteStartMs).toISOString() : null,
      partitionsWritten: e?.attribution.partitions ?? null,
      noopIsolatedObservations: noop?.isolatedObservations ?? null,
      noopStateWrites: noop?.stateWrites ?? null,
      // The write and read models' units per observation at their scale (scale 1 by default), DynamoDB's rules.
      modelWriteUnitsPerObservation: r.model?.writeUnitsPerObservation ?? null,
      modelReadUnitsPerObservation: r.model?.readUnitsPerObservation ?? null,
      // What the cost charges: the read model's units times the conflict factor (the concurrent run's metered
      // reads over the read model's on the very same batches run one after another).
      costReadUnitsPerObservation: c?.readUnitsPerObservation ?? null,
      campaignEventsPerCampaignDay: c?.events ? c.events.kolDayEvents + c.events.pollerEvents : null,
      eventReadUnitsPerCampaignDay: c?.events?.readUnits ?? null,
      costPerMillionObservations: c?.design.perMillionObservations ?? null,
      naiveCostPerMillionObservations: c?.naive.perMillionObservations ?? null,
    },
    targets: TARGETS,
    met: {
      largestItemBytes: atMost(figures.largestItemBytes, TARGETS.largestItemBytes),
      busiestPartitionWriteShare: atMost(
        figures.busiestPartitionWriteShare,
        TARGETS.busiestPartitionWriteShare,
      ),
      noopWritesPer1000: atMost(figures.noopWritesPer1000, TARGETS.noopWritesPer1000),
      twinCapacityRatio:
        figures.twinCapacityRatio === null ? null : figures.twinCapacityRatio >= TARGETS.twinCapacityRatio,
      awsUsdPerCampaignDay: atMost(figures.awsUsdPerCampaignDay, TARGETS.awsUsdPerCampaignDay),
      naiveCostRatio: aws && naive !== null ? naive / aws >= TARGETS.naiveCostRatio : null,
    },
    notes,
  };
};

type ChartFigure = NonNullable<BenchFigures['refreshPeriodChart']>[number];

const chartRow = (p: ChartPoint): ChartFigure => ({
  periodMinutes: p.periodMinutes,
  refreshRequestsPerCycle: p.refreshRequestsPerCycle,
  observationsPerDay: p.observationsPerDay,
  usdPerCampaignDay: p.usdPerCampaignDay,
  stalenessMedianMinutes: p.stalenessMedianMinutes,
  stalenessP95Minutes: p.stalenessP95Minutes,
  hotP95Minutes: p.hotP95Minutes,
});

const status = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : '**missed**');

/** A full bucket's markers: bucketMarkerLimit marker writes of ~17 bytes (docs/data-model.md). */
const BUCKET_MARKER_BYTES_AT_MOST = DEFAULT_STORE_TUNING.bucketMarkerLimit * 17;

/** Met at the run's scale, but the campaign-total shard extrapolated to scale 1 would pass the target. */
const largestItemStatus = (f: BenchFigures): string => {
  const extrapolated = f.inputs.largestTotalShardBytesExtrapolatedToScale1;
  if (
    f.met.largestItemBytes !== true ||
    typeof extrapolated !== 'number' ||
    extrapolated <= TARGETS.largestItemBytes
  )
    return status(f.met.largestItemBytes);
  return `met at scale ${f.scale}; **missed** at scale 1 by extrapolation (total shard about ${fmt(extrapolated / 1024)} KiB)`;
};
const orNa = (v: number | null, render: (n: number) => string) => (v === null ? 'n/a' : render(v));

const runWhen = (w: FullWeekSummary): string => {
  const day = (iso: string) => iso.slice(0, 10);
  if (!w.parts || !w.firstStartedAt || !w.firstCommit) return `(commit ${w.commit}, ${day(w.startedAt)})`;
  const days =
    day(w.firstStartedAt) === day(w.startedAt)
      ? day(w.startedAt)
      : `${day(w.firstStartedAt)} to ${day(w.startedAt)}`;
  const commits =
    w.firstCommit === w.commit ? `commit ${w.commit}` : `commits ${w.firstCommit} to ${w.commit}`;
  return `of processing in ${w.parts} parts (${commits}, ${days})`;
};

const fullWeekRow = (w: FullWeekSummary | null): string => {
  const engine = w?.engine === 'dynalite' ? 'dynalite' : "AWS's DynamoDB Local";
  const how = w?.parts
    ? ` in ${w.parts} parts split by post, each on a fresh engine (bench/lib/week-parts.ts), every part's rollup rows compared with the oracle of its posts and the parts' summed campaign totals with the whole week's`
    : ' whole, every rollup row compared with the oracle';
  const method = `The week replay run through the real aggregate handler on ${engine}${how} (\`npm run bench:week\`, bench/full-week.ts; its own report in docs/benchmarks-week.md), quoted from its latest run, not rerun here.`;
  if (!w) return `| Full week, exact against the oracle | not run | ${method} | scale 1, exact | missed |`;
  const totals =
    w.parts && w.totalsChecked != null
      ? `; summed totals: ${fmt(w.totalsMismatched ?? 0)} of ${fmt(w.totalsChecked)} rows differ`
      : '';
  const exact = w.complete && w.mismatchedRows === 0 && w.deadLetters === 0 && !w.totalsMismatched;
  const result = w.complete
    ? `scale ${w.scale}, ${w.days} days: ${fmt(w.observations)} observations, ${orNa(w.mismatchedRows, (n) => fmt(n))} of ${orNa(w.oracleRows, (n) => fmt(n))} rows differ${totals}, ${fmt(w.deadLetters)} dead letters, largest item ${orNa(w.largestItemBytes, (n) => fmt(n))} B; ${fmt(w.observationsPerSecond)} obs/s over ${fmt(w.hours, 2)} h ${runWhen(w)}`
    : `${w.parts ? 'in parts, not all run yet' : 'stopped'} at ${fmt(w.observations)} observations (scale ${w.scale}), ${orNa(w.mismatchedRows, (n) => fmt(n))} of ${orNa(w.oracleRows, (n) => fmt(n))} rows differ so far`;
  const status = !exact
    ? w.complete
      ? 'fail'
      : 'missed (not complete)'
    : w.scale >= 1 && w.days >= 7
      ? 'met'
      : `missed (scale ${w.scale})`;
  return `| Full week, exact against the oracle | ${result} | ${method} | scale 1, exact | ${status} |`;
};

/** The "Next-Idea scale figures" section of docs/benchmarks.md. */
export const renderFigures = (f: BenchFigures): string => {
  const row = (name: string, result: string, method: string, target: string, met: boolean | null | string) =>
    `| ${name} | ${result} | ${method.replace(/\|/g, '\\|')} | ${target} | ${typeof met === 'string' ? met : status(met)} |`;
  const p95 = f.reportP95Ms;
  const rows = [
    row(
      'Largest item',
      orNa(f.largestItemBytes, (n) => `${fmt(n)} B (${f.largestItem?.table} ${f.largestItem?.kind})`),
      f.notes.largestItemBytes ?? '',
      '<= 64 KB',
      largestItemStatus(f),
    ),
    row(
      'Busiest partition (share of the per-partition write limit, scale 1)',
      orNa(f.busiestPartitionWriteShare, (n) => `${fmt(n * 100, 1)}% (\`${f.busiestPartitionKey}\`)`),
      f.notes.busiestPartitionWriteShare ?? '',
      '<= 30%',
      f.met.busiestPartitionWriteShare,
    ),
    row(
      'No-op writes per 1,000 unchanged observations',
      orNa(f.noopWritesPer1000, (n) => fmt(n, 1)),
      f.notes.noopWritesPer1000 ?? '',
      '<= 50',
      f.met.noopWritesPer1000,
    ),
    row(
      'Twin capacity (sustained / average Next-Idea rate)',
      orNa(f.twinCapacityRatio, (n) => `${fmt(n, 1)}x`),
      f.notes.twinCapacityRatio ?? '',
      '>= 2',
      f.met.twinCapacityRatio,
    ),
    row(
      'AWS cost per campaign day',
      orNa(
        f.awsUsdPerCampaignDay,
        (n) => `$${fmt(n, 2)} (naive $${orNa(f.naiveUsdPerCampaignDay, (x) => fmt(x, 2))})`,
      ),
      `${f.notes.awsUsdPerCampaignDay ?? ''} ${f.notes.naiveUsdPerCampaignDay ?? ''}`.trim(),
      '<= $5',
      f.met.awsUsdPerCampaignDay,
    ),
    row(
      'Naive run / this design (cost)',
      orNa(f.naiveCostRatio, (n) => `${fmt(n, 2)}x`),
      f.naive
        ? `Naive aggregator run on the same replay: ${orNa(f.naive.writeUnitsPer1000Observations, (n) => fmt(n))} WRU per 1,000 observations; ${orNa(f.naive.mismatchedRows, (n) => fmt(n))} of ${orNa(f.naive.oracleRows, (n) => fmt(n))} oracle rows wrong; campaign totals off by ${Object.entries(
            f.naive.totalsRelativeError ?? {},
          )
            .map(([k, v]) => `${k} ${fmt(v * 100, 2)}%`)
            .join(', ')}; day totals' absolute error ${Object.entries(f.naive.dayTotalsAbsoluteError ?? {})
            .map(([k, v]) => `${k} ${fmt(v * 100, 2)}%`)
            .join(', ')}.`
        : 'the naive section did not run',
      '>= 5x',
      f.met.naiveCostRatio,
    ),
    fullWeekRow(f.fullWeek),
    ...(f.staleness ?? []).map((s) =>
      row(
        `Staleness, ${s.planner}, every ${s.periodMinutes} min, ${fmt(s.refreshRequestsPerCycle)} refresh requests/cycle`,
        `median ${fmt(s.medianMinutes)} min, p95 ${fmt(s.p95Minutes)} min (hot posts: ${fmt(s.hotMedianMinutes)} / ${fmt(s.hotP95Minutes)} min)`,
        `Time since each tracked post's counters were last read, sampled hourly over every tracked post of the week replay (${fmt(s.samples)} samples); ${fmt(s.dueNotRefreshed)} due refreshes left out by the budget.`,
        'p95 of the value planner <= half of age-only (issue 15)',
        'baseline',
      ),
    ),
  ];
  const ms = (v: number | null) => orNa(v, (n) => `${fmt(n, 1)} ms`);
  const chart = (f.refreshPeriodChart ?? []).map(
    (p) =>
      `| ${p.periodMinutes} min | ${fmt(p.observationsPerDay)} | ${orNa(p.usdPerCampaignDay, (n) => `$${fmt(n, 2)}`)} | ${fmt(p.stalenessMedianMinutes)} min | ${fmt(p.stalenessP95Minutes)} min |`,
  );
  return [
    '## Next-Idea scale figures',
    `Also in \`docs/benchmarks.json\` (machine-readable; a figure not measured is \`null\` with a note saying why). Measured at scale ${f.scale}; targets from issue 13.`,
    '',
    '| Figure | Result | Method | Target | Status |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    ...(chart.length > 0
      ? [
          '### Cost and staleness against the hot-post refresh period',
          f.refreshBudgetChart
            ? `The shipped value planner at the default budget (150 refresh requests per platform and cycle) with the poll schedule at each period; each point one run of the week through the write model (${f.chartSource}), so its DynamoDB writes are modelled and the rest of the bill carried from the cost section in proportion (see "Charts for choosing defaults").`
            : "The staleness section's shipped value planner at the default budget (150 refresh requests per platform and cycle) with the poll schedule at each period; cost = this design's cost per campaign day scaled by the observations the period produces (every line but Scheduler, secrets and the report path, together under 1%, grows with them).",
          '',
          '| Hot-post refresh period | Observations per day (scale 1) | AWS cost per campaign day | Staleness median | Staleness p95 |',
          '|---|---|---|---|---|',
          ...chart,
          '',
        ]
      : []),
    `Report p95: series ${ms(p95.series)}, leaderboard ${ms(p95.leaderboard)}, totals ${ms(p95.totals)}, voices ${ms(p95.voices)} (${f.notes.reportP95Ms ?? ''})`,
  ].join('\n');
};
