import { DEFAULT_STORE_TUNING } from '../../functions/aggregate/store';
import { POST_RECORD_LAYOUT } from '../../shared/keys';
import { topology } from '../../shared/topology';
import type { ModelSectionResult } from '../sections/model';
import type { ChartPoint, CostCharts } from './cost-chart';
import { fmt } from './results';

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const ratio = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : 'n/a');

/** docs/benchmarks.md, "Write model": how the scale-1 write units are obtained, its calibration, its figures. */
export const renderWriteModel = (m: ModelSectionResult): string[] => {
  const parts: string[] = [];
  const w = m.week;
  const perDay = w.scale > 0 ? 1 / (w.scale * w.days) : Number.NaN;
  parts.push('## Write model: DynamoDB writes at scale 1');
  parts.push(
    `The metered run above works at a small scale, where a trigger batch holds a few observations and every item is under 1 KB. At scale 1 a poll cycle sends hundreds of messages at once: the aggregate writes each touched rollup item once per batch (one UpdateItem per ${DEFAULT_STORE_TUNING.postsPerUpdate} posts), and bucket items carry up to ${fmt(DEFAULT_STORE_TUNING.bucketMarkerLimit)} markers, so a write of a well-filled bucket costs many WRU. Scaling the small run's units linearly is wrong in both directions, so \`bench/lib/write-model.ts\` models the writes in memory: it streams the week replay (\`weekCycles\`) in the batches the efficiency run forms (up to ${topology.triggers.aggregate.batchSize} messages, never spanning two poll cycles), splits them into the aggregate's passes, runs the aggregate's own planner (\`planPostUpdate\`) on a post state kept per post, and models the store: one conditional state write per post whose figures change (1 WRU per started KB of the larger of the state item's images, its size computed by DynamoDB's rules), a byTrackDay entry for a new post, one UpdateItem per bucket and ${DEFAULT_STORE_TUNING.postsPerUpdate} posts costing 1 WRU per started KB of the larger of the bucket's images (its attributes and counters, plus each distinct marker's name and revision), a byDay index write when the projected figures change, buckets closing after ${fmt(DEFAULT_STORE_TUNING.bucketMarkerLimit - DEFAULT_STORE_TUNING.postsPerUpdate)} marker writes, placement filling a bucket to exactly the writes that close it before spilling onto the next (\`BucketChains.place\`; the closing write folds the chain), a write to a closed bucket failing, charged its size, its posts reissued, one more state write each, onto the next bucket (the safety net: one process that knows every bucket's count never meets it, so only concurrent writers would), and one freshness write per campaign and platform a batch touched. Posts leave memory a day after their tracking ends. Not modelled: conflicts between concurrent invocations (priced as re-reads) and crash recovery. The naive aggregator is modelled on the same stream (\`bench/lib/naive-write-model.ts\`): per observation one PutItem of the post and one ADD per rollup item (two on first sight), 1 WRU each as its items hold no markers, plus the byDay entry of KOL and voice items when a figure moves.`,
  );
  const c = m.calibration;
  if (c) {
    parts.push(
      `**Calibration.** On the bench replay (scale ${c.scale}, ${fmt(c.observations)} observations), run through the model in the same batches, the model gives ${fmt(c.model)} WRU against ${fmt(c.metered)} metered by the efficiency run: ratio ${ratio(c.ratio)}.`,
    );
    parts.push(
      table(
        ['Item kind', 'Model WRU', 'Metered WRU', 'Ratio'],
        Object.entries(c.byKind).map(([kind, k]) => [kind, fmt(k.model), fmt(k.metered), ratio(k.ratio)]),
      ),
    );
  }
  const d = w.design;
  parts.push(
    `**Model run.** Scale ${w.scale} over ${w.days} day(s) of the week replay (${fmt(w.posts)} posts, ${fmt(w.deliveries)} observations delivered, ${fmt(w.suppressed)} unchanged re-reads dropped by the poller), ${fmt(d.batches)} batches in ${fmt(d.passes)} passes, modelled in ${fmt(w.seconds)} s: ${fmt(d.writeUnits)} WRU in ${fmt(d.writes)} writes, ${m.writeUnitsPerObservation.toFixed(3)} WRU per observation (naive: ${m.naiveWriteUnitsPerObservation.toFixed(3)}). ${w.scale >= 1 ? 'Per campaign day at scale 1' : `Per campaign day, divided by the scale ${w.scale} (linear from here)`}: ${fmt(d.writeUnits * perDay)} WRU. Largest bucket: ${fmt(d.largestBucketBytes)} bytes (${d.largestBucket ?? 'n/a'}); largest post state: ${fmt(d.largestStateBytes)} bytes; ${fmt(d.closedBuckets)} buckets closed (${fmt(d.foldRows)} fold rows written), ${fmt(d.failedBucketWrites)} writes failed on a closed bucket, ${fmt(d.reissuedStates)} post states reissued.`,
  );
  const days = w.unitsByDay.map((u, i) => [
    String(i + 1),
    fmt(w.observationsByDay[i] ?? 0),
    fmt(u),
    ((u ?? 0) / Math.max(1, w.observationsByDay[i] ?? 0)).toFixed(3),
  ]);
  if (days.length > 1) parts.push(table(['Day', 'Observations', 'WRU', 'WRU per observation'], days));
  if (w.days < 7)
    parts.push(
      `The default run models ${w.days} day(s): the week replay itself (the shipped planner scoring every tracked post each cycle) and the model take about 13 minutes of one core and 2.6 GB per scale-1 day (measured on the first day), so the full week (\`--model-days 7\`) is left to a dedicated run. The cost model carries the WRU per observation, not per day: at scale 0.05 the second day's WRU per observation was within 2% of the first's, while the observations per day grow as older posts keep being refreshed (those come from the bench replay).`,
    );
  parts.push(
    table(
      ['Item kind', 'WRU per campaign day', 'Writes per campaign day', 'Share'],
      Object.entries(d.unitsByKind)
        .sort(([, a], [, b]) => b - a)
        .map(([kind, units]) => [
          kind,
          fmt(units * perDay),
          fmt((d.writesByKind[kind] ?? 0) * perDay),
          `${fmt((units / Math.max(1, d.writeUnits)) * 100, 1)}%`,
        ]),
    ),
  );
  parts.push(...renderReadModel(m));
  parts.push(...renderPostRecords(m));
  const busiest = (label: string, b: ModelSectionResult['busiest']) =>
    b
      ? [
          label,
          b.partition,
          new Date(b.minuteStartMs).toISOString().slice(0, 16),
          fmt(b.writeUnits),
          `${fmt((b.share / Math.min(1, w.scale)) * 100, 2)}%`,
        ]
      : [label, 'n/a', '', '', ''];
  parts.push(
    `**Busiest partitions** (write units in the busiest minute, every batch of a poll cycle counted at the cycle's start; share of DynamoDB's 1,000 WCU/s per partition over 60 s${w.scale < 1 ? `, divided by the scale ${w.scale}` : ''}):`,
  );
  parts.push(
    table(
      ['Partition', 'Key', 'Minute (UTC)', 'WCU', 'Share of 1,000 WCU/s'],
      [busiest('Base table key', m.busiestBase), busiest('Index partition', m.busiestIndex)],
    ),
  );
  return parts;
};

