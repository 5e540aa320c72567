import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  scale: number;
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
}

export const SECTIONS = ['efficiency', 'throughput', 'reporting', 'poller', 'bundles'] as const;
export type SectionId = (typeof SECTIONS)[number];

export const DEFAULT_SCALE = 0.05;
export const QUICK_SCALE = 0.002;
export const DEFAULT_SEED = 20261111;

const USAGE = `Usage: npm run bench -- [--quick] [--scale N] [--seed N] [--out FILE] [--only a,b]
  --quick     tiny scale, few repetitions (under a minute); report to bench/out/ unless --out is given
  --scale N   replay scale, 1.0 = a Tencent "Next Idea" day (~50,000 posts); default ${DEFAULT_SCALE}
  --seed N    replay seed; default ${DEFAULT_SEED}
  --out FILE  markdown report; default docs/benchmarks.md
  --only LIST comma-separated sections: ${SECTIONS.join(', ')} (cost needs efficiency)`;

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
  }
}

const positive = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
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
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${v.seed}"`);
  return {
    quick,
    scale: positive('scale', v.scale, quick ? QUICK_SCALE : DEFAULT_SCALE),
    seed,
    ...(v.out ? { out: v.out } : {}),
    only,
    requests: quick ? 8 : 50,
    reportKols: quick ? 200 : 2_000,
    trackedPosts: quick ? 1_000 : 10_000,
    bundleRuns: quick ? 1 : 5,
    ceilingWrites: quick ? 1_000 : 5_000,
  };
};

const OPTIONS = {
  quick: { type: 'boolean' },
  scale: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  only: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
