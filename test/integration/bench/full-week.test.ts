import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { type FullWeekResult, runFullWeek } from '../../../bench/lib/full-week';
import { summarizeFullWeek } from '../../../bench/lib/full-week-summary';
import { weekCycles } from '../../../bench/lib/week';
import {
  combineWeekParts,
  nextWeekPart,
  partMessages,
  partOfPost,
  readWeekParts,
  recordWeekPart,
  withWeekPartsLock,
} from '../../../bench/lib/week-parts';
import { createTables, startDynalite } from '../../../infra/local/engines';

const folders: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kol-pulse-week-'));
  folders.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

const dataDir = newDataDir();
// dynalite keeps these small runs fast (no JVM); the default engine has its own test below.
const week = { scale: 0.0003, days: 1, seed: 3, dataDir, checkEveryCycles: 8, engine: 'dynalite' } as const;

/** Adds one like to a daily rollup item of a stopped run's tables, as a bug in the aggregate could. */
const tamperWithADailyRollup = async (folder: string): Promise<void> => {
  const dynamo = await startDynalite({ isolated: true, path: join(folder, 'dynalite') });
  try {
    const tables = await createTables(dynamo.client, 'week');
    const { Items = [] } = await dynamo.doc.send(new ScanCommand({ TableName: tables.rollups }));
    const item = Items.find((i) => ['kol', 'voice', 'total'].includes(String(i.kind)));
    if (!item) throw new Error('no daily rollup item to tamper with');
    await dynamo.doc.send(
      new UpdateCommand({
        TableName: tables.rollups,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'ADD likes :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  } finally {
    await dynamo.close();
  }
};

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
    const checksBefore = stopped.checks.length;
    expect(checksBefore).toBeGreaterThan(0);
    expect(checkpoint.checks).toEqual(stopped.checks);

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
    // Every 8th cycle compared whole with the oracle, across both processes, none apart.
    expect(resumed.checks.length).toBeGreaterThan(checksBefore);
    expect(resumed.checks.map((c) => (c.cycle + 1) % 8)).toEqual(resumed.checks.map(() => 0));
    expect(resumed.checks.every((c) => c.rows > 0 && c.mismatchedRows === 0)).toBe(true);
    // The aggregate reads post states every batch: metered, and carried over the resume.
    expect(resumed.reads.units).toBeGreaterThan(stopped.reads.units);
    expect(resumed.reads.units).toBeGreaterThanOrEqual(resumed.reads.requests);
  }, 120_000);

  it('stops at the first check that finds the rollups apart from the oracle, and says which rows', async () => {
    const folder = newDataDir();
    const run = { ...week, dataDir: folder, checkEveryCycles: 4 };
    const first = await runFullWeek({ ...run, stopAfterBatches: 12 });
    expect(first.checks.length).toBeGreaterThan(0);
    expect(first.checks.every((c) => c.mismatchedRows === 0)).toBe(true);
    await tamperWithADailyRollup(folder);

    const resumed = await runFullWeek(run);
    expect(resumed.complete).toBe(false);
    const last = resumed.checks.at(-1);
    expect(last?.mismatchedRows).toBeGreaterThan(0);
    expect(resumed.failedCheck?.mismatches).toHaveLength(last?.mismatchedRows ?? -1);
    const checkpoint = JSON.parse(readFileSync(join(folder, 'checkpoint.json'), 'utf8'));
    expect(checkpoint.checks.at(-1)).toEqual(last);
  }, 120_000);

  it('refuses to resume a data folder holding a run with other options, naming the option', async () => {
    await expect(runFullWeek({ ...week, scale: 0.0004 })).rejects.toThrow(
      /holds a run with scale 0.0003, not 0.0004/,
    );
    await expect(runFullWeek({ ...week, engine: 'dynamodb-local' })).rejects.toThrow(
      /holds a run with engine dynalite, not dynamodb-local/,
    );
  });

  it('works on tables in a scratch folder and persists them at each check: a stopped run resumes from the last check', async () => {
    const folder = newDataDir();
    const scratch = newDataDir();
    const run = { ...week, dataDir: folder, scratchDir: scratch };
    const stopped = await runFullWeek({ ...run, stopAfterBatches: 40 });
    expect(stopped.complete).toBe(false);
    const lastCheck = stopped.checks.at(-1);
    expect(lastCheck?.mismatchedRows).toBe(0);
    // The data folder holds the tables and checkpoint of the last check, not the cycles processed after it.
    const checkpoint = JSON.parse(readFileSync(join(folder, 'checkpoint.json'), 'utf8'));
    expect(checkpoint.cycle).toBe(lastCheck?.cycle);
    expect(checkpoint.batches).toBeLessThan(stopped.batches);
    // The RAM disk is gone (a reboot), and a persist was cut short between its renames: the resume puts the
    // old tables back and starts from them.
    rmSync(scratch, { recursive: true, force: true });
    renameSync(join(folder, 'dynalite'), join(folder, 'dynalite.old'));

    const resumed = await runFullWeek(run);
    expect(resumed.complete).toBe(true);
    expect(resumed.resumes).toBe(1);
    expect(resumed.oracle?.expectedRows).toBeGreaterThan(20);
    expect(resumed.oracle?.mismatches).toEqual([]);
    expect(resumed.checks.every((c) => c.rows > 0 && c.mismatchedRows === 0)).toBe(true);
    expect(resumed.deadLetters).toBe(0);
    expect(existsSync(join(folder, 'dynalite.old'))).toBe(false);
    // The end of the run persists too: the data folder holds the finished week.
    expect(JSON.parse(readFileSync(join(folder, 'checkpoint.json'), 'utf8')).observations).toBe(
      resumed.observations,
    );
  }, 120_000);

  it('persists its scratch tables when interrupted (Ctrl-C), at the last cycle fully acknowledged', async () => {
    const folder = newDataDir();
    const run = { ...week, dataDir: folder, scratchDir: newDataDir(), checkEveryCycles: 16 };
    const interrupt = new AbortController();
    const stopped = await runFullWeek({
      ...run,
      signal: interrupt.signal,
      onProgress: (p) => {
        if (p.cycle === 20) interrupt.abort();
      },
    });
    expect(stopped.complete).toBe(false);
    expect(stopped.failedCheck).toBeUndefined();
    // Past the check after cycle 16: the data folder holds the cycles up to the interruption.
    const checkpoint = JSON.parse(readFileSync(join(folder, 'checkpoint.json'), 'utf8'));
    expect(checkpoint.cycle).toBe(20);
    expect(checkpoint.checks.map((c: { cycle: number }) => c.cycle)).toEqual([15]);
    // Interrupted again while catching up (before it delivers anything): nothing moves.
    const idle = await runFullWeek({ ...run, signal: AbortSignal.abort() });
    expect(idle.complete).toBe(false);
    expect(readFileSync(join(folder, 'checkpoint.json'), 'utf8')).toBe(
      `${JSON.stringify(checkpoint, null, 2)}\n`,
    );

    const resumed = await runFullWeek(run);
    expect(resumed.complete).toBe(true);
    expect(resumed.oracle?.mismatches).toEqual([]);
    expect(resumed.checks.every((c) => c.mismatchedRows === 0)).toBe(true);
    expect(resumed.deadLetters).toBe(0);
  }, 120_000);

  it("runs on AWS's DynamoDB Local by default, its tables on disk across a stop and a resume", async () => {
    const folder = newDataDir();
    const run = { ...week, dataDir: folder, engine: 'dynamodb-local' } as const;
    const stopped = await runFullWeek({ ...run, stopAfterBatches: 12 });
    expect(stopped.complete).toBe(false);
    expect(existsSync(join(folder, 'dynamodb-local', 'shared-local-instance.db'))).toBe(true);

    const resumed = await runFullWeek(run);
    expect(resumed.complete).toBe(true);
    expect(resumed.engine).toBe('dynamodb-local');
    expect(resumed.resumes).toBe(1);
    expect(resumed.oracle?.expectedRows).toBeGreaterThan(20);
    expect(resumed.oracle?.mismatches).toEqual([]);
    expect(resumed.checks.every((c) => c.mismatchedRows === 0)).toBe(true);
    expect(resumed.deadLetters).toBe(0);
  }, 180_000);
});