const chartTable = (points: readonly ChartPoint[], first: 'period' | 'budget') =>
  table(
    [
      first === 'period' ? 'Hot-post refresh period' : 'Refresh requests per platform and cycle',
      'Observations per day (scale 1)',
      'DynamoDB WRU per day',
      'AWS cost per campaign day',
      'Staleness median',
      'Staleness p95',
      'Hot posts p95',
    ],
    points.map((p) => [
      first === 'period' ? `${p.periodMinutes} min` : fmt(p.refreshRequestsPerCycle),
      fmt(p.observationsPerDay),
      fmt(p.writeUnitsPerDay),
      p.usdPerCampaignDay === null ? 'n/a' : `$${fmt(p.usdPerCampaignDay, 2)}`,
      `${fmt(p.stalenessMedianMinutes)} min`,
      `${fmt(p.stalenessP95Minutes)} min`,
      `${fmt(p.hotP95Minutes)} min`,
    ]),
  );

const DEFAULTS_CHOSEN =
  '**The defaults chosen.** The poll schedule defaults to 15 minutes (`DEFAULT_POLL_SCHEDULE` in shared/config.ts; it was 5), and the request budget stays at 300 per cycle (150 for refreshes). Why: the schedule is the lever with the best cost for the freshness it buys, because it divides every per-cycle cost and lets unchanged re-reads accumulate changes; at the same cost a smaller budget at a shorter schedule leaves posts staler (compare the two tables). 15 minutes is the usual refresh of social listening dashboards and cuts the 5-minute bill by about half. It stays above the $5 target at Next-Idea scale (the headline figure in section 5): meeting it takes either 60 minutes (new mentions seen up to an hour late) or about 100 refresh requests per cycle (posts past their first hours refreshed a third less often). We left that choice to the campaigns that need it: `platforms.<p>.schedule` and `maxRequestsPerCycle` set either, and a campaign below Next-Idea scale costs a fraction of these figures at any setting.';

