import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  scale: number;
  /** 'week' (default): the Next-Idea-scale week driven by the shipped refresh policy; 'day': one day, fixed snapshots. */
  replay: 'week' | 'day';
  /** Days of the week replay. */
  days: number;
  /** The poller drops re-reads whose counters did not change (issue 13 point 5); --keep-unchanged turns it off. */
  suppressUnchanged: boolean;
  /** Refresh requests per platform and poll cycle at scale 1 (the poller's default 150). */
  refreshRequests?: number;
  seed: number;
  /** Where the markdown report goes; --quick writes to bench/out unless --out is given. */
  out?: string;
  /** Sections to run (all by default). */
  only: Set<SectionId>;
  /** Repetitions per reporting endpoint. */
  requests: number;
  reportKols: number;
  trackedPosts: number;
  bundleRuns: number;
  ceilingWrites: number;
  /** Scale and days of the write model's run (bench/lib/write-model.ts); default scale 1. */
  modelScale: number;
  modelDays: number;
  /** Scale of each point of the cost/staleness charts (one week-model run per point, over `days`). */
  chartScale: number;
}

export const SECTIONS = [
  'efficiency',
  'throughput',
  'reporting',
  'poller',
  'bundles',
  'naive',
  'staleness',
  'model',
] as const;
export type SectionId = (typeof SECTIONS)[number];

export const DEFAULT_SCALE = 0.0005;
export const QUICK_SCALE = 0.0003;
export const DAY_REPLAY_DEFAULT_SCALE = 0.05;
export const DAY_REPLAY_QUICK_SCALE = 0.002;
export const DEFAULT_SEED = 20261111;
/** The write model's run: scale 1 over one day by default (measured: 807 s of one core, 2.6 GB peak); quick: a small scale. */
export const MODEL_DEFAULT_SCALE = 1;
export const MODEL_DEFAULT_DAYS = 1;
export const MODEL_QUICK_SCALE = 0.003;
export const CHART_DEFAULT_SCALE = 0.005;
export const CHART_QUICK_SCALE = 0.0005;

const USAGE = `Usage: npm run bench -- [--quick] [--scale N] [--days N] [--day] [--keep-unchanged] [--seed N] [--out FILE] [--only a,b]
  --quick     tiny scale, 1 day, few repetitions; report to bench/out/ unless --out is given
  --scale N   replay scale, 1.0 = a Tencent "Next Idea" week (100,000 new posts a day); default ${DEFAULT_SCALE}
              (the full week: npm run bench -- --week --scale 1)
  --week      the week replay driven by the shipped refresh policy (the default)
  --days N    days of the week replay; default 7 (quick: 1)
  --day       the former one-day replay with fixed snapshot ages instead (scale 1.0 = ~50,000 posts)
  --keep-unchanged  the poller sends re-reads whose counters did not change (default: dropped before SQS)
  --refresh-requests N  refresh requests per platform per cycle at scale 1; default 150 (the poller's)
  --seed N    replay seed; default ${DEFAULT_SEED}
  --out FILE  markdown report; default docs/benchmarks.md
  --model-scale N  scale of the write model's week (default ${MODEL_DEFAULT_SCALE}; quick ${MODEL_QUICK_SCALE})
  --model-days N   days of the write model's week (default ${MODEL_DEFAULT_DAYS})
  --chart-scale N  scale of each cost/staleness chart point (default ${CHART_DEFAULT_SCALE}; quick ${CHART_QUICK_SCALE})
  --only LIST comma-separated sections: ${SECTIONS.join(', ')} (cost needs efficiency)`;

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
  }
}

export const positive = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
  return n;
};

const wholeDays = (name: string, raw: string | undefined, fallback: number): number => {
  const n = positive(name, raw, fallback);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  return n;
};

export const parseBenchArgs = (argv: readonly string[]): BenchOptions => {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) throw new UsageError('KOL Pulse benchmarks');
  const quick = v.quick ?? false;
  const only = new Set<SectionId>();
  for (const name of (v.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim())) {
    if (!(SECTIONS as readonly string[]).includes(name))
      throw new UsageError(`--only: unknown section "${name}" (known: ${SECTIONS.join(', ')})`);
    only.add(name as SectionId);
  }
  const seed = positive('seed', v.seed, DEFAULT_SEED);
  if (v.day && v.week) throw new UsageError('--day and --week exclude each other');
  const replay = v.day ? 'day' : 'week';
  const days = positive('days', v.days, quick ? 1 : 7);
  if (!Number.isInteger(days)) throw new UsageError(`--days must be a whole number, got "${v.days}"`);
  const refreshRequests =
    v['refresh-requests'] === undefined
      ? undefined
      : positive('refresh-requests', v['refresh-requests'], 150);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${v.seed}"`);
  return {
    quick,
    scale: positive(
      'scale',
      v.scale,
      replay === 'day'
        ? quick
          ? DAY_REPLAY_QUICK_SCALE
          : DAY_REPLAY_DEFAULT_SCALE
        : quick
          ? QUICK_SCALE
          : DEFAULT_SCALE,
    ),
    replay,
    days,
    suppressUnchanged: !v['keep-unchanged'],
    ...(refreshRequests === undefined ? {} : { refreshRequests }),
    seed,
    ...(v.out ? { out: v.out } : {}),
    only,
    requests: quick ? 8 : 50,
    reportKols: quick ? 200 : 2_000,
    trackedPosts: quick ? 1_000 : 10_000,
    bundleRuns: quick ? 1 : 5,
    ceilingWrites: quick ? 1_000 : 5_000,
    modelScale: positive('model-scale', v['model-scale'], quick ? MODEL_QUICK_SCALE : MODEL_DEFAULT_SCALE),
    modelDays: wholeDays('model-days', v['model-days'], MODEL_DEFAULT_DAYS),
    chartScale: positive('chart-scale', v['chart-scale'], quick ? CHART_QUICK_SCALE : CHART_DEFAULT_SCALE),
  };
};

const OPTIONS = {
  quick: { type: 'boolean' },
  scale: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  only: { type: 'string' },
  week: { type: 'boolean' },
  day: { type: 'boolean' },
  days: { type: 'string' },
  'keep-unchanged': { type: 'boolean' },
  'refresh-requests': { type: 'string' },
  'model-scale': { type: 'string' },
  'model-days': { type: 'string' },
  'chart-scale': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
