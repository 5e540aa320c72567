import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { FileFigures } from './figures';
import { mergeFigures, renderReliabilityMarkdown } from './report';

/**
 * Gives every test file a results folder, then merges what they wrote into the reliability figures.
 * The full run (`npm run test:faults`) writes docs/reliability.json and docs/reliability.md; the quick
 * run (FAULTS_QUICK=1, CI) writes them to a temporary folder so CI leaves the committed figures alone
 * (set FAULTS_RESULTS_OUT=<dir> to choose where). So does a partial run (a file or name filter).
 */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'kol-pulse-faults-'));
  project.provide('faultsResultsDir', dir);
  const started = new Date();

  return () => {
    const files: FileFigures[] = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as FileFigures);
    rmSync(dir, { recursive: true, force: true });
    if (files.length === 0) return;
    const quick = process.env.FAULTS_QUICK === '1';
    // A partial run (one file, a name filter) must not overwrite the committed figures of a whole run.
    const reported = new Set(files.map((f) => f.file));
    const missing = readdirSync('test/faults')
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `test/faults/${f}`)
      .filter((f) => !reported.has(f));
    const partial = missing.length > 0;
    const results = mergeFigures(files, {
      mode: quick ? 'quick' : 'full',
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      seed: process.env.FAULTS_SEED ?? 'default',
      node: process.version,
    });
    const outDir =
      process.env.FAULTS_RESULTS_OUT ??
      (quick || partial ? join(tmpdir(), `kol-pulse-faults-${quick ? 'quick' : 'partial'}`) : 'docs');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'reliability.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(outDir, 'reliability.md'), renderReliabilityMarkdown(results));
    const t = results.totals;
    console.log(
      `fault suite figures -> ${join(outDir, 'reliability.md')}: ${t.scenarios} scenarios, ` +
        `${t.crashesInjected} crashes, ${t.messagesDuplicated + t.redeliveries} duplicate deliveries, ` +
        `${t.platformFaultsServed} platform faults, ${t.dynamoFaultsInjected} DynamoDB faults, ` +
        `${t.badInputsTried} bad inputs, ${t.dlqMessagesRedriven} redriven, drift ${t.rollupDrift}`,
    );
  };
}
