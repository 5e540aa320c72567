/** Seeds and sizes of the fault suite, so a failing scenario can be replayed with the same seed (FAULTS_SEED). */

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
