/** Seeded randomness, so a failing fault scenario can be replayed with the same seed (FAULTS_SEED). */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
}

/** mulberry32: tiny, fast, good enough to spread faults; not for anything secret. */
export const createRng = (seed: number): Rng => {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
  };
};

/** The suite's seed: FAULTS_SEED when set (to replay a run), else a fixed default. */
export const suiteSeed = (): number => {
  const raw = process.env.FAULTS_SEED;
  if (raw === undefined || raw === '') return 20_260_308;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`FAULTS_SEED must be an integer, got "${raw}"`);
  return n;
};

/** A distinct, reproducible seed per scenario name. */
export const scenarioSeed = (name: string): number => {
  let h = suiteSeed() >>> 0;
  for (const ch of name) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return h;
};

export const isQuick = (): boolean => process.env.FAULTS_QUICK === '1';

/** Picks the quick or the full size of a knob. */
export const sized = <T>(quick: T, full: T): T => (isQuick() ? quick : full);