/** docs/benchmarks.md, "Charts for choosing defaults" (issue 13 point 6). */
export const renderCostCharts = (charts: CostCharts, targetUsd: number): string[] => {
  const all = [...charts.byPeriod, ...charts.byBudget];
  const within = all.filter((p) => p.usdPerCampaignDay !== null && p.usdPerCampaignDay <= targetUsd);
  const freshest = [...within].sort((a, b) => a.stalenessP95Minutes - b.stalenessP95Minutes)[0];
  return [
    '## Charts for choosing defaults',
    `Cost per Next-Idea-scale campaign day and staleness of tracked posts, for the shipped value planner, against the hot-post refresh period (the poll schedule) at the default budget, and against the refresh requests per platform and cycle at the default schedule. Each point is one run of the week replay at scale ${charts.scale} over ${charts.days} day(s) through the write model (bench/lib/cost-chart.ts): its staleness (time since each tracked post was last read, sampled hourly) and its DynamoDB write units come from that run. The rest of the bill is the cost section's, carried in proportion: the lines that grow with observations (aggregate Lambda, SQS, reads, logs, traces) by the point's observations, the per-cycle lines (poll Lambda, Scheduler, Secrets Manager calls) by its cycles per day, storage and the report path unchanged. The points run at a smaller scale than the write model's headline figure, so compare points with each other; the headline cost is in section 5. The product defaults chosen from them are below.`,
    chartTable(charts.byPeriod, 'period'),
    chartTable(charts.byBudget, 'budget'),
    freshest
      ? `Within the $${targetUsd} target, the freshest point above is ${freshest.periodMinutes} min / ${fmt(freshest.refreshRequestsPerCycle)} requests ($${fmt(freshest.usdPerCampaignDay ?? 0, 2)}, p95 ${fmt(freshest.stalenessP95Minutes)} min, hot posts p95 ${fmt(freshest.hotP95Minutes)} min). Trade-off: a longer period or a smaller budget reads each post less often, so fewer observations reach the aggregate and fewer rollup writes follow, at the price of staler counters.`
      : `No point above is within the $${targetUsd} target. Trade-off: a longer period or a smaller budget reads each post less often, so fewer observations reach the aggregate and fewer rollup writes follow, at the price of staler counters.`,
    DEFAULTS_CHOSEN,
  ];
};

