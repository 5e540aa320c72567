import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFullWeek } from '../../../bench/lib/full-week';

const dataDir = mkdtempSync(join(tmpdir(), 'kol-pulse-week-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const week = { scale: 0.0003, days: 1, seed: 3, dataDir } as const;

describe('the full-week run (bench:week)', () => {
  it('stops mid-week, resumes from its checkpoint, delivers the interrupted cycle again and ends exact', async () => {
    const stopped = await runFullWeek({ ...week, stopAfterBatches: 12 });
    expect(stopped.complete).toBe(false);
    const checkpoint = JSON.parse(readFileSync(join(dataDir, 'checkpoint.json'), 'utf8'));
    // Twelve batches processed, the last one's cycle not checkpointed: it will be delivered again.
    expect(stopped.batches).toBe(12);
    expect(checkpoint.batches).toBeLessThan(12);
    expect(checkpoint.cycle).toBeGreaterThan(0);
    expect(existsSync(join(dataDir, 'dynalite'))).toBe(true);

    const resumed = await runFullWeek(week);
    expect(resumed.complete).toBe(true);
    expect(resumed.resumes).toBe(1);
    expect(resumed.stats?.duplicateDeliveries).toBeGreaterThan(0);
    expect(resumed.stats?.outOfOrderSnapshots).toBeGreaterThan(0);
    expect(resumed.observations).toBe(resumed.stats?.deliveries);
    expect(resumed.oracle?.expectedRows).toBeGreaterThan(20);
    expect(resumed.oracle?.mismatches).toEqual([]);
    expect(resumed.deadLetters).toBe(0);
    expect(resumed.quarantined).toBe(0);
    expect(resumed.largestItemBytes).toBeGreaterThan(0);
  }, 120_000);

  it('refuses to resume a data folder holding a run with other options, naming the option', async () => {
    await expect(runFullWeek({ ...week, scale: 0.0004 })).rejects.toThrow(
      /holds a run with scale 0.0003, not 0.0004/,
    );
  });
});
