import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ENV } from '../../shared/topology';
import { outPath, REPO_DIR } from '../lib/harness';
import { median } from '../lib/stats';

const run = promisify(execFile);

/** The same shim the project's PipelineFunction puts in front of every ESM bundle. */
const ESM_REQUIRE_SHIM =
  "import { createRequire as __kolPulseCreateRequire } from 'node:module'; const require = __kolPulseCreateRequire(import.meta.url);";

export interface BundleResult {
  fn: string;
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** Median time to import the bundle (module init included) in a fresh Node process. */
  importMs: number;
  /** Median wall time of the whole fresh process (Node start + import + exit). */
  processMs: number;
  runs: number;
  error?: string;
}

/**
 * Bundles each functions/<fn>/handler.ts the way the CDK construct does (ESM, minified, platform node,
 * AWS SDK bundled, module fields first, the require shim) with a node22 target, then imports each bundle
 * in fresh Node processes with a plausible environment and times the import (which runs module init: client
 * creation and loading the campaign configuration).
 */
export const measureBundles = async (options: {
  campaignsFile: string;
  runs: number;
}): Promise<BundleResult[]> => {
  const functionsDir = join(REPO_DIR, 'functions');
  const names = readdirSync(functionsDir)
    .filter((n) => existsSync(join(functionsDir, n, 'handler.ts')))
    .sort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
    [ENV.stateTable]: 'kol-pulse-bench-state',
    [ENV.rollupsTable]: 'kol-pulse-bench-rollups',
    [ENV.eventsQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/kol-pulse-bench-events',
    [ENV.campaignsFile]: options.campaignsFile,
    [ENV.platform]: 'x',
    [ENV.stage]: 'bench',
    POWERTOOLS_SERVICE_NAME: 'kol-pulse-bench',
    POWERTOOLS_METRICS_NAMESPACE: 'KolPulse',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  const results: BundleResult[] = [];
  for (const fn of names) {
    const outfile = outPath('bundles', fn, 'index.mjs');
    try {
      await build({
        entryPoints: [join(functionsDir, fn, 'handler.ts')],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node22',
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner: { js: ESM_REQUIRE_SHIM },
        logLevel: 'silent',
      });
      const code = readFileSync(outfile);
      const importTimes: number[] = [];
      const processTimes: number[] = [];
      const script = `const t=performance.now();await import(${JSON.stringify(`file://${outfile}`)});process.stdout.write(String(performance.now()-t));`;
      for (let i = 0; i < options.runs; i++) {
        const started = performance.now();
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env });
        processTimes.push(performance.now() - started);
        importTimes.push(Number(stdout.trim()));
      }
      results.push({
        fn,
        bytes: code.byteLength,
        gzipBytes: gzipSync(code, { level: 9 }).byteLength,
        sourceMapBytes: existsSync(`${outfile}.map`) ? statSync(`${outfile}.map`).size : 0,
        importMs: median(importTimes),
        processMs: median(processTimes),
        runs: options.runs,
      });
    } catch (e) {
      results.push({
        fn,
        bytes: Number.NaN,
        gzipBytes: Number.NaN,
        sourceMapBytes: Number.NaN,
        importMs: Number.NaN,
        processMs: Number.NaN,
        runs: 0,
        error: (e as Error).message.split('\n')[0] ?? 'failed',
      });
    }
  }
  return results;
};