/** The read model (bench/lib/read-model.ts): its calibration and its scale-1 figures, campaign events included. */
const renderReadModel = (m: ModelSectionResult): string[] => {
  const w = m.week;
  const reads = w.design.reads;
  const perDay = w.scale > 0 ? 1 / (w.scale * w.days) : Number.NaN;
  const c = m.calibration?.reads;
  const e = reads.events;
  const parts = [
    `**Reads.** \`bench/lib/read-model.ts\` counts the aggregate's DynamoDB reads on the same stream, on the items the write model holds, by DynamoDB's rules (developer guide, "DynamoDB read and write operations": a key read costs its item's size rounded up to 4 KB, 1 RRU strongly consistent, 0.5 eventually consistent, and the same minimum when the item does not exist; a Query costs the sum of the rows it reads rounded up to 4 KB; projections lower none of it): per pass one strongly consistent BatchGetItem of every distinct post's state (\`readStates\`), one eventually consistent BatchGetItem of every distinct bucket the posts' pending outboxes name (\`dropApplied\`: an outbox stays on the state until the post's next write replaces it), and per fold a consistent Query of the chain's two latest fold rows and a consistent GetItem of each bucket folded (\`ChainFolder\`); per batch, the campaign events' Queries (below). Reads after a failed conditional write (conflicts, closed buckets) are not modelled: one sequential process never meets them, the cost section carries them as the concurrent run's extra reads.`,
  ];
  if (c)
    parts.push(
      `Calibration on the same batches as the writes: the model gives ${fmt(c.model, 1)} RRU by dynalite's rules against ${fmt(c.metered, 1)} metered (ratio ${ratio(c.ratio)}). The only difference between dynalite and DynamoDB's documented rules is a Query that finds nothing (a chain's first fold finds no fold row): dynalite charges 0, DynamoDB the minimum of a read that finds nothing; by DynamoDB's rules the model gives ${fmt(c.modelDynamoDb, 1)} RRU, the figure the cost uses. ${c.byOperation['rollups:Get strong'] ? 'The' : 'At this scale no bucket closes, so no fold reads; the'} unit test (test/unit/bench/write-model.test.ts) holds the model to the meter with small buckets that close and fold, and with campaign events published.`,
      table(
        ['Read (table:operation consistency)', 'Model RRU (dynalite rules)', 'Metered RRU', 'Ratio'],
        Object.entries(c.byOperation).map(([op, k]) => [
          op,
          fmt(k.model, 1),
          fmt(k.metered, 1),
          ratio(k.ratio),
        ]),
      ),
    );
  parts.push(
    `At scale ${w.scale}: ${fmt(reads.readUnits)} RRU over ${fmt(w.design.observations)} observations, ${m.readUnitsPerObservation.toFixed(3)} RRU per observation (${fmt(reads.statesMissing)} state reads found no item: new or unmatched posts). Per campaign day at scale 1${w.scale >= 1 ? '' : ` (divided by the scale ${w.scale})`}:`,
    table(
      ['Read', 'RRU per campaign day', 'Reads per campaign day'],
      Object.entries(reads.byOperation).map(([op, t]) => [op, fmt(t.units * perDay), fmt(t.reads * perDay)]),
    ),
    `**Campaign events.** After each batch the aggregate publishes one KolDayFiguresChanged per roster KOL day the batch touched (the publish day and the observed day of each KOL observation), built from an eventually consistent Query of that KOL day's rows (every platform's buckets and folds), 8 Queries in flight, then PutEvents calls of 10 entries. The model counts them on the same batches: ${fmt(e.events * perDay)} events a campaign day (${fmt(e.events / Math.max(1, e.batches), 1)} per batch, ${(m.eventsPerObservation * 1000).toFixed(1)} per 1,000 observations) in ${fmt(e.putEventsCalls * perDay)} PutEvents calls, their Queries reading ${fmt(e.rowsRead * perDay)} rows and ${fmt(e.queries.units * perDay)} RRU (${(e.queries.units / Math.max(1, e.queries.reads)).toFixed(2)} per Query). Neither replay configures spike alerts, so no SpikeDetected reads or writes are counted.`,
  );
  return parts;
};

/** The poller's post records (bench/lib/post-record-model.ts): packed group writes, per day of the week. */
const renderPostRecords = (m: ModelSectionResult): string[] => {
  const w = m.postRecordWeek;
  const r = w.records;
  const units = r.writesByUnits.map((n, i) => `${fmt(n ?? 0)} of ${i + 1} WRU`).join(', ');
  const days = w.unitsByDay.map((u, i) => [
    String(i + 1),
    fmt(w.observationsByDay[i] ?? 0),
    fmt(u ?? 0),
    ((u ?? 0) / Math.max(1, w.observationsByDay[i] ?? 0)).toFixed(3),
  ]);
  return [
    `**Post records.** The poller's records of what it last sent are packed: a post's record is one attribute of a group item (a platform's posts of one UTC publish day, split into ${POST_RECORD_LAYOUT.slots} publish-time slots of ${(24 * 60) / POST_RECORD_LAYOUT.slots} minutes, each into ${POST_RECORD_LAYOUT.perSlot} groups by a hash of the post id; docs/data-model.md, "Post records"), and a checkpoint writes each touched group once. \`bench/lib/post-record-model.ts\` runs the poller's own SentFilter and group planning on every poll of the week replay (its searches and refreshes, unchanged re-reads included: X records a post's first read of a UTC day) at scale ${w.scale.toFixed(4)}, where one group per slot holds as many posts as the product's layout at scale 1, over ${w.days} day(s), in ${fmt(w.seconds)} s: ${fmt(r.recordsSaved)} records saved in ${fmt(r.writes)} group writes (${(r.recordsSaved / Math.max(1, r.writes)).toFixed(1)} records per write), ${fmt(r.writeUnits)} WRU (${units}), ${(r.writeUnits / Math.max(1, r.recordsSaved)).toFixed(3)} WRU per record saved against 1 for one item per post, ${m.postRecordWriteUnitsPerObservation.toFixed(3)} WRU per observation delivered (the cost section's line). Largest group: ${fmt(r.largestGroupBytes)} bytes, ${fmt(r.largestGroupRecords)} records.`,
    ...(days.length > 1
      ? [table(['Day', 'Observations', 'Post-record WRU', 'WRU per observation'], days)]
      : []),
  ];
};
