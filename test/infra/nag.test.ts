import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFixtureApp } from './support/app';

const outdirs: string[] = [];
const outdir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kol-pulse-nag-'));
  outdirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

const findings = (scope: Parameters<AwsSolutionsChecks['validateScope']>[0]) =>
  new AwsSolutionsChecks()
    .validateScope(scope)
    .violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'prod'])('%s stage: no unacknowledged finding (errors or warnings)', (stage) => {
    const { app } = buildFixtureApp({ context: { stage, alarmEmail: 'ops@example.com' } });
    expect(findings(app)).toEqual([]);
  });

  it('runs on every synth: the validation report is clean for the real app', () => {
    const dir = outdir();
    const { app } = buildFixtureApp({ outdir: dir });
    app.synth();
    const report = JSON.parse(readFileSync(join(dir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string }[];
    };
    for (const plugin of report.pluginReports) expect(plugin.conclusion).toBe('success');
  });

  it('control: a non-compliant resource in the same app fails synth and names the rule', () => {
    const { app } = buildFixtureApp({ outdir: outdir() });
    new Queue(new Stack(app, 'Control'), 'PlainQueue');
    expect(findings(app)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS4 at Control\/PlainQueue/)]),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('every acknowledgement carries a specific reason', () => {
    const { app } = buildFixtureApp();
    const acknowledged = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledged) {
      expect(rule).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});
