import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createTables, startDynalite } from '../infra/local/engines';
import { type BenchOptions, parseBenchArgs, UsageError } from './lib/args';
import { baseBill, CHART_BUDGETS, CHART_PERIODS_MINUTES, costCharts } from './lib/cost-chart';
import { computeFigures } from './lib/figures';
import { readFullWeekSummary } from './lib/full-week-summary';
import { gitCommit, OUT_DIR, outPath, REPO_DIR, writeJsonFile } from './lib/harness';
import { renderMarkdown, renderSummary } from './lib/markdown';
import { generateReplay } from './lib/replay';
import { type BenchResults, collectVerdicts } from './lib/results';
import { generateWeekReplay } from './lib/week';
import { measureThroughput, measureWriteEfficiency } from './sections/aggregate';
import { measureBundles } from './sections/bundles';
import { measureDynaliteCeiling } from './sections/ceiling';
import { computeCosts } from './sections/cost';
import { measureWriteModel } from './sections/model';
import { measureNaive } from './sections/naive';
import { measurePoller } from './sections/poller';
import { measureReporting } from './sections/reporting';
import { measureStaleness } from './sections/staleness';

/**
 * `npm run bench`: every benchmark in one run, on one replay, side by side, then a summary table on stdout
 * and docs/benchmarks.md. Benchmarks measure; they do not assert timings. The run fails (exit 1) only when a
 * section crashes or the pipeline's rollups differ from the oracle: a benchmark that counts wrong is worthless.
 */

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);

