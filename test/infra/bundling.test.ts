import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_CAMPAIGNS, FIXTURE_PLATFORMS, required, resourcesOf, synthFixture } from './support/app';

// The one test file that runs esbuild for real (local bundling, no Docker), on stand-in entries.
const outdir = mkdtempSync(join(tmpdir(), 'kol-pulse-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const synth = synthFixture({ bundle: true, outdir });

const assetDirOf = (functionName: string): string => {
  const fn = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::Lambda::Function')).find(
    (f) => f.Properties.FunctionName === functionName,
  );
  const key = (required(fn, functionName).Properties.Code as { S3Key: string }).S3Key;
  return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
};

const functionNames = [
  ...FIXTURE_PLATFORMS.map((p) => `kol-pulse-dev-poll-${p}`),
  'kol-pulse-dev-aggregate',
  'kol-pulse-dev-report',
];

describe('Function bundles', () => {
  it.each(functionNames)(
    '%s: ESM bundle with the require shim, a source map and the campaign file',
    (name) => {
      const dir = assetDirOf(name);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire as __kolPulseCreateRequire } from 'node:module';")).toBe(
        true,
      );
      expect(code).toMatch(/export\s*\{[^}]*as handler/);
      expect(code).toContain('//# sourceMappingURL=index.mjs.map');
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      expect(readFileSync(join(dir, 'campaigns.json'), 'utf8')).toBe(readFileSync(FIXTURE_CAMPAIGNS, 'utf8'));
    },
  );

  it('poll functions of all platforms share one bundle (bundled once per synth)', () => {
    const dirs = new Set(FIXTURE_PLATFORMS.map((p) => assetDirOf(`kol-pulse-dev-poll-${p}`)));
    expect(dirs.size).toBe(1);
  });

  it('the report bundle ships the dashboard assets the dashboard build wrote', () => {
    expect(readFileSync(join(assetDirOf('kol-pulse-dev-report'), 'dashboard/index.html'), 'utf8')).toContain(
      'fixture dashboard',
    );
    expect(existsSync(join(assetDirOf('kol-pulse-dev-aggregate'), 'dashboard'))).toBe(false);
  });

  /** Imports a fresh instance of the report bundle with `env` set, calls its handler, restores the environment. */
  const runReportBundle = async (env: Record<string, string>, instance: string) => {
    const dir = assetDirOf('kol-pulse-dev-report');
    const all = { CAMPAIGNS_FILE: join(dir, 'campaigns.json'), ...env };
    const previous = Object.fromEntries(Object.keys(all).map((key) => [key, process.env[key]]));
    Object.assign(process.env, all);
    try {
      const url = `${pathToFileURL(join(dir, 'index.mjs')).href}?${instance}`;
      const mod = (await import(url)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
      return await mod.handler({}, {});
    } finally {
      for (const [key, value] of Object.entries(previous))
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
    }
  };

  it('the bundled handler runs and reads the shipped campaign file; outside Lambda it does not trace', async () => {
    await expect(runReportBundle({}, 'local')).resolves.toEqual({
      fn: 'report',
      campaigns: 1,
      tracing: false,
    });
  });

  it('the bundled handler runs traced in a Lambda environment (X-Ray SDK loads through the require shim)', async () => {
    const lambda = {
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: 'kol-pulse-dev-report',
      _HANDLER: 'index.handler',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    };
    await expect(runReportBundle(lambda, 'lambda')).resolves.toEqual({
      fn: 'report',
      campaigns: 1,
      tracing: true,
    });
  });
});