const emptyResult: FullWeekResult = {
  complete: true,
  ...week,
  observations: 0,
  batches: 0,
  redeliveries: 0,
  deadLetters: 0,
  resumes: 0,
  seconds: 0,
  observationsPerSecond: 0,
  checks: [],
  reads: { requests: 0, units: 0 },
};

describe('the week in parts (bench:week --parts K)', () => {
  const run = { scale: week.scale, days: week.days, seed: week.seed, parts: 2 };

  it('splits every delivery into exactly one part, and the parts, each exact, add up to the whole week', async () => {
    const file = join(newDataDir(), 'parts.json');
    const parts = [];
    for (const index of [1, 0]) {
      const part = { index, of: 2 };
      const { dataDir: _onDisk, ...inMemory } = week;
      const result = await runFullWeek({ ...inMemory, checkEveryCycles: 16, part });
      expect(result.complete).toBe(true);
      expect(result.oracle?.expectedRows).toBeGreaterThan(10);
      expect(result.oracle?.mismatches).toEqual([]);
      expect(result.deadLetters).toBe(0);
      expect(result.totalRows?.length).toBeGreaterThan(0);
      recordWeekPart(file, run, {
        ...summarizeFullWeek(result, {
          startedAt: new Date().toISOString(),
          command: 'test',
          commit: 'test',
        }),
        part,
        machine: 'test',
        totalRows: result.totalRows ?? [],
      });
      parts.push(result);
    }
    const saved = readWeekParts(file, run);
    expect(saved.records.map((r) => r.part.index)).toEqual([0, 1]);
    expect(nextWeekPart(saved)).toBeUndefined();
    // Both parts saw the same replay; between them they delivered all of it, each observation once.
    const whole = parts[0]?.stats?.deliveries ?? 0;
    expect(whole).toBeGreaterThan(100);
    expect((parts[0]?.observations ?? 0) + (parts[1]?.observations ?? 0)).toBe(whole);
    expect(parts.every((p) => p.observations > whole / 5)).toBe(true);

    const combined = combineWeekParts(saved);
    expect(combined.complete).toBe(true);
    expect(combined.summary.observations).toBe(whole);
    expect(combined.summary.firstStartedAt).toBe(saved.records.find((r) => r.part.index === 1)?.startedAt);
    expect(combined.summary.startedAt).toBe(saved.records.find((r) => r.part.index === 0)?.startedAt);
    expect(combined.totals?.expectedRows).toBeGreaterThan(3);
    expect(combined.totals?.mismatches).toEqual([]);

    // A part whose totals were off by one like is caught by the whole week's oracle.
    const [first, ...rest] = saved.records;
    const [row, ...rows] = first?.totalRows ?? [];
    if (!first || !row) throw new Error('no total row recorded');
    const tampered = {
      ...saved,
      records: [{ ...first, totalRows: [{ ...row, likes: row.likes + 1 }, ...rows] }, ...rest],
    };
    expect(combineWeekParts(tampered).totals?.mismatches).toHaveLength(1);
    // Until every part is in, the week is not complete and its totals are not compared.
    const half = combineWeekParts({ ...saved, records: rest });
    expect(half.complete).toBe(false);
    expect(half.missingParts).toEqual([0]);
    expect(half.totals).toBeUndefined();
  }, 180_000);

  it('keeps duplicated messages duplicated within a part, and refuses a parts file of another week', () => {
    const { cycles } = weekCycles({ scale: week.scale, days: week.days, seed: week.seed });
    const messages = [...cycles].flatMap((c) => c.messages);
    const bodies = (list: typeof messages) => new Set(list.map((m) => m.body)).size;
    const repeatedWhole = messages.length - bodies(messages);
    expect(repeatedWhole).toBeGreaterThan(0);
    const split = [0, 1, 2].map((index) => partMessages(messages, { index, of: 3 }));
    expect(split.reduce((n, p) => n + p.reduce((k, m) => k + m.observations.length, 0), 0)).toBe(
      messages.reduce((n, m) => n + m.observations.length, 0),
    );
    for (const part of split)
      for (const m of part) {
        expect(JSON.parse(m.body).observations).toEqual(m.observations);
        expect(m.observations.every((o) => split.indexOf(part) === partOfPost(o.platform, o.postId, 3))).toBe(
          true,
        );
      }
    expect(split.reduce((n, p) => n + p.length - bodies(p), 0)).toBeGreaterThanOrEqual(repeatedWhole);

    const file = join(newDataDir(), 'parts.json');
    recordWeekPart(file, run, {
      ...summarizeFullWeek(emptyResult, { startedAt: '', command: '', commit: '' }),
      part: { index: 0, of: 2 },
      machine: 'test',
      totalRows: [],
    });
    expect(() => readWeekParts(file, { ...run, parts: 4 })).toThrow(/records a week with parts 2, not 4/);
  });

  it('lets one part record and report at a time, and tells a waiting part which lock it waits for', async () => {
    const file = join(newDataDir(), 'parts.json');
    const order: string[] = [];
    const waits: string[] = [];
    const holding = withWeekPartsLock(file, async () => {
      order.push('first in');
      await new Promise((done) => setTimeout(done, 300));
      order.push('first out');
    });
    const waiting = withWeekPartsLock(
      file,
      () => order.push('second'),
      (lock, heldBy) => waits.push(`${lock} held by ${heldBy}`),
    );
    await Promise.all([holding, waiting]);
    expect(order).toEqual(['first in', 'first out', 'second']);
    expect(waits).toEqual([`${file}.lock held by ${process.pid}`]);
    expect(existsSync(`${file}.lock`)).toBe(false);

    await expect(
      withWeekPartsLock(file, () => {
        throw new Error('the report could not be written');
      }),
    ).rejects.toThrow('the report could not be written');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('takes over the lock a killed part left behind instead of waiting for it', async () => {
    const file = join(newDataDir(), 'parts.json');
    writeFileSync(`${file}.lock`, '999999999');
    const waits: string[] = [];
    const result = await withWeekPartsLock(
      file,
      () => readFileSync(`${file}.lock`, 'utf8'),
      (lock) => waits.push(lock),
    );
    expect(result).toBe(String(process.pid));
    expect(waits).toEqual([]);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