const section = async <T>(
  results: BenchResults,
  name: string,
  run: () => Promise<T>,
): Promise<T | undefined> => {
  const started = performance.now();
  log(`${name}...`);
  try {
    const value = await run();
    log(`${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return value;
  } catch (e) {
    const error = e as Error;
    results.errors.push({ section: name, message: error.stack ?? error.message });
    log(`${name} FAILED: ${error.message}`);
    return undefined;
  }
};

const main = async (options: BenchOptions): Promise<number> => {
  const startedAt = new Date();
  const started = performance.now();
  const loadAtStart = loadavg();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(
    `${options.replay === 'week' ? `${options.days}-day week` : 'one-day'} replay at scale ${options.scale}, seed ${options.seed}`,
  );
  const replay =
    options.replay === 'week'
      ? generateWeekReplay({
          scale: options.scale,
          seed: options.seed,
          days: options.days,
          suppressUnchanged: options.suppressUnchanged,
          ...(options.refreshRequests === undefined
            ? {}
            : { refreshRequestsPerCycle: options.refreshRequests }),
        })
      : generateReplay({ scale: options.scale, seed: options.seed });
  const campaignsFile = writeJsonFile('campaigns.json', replay.configJson);
  log(
    `${replay.stats.posts} posts, ${replay.stats.deliveries} observations in ${replay.stats.messages} messages`,
  );

  const fullWeek = readFullWeekSummary();
  const results: BenchResults = { replay: replay.stats, errors: [], ...(fullWeek ? { fullWeek } : {}) };
  const run = options.only;

  if (run.has('bundles'))
    results.bundles = await section(results, 'bundle sizes and import times', () =>
      measureBundles({ campaignsFile, runs: options.bundleRuns }),
    );
  if (run.has('efficiency'))
    results.efficiency = await section(
      results,
      'write efficiency (sequential batches, exact write units)',
      () => measureWriteEfficiency(replay),
    );
  if (run.has('naive'))
    results.naive = await section(results, 'naive aggregator on the same replay', () => measureNaive(replay));
  if (run.has('staleness') && options.replay === 'week')
    results.staleness = await section(results, 'staleness of tracked posts by refresh budget', async () =>
      measureStaleness({ scale: options.scale, seed: options.seed, days: options.days }),
    );
  if (run.has('throughput')) {
    const ceiling = () =>
      section(results, 'dynalite conditional-write ceiling', async () => {
        const dynamo = await startDynalite({ isolated: true });
        try {
          const tables = await createTables(dynamo.client, 'bench-ceiling');
          return await measureDynaliteCeiling({
            doc: dynamo.doc,
            tableName: tables.rollups,
            writes: options.ceilingWrites,
            concurrency: 16,
          });
        } finally {
          await dynamo.close();
        }
      });
    // Measured before and after the pipeline, so a change of machine load shows instead of skewing one side.
    const before = await ceiling();
    results.throughput = await section(
      results,
      'throughput (fauxqs -> trigger -> aggregate -> dynalite)',
      () => measureThroughput(replay, { timeoutMs: options.quick ? 120_000 : 1_800_000 }),
    );
    const after = await ceiling();
    const measured = [before, after].filter((c) => c !== undefined);
    results.ceiling = measured.sort((a, b) => b.writesPerSecond - a.writesPerSecond)[0];
    results.ceilingRuns = measured.map((c) => c.writesPerSecond);
  }
  if (run.has('reporting'))
    results.reporting = await section(results, 'reporting latency', () =>
      measureReporting({
        kols: options.reportKols,
        leaderboardActiveShare: 0.4,
        requests: options.requests,
        seed: options.seed,
      }),
    );
  if (run.has('poller')) {
    const pollers = [];
    for (const platform of ['x', 'bluesky'] as const) {
      const r = await section(results, `poller efficiency (${platform})`, () =>
        measurePoller({ platform, tracked: options.trackedPosts, newPosts: 250, seed: options.seed }),
      );
      if (r) pollers.push(r);
    }
    results.poller = pollers;
  }
  if (run.has('model'))
    results.model = await section(
      results,
      `write model (scale ${options.modelScale}, ${options.modelDays} day(s)), calibrated on the efficiency run`,
      async () =>
        measureWriteModel({
          scale: options.modelScale,
          days: options.modelDays,
          seed: options.seed,
          suppressUnchanged: options.suppressUnchanged,
          recordDays: options.days,
          ...(options.refreshRequests === undefined ? {} : { refreshRequests: options.refreshRequests }),
          ...(options.replay === 'week' ? { replay } : {}),
          ...(results.efficiency ? { efficiency: results.efficiency } : {}),
        }),
    );
  if (results.efficiency) {
    const efficiency = results.efficiency;
    results.cost = await section(results, 'cost model', async () =>
      computeCosts({
        replay,
        efficiency,
        poller: results.poller ?? [],
        localAggregateDurationsMs: results.throughput?.durationsMs ?? efficiency.durationsMs,
        ...(results.naive ? { naive: results.naive } : {}),
        ...(results.model ? { model: results.model } : {}),
        ...(results.throughput ? { throughput: results.throughput } : {}),
        ...(results.reporting ? { reporting: results.reporting } : {}),
        ...(results.bundles ? { bundles: results.bundles } : {}),
      }),
    );
  }

  const records = results.model?.postRecordWeek.records;
  const bill =
    results.model && results.cost && records
      ? baseBill(results.cost.design, records.writeUnits / Math.max(1, records.recordsSaved))
      : undefined;
  if (bill)
    results.charts = await section(
      results,
      `cost and staleness charts (scale ${options.chartScale})`,
      async () =>
        costCharts(
          {
            scale: options.chartScale,
            days: options.days,
            seed: options.seed,
            suppressUnchanged: options.suppressUnchanged,
            periodsMinutes: CHART_PERIODS_MINUTES,
            budgets: CHART_BUDGETS,
          },
          bill,
        ),
    );

  results.run = {
    startedAt: startedAt.toISOString(),
    seconds: (performance.now() - started) / 1000,
    command,
    commit: gitCommit(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 1024 ** 3,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAtStart,
      loadAtEnd: loadavg(),
    },
    quick: options.quick,
  };

  const verdicts = collectVerdicts(results);
  process.stdout.write(`\n${renderSummary(results, verdicts)}\n`);
  const out =
    options.out ?? (options.quick ? outPath('benchmarks-quick.md') : join(REPO_DIR, 'docs', 'benchmarks.md'));
  writeFileSync(out, renderMarkdown(results, verdicts));
  const figuresOut = `${out.replace(/\.md$/, '')}.json`;
  writeFileSync(figuresOut, `${JSON.stringify(computeFigures(results), null, 2)}\n`);
  writeJsonFile('results.json', {
    ...results,
    throughput: results.throughput && { ...results.throughput, durationsMs: undefined, batches: undefined },
    efficiency: results.efficiency && {
      ...results.efficiency,
      durationsMs: undefined,
      dbWaitMs: undefined,
      dbCalls: undefined,
      batchBytes: undefined,
      logBytes: undefined,
    },
    naive: results.naive && {
      ...results.naive,
      durationsMs: undefined,
      dbWaitMs: undefined,
      dbCalls: undefined,
    },
  });
  log(`report written to ${out}, figures to ${figuresOut} (raw results in ${join(OUT_DIR, 'results.json')})`);

  const wrong = verdicts.filter((v) => v.kind === 'correctness' && v.status === 'fail');
  for (const e of results.errors) log(`section "${e.section}" crashed:\n${e.message}`);
  for (const w of wrong) log(`WRONG RESULT: ${w.measure}: ${w.result}`);
  return results.errors.length > 0 || wrong.length > 0 ? 1 : 0;
};

try {
  process.exitCode = await main(parseBenchArgs(process.argv.slice(2)));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
  } else throw e;
}
