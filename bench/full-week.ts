import { rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { topology } from '../shared/topology';
import { DEFAULT_SEED, positive, UsageError } from './lib/args';
import { type FullWeekResult, runFullWeek, WEEK_ENGINES, type WeekEngine } from './lib/full-week';
import { summarizeFullWeek } from './lib/full-week-summary';
import { gitCommit, REPO_DIR } from './lib/harness';
import { CYCLE_MS } from './lib/replay';
import { fmt } from './lib/results';
import {
  combineWeekParts,
  nextWeekPart,
  partLabel,
  readWeekParts,
  recordWeekPart,
  WEEK_PARTS_FILE,
  type WeekPart,
  type WeekPartRecord,
  type WeekPartsRun,
  withWeekPartsLock,
} from './lib/week-parts';
import { renderWeekParts } from './lib/week-parts-report';

/**
 * `npm run bench:week`: the Next-Idea week at full scale through the real aggregate on DynamoDB Local, checked
 * row by row against the oracle (bench/lib/full-week.ts). Resumable: stop it any time and run the same
 * command again. Exit 1 when the rollups differ from the oracle or a message went to the dead letters.
 */

const CYCLES_PER_DAY = 86_400_000 / CYCLE_MS;

const USAGE = `Usage: npm run bench:week -- [--scale N] [--days N] [--seed N] [--engine NAME] [--data DIR | --in-memory] [--fresh] [--check-every N] [--out FILE]
  --scale N    1.0 = a Tencent "Next Idea" week (100,000 new posts a day); default 1
  --days N     days of the week replay; default 7
  --seed N     replay seed; default ${DEFAULT_SEED}
  --engine NAME  dynamodb-local (AWS's DynamoDB Local, needs Java 17; default) or dynalite (caught returning
               stale item versions under this load: see docs/data-model.md, "Engines: what the proofs run on")
  --data DIR   where the engine's tables and the checkpoint live; default .data/bench-week-<scale>-<days>d
  --in-memory  no data folder: faster to start, cannot resume
  --scratch DIR  keep the engine's working tables in DIR, a RAM disk such as /dev/shm, and copy them into the
               data folder at each check (DynamoDB Local syncs every write: on disk it runs at about a third
               of its in-memory speed); a stopped run resumes from the last check
  --fresh      delete the data folder first and start over
  --concurrency N  batches handed to the aggregate at once; default the trigger's maximum concurrency (${topology.triggers.aggregate.maxConcurrency});
               on 2 CPUs, fewer at once finish each batch sooner (Lambda gives every invocation CPUs of its own)
  --check-every N  compare every rollup row with the oracle after every N poll cycles, and stop at the
               first difference; default ${CYCLES_PER_DAY} (a replay day); 0 compares only at the end
  --parts K    run the week in K parts, split by post (bench/lib/week-parts.ts): this run delivers the next
               part not yet recorded in the parts file, records it there when it ends, and writes the report
               from every part recorded so far; once all K are in, it checks the parts' summed campaign
               totals against the oracle of the whole week
  --part I     with --parts: run part I (1..K), recorded or not
  --parts-file FILE  where finished parts are recorded; default docs/benchmarks-week-parts.json
  --combine    with --parts: run no part, only write the report from the parts file (with every part in, this
               regenerates the whole week's oracle for the totals check: about 42 minutes at scale 1)
  --out FILE   markdown report (JSON beside it); default docs/benchmarks-week.md`;

const parse = (argv: string[]) => {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      engine: { type: 'string' },
      data: { type: 'string' },
      'in-memory': { type: 'boolean' },
      scratch: { type: 'string' },
      fresh: { type: 'boolean' },
      concurrency: { type: 'string' },
      'check-every': { type: 'string' },
      parts: { type: 'string' },
      part: { type: 'string' },
      'parts-file': { type: 'string' },
      combine: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (v.help) throw new UsageError('KOL Pulse full-week run');
  const scale = positive('scale', v.scale, 1);
  const days = positive('days', v.days, 7);
  const seed = positive('seed', v.seed, DEFAULT_SEED);
  if (!Number.isInteger(days)) throw new UsageError(`--days must be a whole number, got "${v.days}"`);
  const concurrency = positive('concurrency', v.concurrency, topology.triggers.aggregate.maxConcurrency);
  if (!Number.isInteger(concurrency))
    throw new UsageError(`--concurrency must be a whole number, got "${v.concurrency}"`);
  const checkEvery = v['check-every'] === '0' ? 0 : positive('check-every', v['check-every'], CYCLES_PER_DAY);
  if (!Number.isInteger(checkEvery))
    throw new UsageError(`--check-every must be a whole number of cycles, got "${v['check-every']}"`);
  const engine = (v.engine ?? 'dynamodb-local') as WeekEngine;
  if (!WEEK_ENGINES.includes(engine))
    throw new UsageError(`--engine must be one of ${WEEK_ENGINES.join(', ')}, got "${v.engine}"`);
  if (v.data && v['in-memory']) throw new UsageError('--data and --in-memory exclude each other');
  if (v.scratch && v['in-memory'])
    throw new UsageError('--scratch needs a data folder to copy to, not --in-memory');
  if (v.scratch && checkEvery === 0)
    throw new UsageError('--scratch copies the tables at each check: --check-every must not be 0');
  const parts = v.parts === undefined ? undefined : positive('parts', v.parts, 1);
  if (parts !== undefined && !Number.isInteger(parts))
    throw new UsageError(`--parts must be a whole number, got "${v.parts}"`);
  if (parts === undefined && (v.part !== undefined || v.combine || v['parts-file'] !== undefined))
    throw new UsageError('--part, --combine and --parts-file go with --parts K');
  const part = v.part === undefined ? undefined : positive('part', v.part, 1);
  if (part !== undefined && (!Number.isInteger(part) || part > (parts ?? 0)))
    throw new UsageError(`--part must be a whole number from 1 to ${parts}, got "${v.part}"`);
  const dataDir = v['in-memory']
    ? undefined
    : resolve(v.data ?? join('.data', `bench-week-${scale}-${days}d${parts ? `-parts${parts}` : ''}`));
  return {
    scale,
    days,
    seed,
    engine,
    concurrency,
    checkEveryCycles: checkEvery,
    dataDir,
    ...(v.scratch ? { scratchDir: resolve(v.scratch) } : {}),
    fresh: v.fresh ?? false,
    ...(parts
      ? {
          parts: {
            of: parts,
            ...(part ? { index: part - 1 } : {}),
            file: resolve(v['parts-file'] ?? WEEK_PARTS_FILE),
            combineOnly: v.combine ?? false,
          },
        }
      : {}),
    out: v.out ?? join(REPO_DIR, 'docs', 'benchmarks-week.md'),
  };
};

const log = (message: string) => process.stdout.write(`[bench:week] ${message}\n`);

const mismatchSection = (c: FullWeekResult['oracle']): string[] =>
  c && c.mismatches.length > 0
    ? ['## First mismatches', '', '```json', JSON.stringify(c.mismatches.slice(0, 20), null, 2), '```', '']
    : [];

const machine = () =>
  `${cpus().length} CPUs, ${cpus()[0]?.model.trim() ?? 'unknown'}, ${fmt(totalmem() / 1024 ** 3, 1)} GiB memory, Node.js ${process.version}`;

const renderMarkdown = (r: FullWeekResult, command: string, startedAt: string): string => {
  const o = r.oracle;
  const s = r.stats;
  const rows: [string, string][] = [
    ['Date', startedAt],
    ['Command', `\`${command}\``],
    ['Commit', gitCommit()],
    ['Machine', machine()],
    ['Scale, days, seed', `${r.scale}, ${r.days}, ${r.seed}`],
    ['Engine', r.engine === 'dynalite' ? 'dynalite (on disk)' : "AWS's DynamoDB Local"],
    ['Posts, authors, roster KOLs', s ? `${fmt(s.posts)}, ${fmt(s.authors)}, ${fmt(s.kols)}` : 'n/a'],
    [
      'Observations delivered',
      `${fmt(r.observations)} (${s ? `${fmt(s.duplicateDeliveries)} duplicates, ${fmt(s.outOfOrderSnapshots)} held back and delivered out of order, ${fmt(s.suppressed)} unchanged re-reads dropped by the poller` : ''})`,
    ],
    [
      'Trigger batches',
      `${fmt(r.batches)} (records delivered again after a failure: ${fmt(r.redeliveries)}; dead letters: ${fmt(r.deadLetters)})`,
    ],
    [
      'Processing time',
      `${fmt(r.seconds / 3600, 2)} h over ${r.resumes + 1} process(es): ${fmt(r.observationsPerSecond)} observations/s`,
    ],
    [
      'Rollups = oracle',
      o
        ? `${fmt(o.mismatches.length)} of ${fmt(o.expectedRows)} rows differ (${fmt(o.actualRows)} rows read)`
        : 'n/a',
    ],
    [
      'Checked along the way',
      r.checks.length > 0
        ? r.checks
            .map((c) => `cycle ${c.cycle + 1}: ${fmt(c.mismatchedRows)} of ${fmt(c.rows)} rows differ`)
            .join('; ')
        : 'none',
    ],
    [
      'Aggregate reads',
      `${fmt(r.reads.units)} RRU in ${fmt(r.reads.requests)} requests, as DynamoDB reports them: ${fmt(r.observations > 0 ? r.reads.units / r.observations : 0, 3)} RRU per observation`,
    ],
    ['Quarantined changes', fmt(r.quarantined ?? 0)],
    ['Largest item', `${fmt(r.largestItemBytes ?? 0)} bytes (limit 409,600; target 65,536)`],
    [
      'Oracle memory',
      r.oracleMemory
        ? `${fmt(r.oracleMemory.snapshots)} snapshots kept for ${fmt(r.oracleMemory.posts)} posts`
        : 'n/a',
    ],
  ];
  const kinds = Object.entries({ ...r.itemSizes?.rollups.byKind, ...r.itemSizes?.state.byKind }).map(
    ([kind, k]) =>
      `| ${kind} | ${fmt(k.items)} | ${fmt(k.averageBytes)} | ${fmt(k.maxBytes)} | ${fmt(k.maxMarkers)} |`,
  );
  return [
    '# The Next-Idea week, run whole',
    '',
    "Written by `npm run bench:week` (`bench/full-week.ts`); rerun it rather than editing this file. The week replay (bench/lib/week.ts: the shipped refresh policy over a 7-day tracking window, two campaigns sharing hashtags, non-roster Instagram posts, duplicated and out-of-order deliveries) streams through the real aggregate handler on dynalite in the trigger's batches, and every rollup row is compared with the oracle (test/support/oracle.ts, fed a delivery at a time by bench/lib/streaming-oracle.ts).",
    '',
    '| Figure | Value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Items by kind at the end of the week',
    '',
    '| Kind | Items | Average bytes | Largest bytes | Most markers |',
    '|---|---|---|---|---|',
    ...kinds,
    '',
    ...mismatchSection(r.failedCheck ?? o),
  ].join('\n');
};

type Options = ReturnType<typeof parse>;

/** Runs the week, or one part of it, logging progress; resolves when it ends, stops or finds a difference. */
const runLogged = (options: Options, part?: WeekPart): Promise<FullWeekResult> => {
  const dataDir = options.dataDir && part ? join(options.dataDir, `part-${part.index + 1}`) : options.dataDir;
  if (options.fresh && dataDir) rmSync(dataDir, { recursive: true, force: true });
  log(
    `scale ${options.scale}, ${options.days} day(s), seed ${options.seed}${part ? `, part ${partLabel(part)}` : ''}, data ${dataDir ?? 'in memory'}${options.scratchDir ? `, working tables in ${options.scratchDir}` : ''}`,
  );
  let lastLog = 0;
  const interrupt = new AbortController();
  const stop = () => {
    log('stopping once the batches in flight are answered (the tables persist, if in a scratch folder)');
    interrupt.abort();
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  return runFullWeek({
    ...options,
    dataDir,
    ...(part ? { part } : {}),
    signal: interrupt.signal,
    onProgress: (p) => {
      if (performance.now() - lastLog < 30_000 && p.cycle < p.cycles - 2) return;
      lastLog = performance.now();
      const rate = p.seconds > 0 ? p.observations / p.seconds : 0;
      const left = p.cycles - p.cycle - 1;
      // Low as a rule: a cycle refreshes every post still tracked, so cycles grow heavier as the week fills.
      const eta = p.cycle > 0 ? (p.seconds / (p.cycle + 1)) * left : 0;
      log(
        `cycle ${p.cycle + 1}/${p.cycles}: ${fmt(p.observations)} observations, ${fmt(rate)} obs/s, about ${fmt(eta / 60)} min left at the pace so far, resident memory ${fmt(process.memoryUsage().rss / 1024 ** 3, 1)} GB`,
      );
    },
    onCheck: (c) =>
      log(
        `cycle ${c.cycle + 1}: checked ${fmt(c.rows)} rollup rows against the oracle, ${fmt(c.mismatchedRows)} differ`,
      ),
  });
};

/** The week's report: the markdown at `out` and its figures beside it as JSON. */
const writeWeekReport = (out: string, markdown: string, figures: unknown) => {
  writeFileSync(out, `${markdown}\n`);
  writeFileSync(`${out.replace(/\.md$/, '')}.json`, `${JSON.stringify(figures, null, 2)}\n`);
};

/** Writes the report of a run that ended or found a difference; 1 when the rollups are not exact. */
const reportRun = (options: Options, result: FullWeekResult, run: { startedAt: string; command: string }) => {
  writeWeekReport(
    options.out,
    renderMarkdown(result, run.command, run.startedAt),
    summarizeFullWeek(result, { ...run, commit: gitCommit() }),
  );
  const differing = (result.failedCheck ?? result.oracle)?.mismatches.length;
  const wrong = (differing ?? 0) + result.deadLetters;
  log(
    `${differing ?? '?'} rows differ from the oracle, ${result.deadLetters} dead letters${result.failedCheck ? ` (stopped at the check after cycle ${(result.checks.at(-1)?.cycle ?? 0) + 1})` : ''}; report in ${options.out}`,
  );
  return wrong > 0 ? 1 : 0;
};

/** Records a finished part (if any) and rewrites the week's report from every part recorded; run under the lock. */
const recordAndReportParts = (
  out: string,
  file: string,
  run: WeekPartsRun,
  record: WeekPartRecord | undefined,
) => {
  if (record) {
    recordWeekPart(file, run, record);
    log(`part ${partLabel(record.part)} exact: recorded in ${file}`);
  }
  const saved = readWeekParts(file, run);
  if (saved.records.length === run.parts)
    log('every part recorded: checking the summed totals against the oracle of the whole week');
  const combined = combineWeekParts(saved);
  writeWeekReport(out, renderWeekParts(saved, combined), combined.summary);
  log(
    `${saved.records.length} of ${run.parts} parts recorded${combined.totals ? `; summed totals: ${combined.totals.mismatches.length} of ${combined.totals.expectedRows} rows differ from the whole week's oracle` : ''}; report in ${out}`,
  );
  return combined;
};

/** `--parts K`: runs the next part (or the one asked for), records it, and reports the week so far. */
const runParts = async (options: Options, parts: NonNullable<Options['parts']>, command: string) => {
  const run = { scale: options.scale, days: options.days, seed: options.seed, parts: parts.of };
  const startedAt = new Date().toISOString();
  const commit = gitCommit(); // the code this process runs, whatever is committed while it does
  const index = parts.index ?? (parts.combineOnly ? undefined : nextWeekPart(readWeekParts(parts.file, run)));
  let record: WeekPartRecord | undefined;
  if (index !== undefined) {
    const part = { index, of: parts.of };
    const result = await runLogged(options, part);
    if (!result.complete && !result.failedCheck) {
      log(`stopped after ${fmt(result.observations)} observations: run the same command again to resume`);
      return 130;
    }
    // A part that is not exact is reported on its own, not recorded: its tables are the ones to examine.
    if (result.failedCheck || (result.oracle?.mismatches.length ?? 0) > 0 || result.deadLetters > 0)
      return reportRun(options, result, { startedAt, command });
    record = {
      ...summarizeFullWeek(result, { startedAt, command, commit }),
      part,
      machine: machine(),
      totalRows: result.totalRows ?? [],
    };
  }
  const combined = await withWeekPartsLock(
    parts.file,
    () => recordAndReportParts(options.out, parts.file, run, record),
    (lock, heldBy) => log(`waiting for ${lock}: the part run with pid ${heldBy} is recording`),
  );
  return combined.partMismatches > 0 || (combined.totals?.mismatches.length ?? 0) > 0 ? 1 : 0;
};

const main = async (): Promise<number> => {
  const options = parse(process.argv.slice(2));
  const command = `npm run bench:week${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  if (options.parts) return runParts(options, options.parts, command);
  const startedAt = new Date().toISOString();
  const result = await runLogged(options);
  if (!result.complete && !result.failedCheck) {
    log(`stopped after ${fmt(result.observations)} observations: run the same command again to resume`);
    return 130;
  }
  return reportRun(options, result, { startedAt, command });
};

try {
  process.exitCode = await main();
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`${e.message.replace(/\nUsage: npm run bench[\s\S]*/, '')}\n${USAGE}\n`);
    process.exitCode = 2;
  } else throw e;
}
