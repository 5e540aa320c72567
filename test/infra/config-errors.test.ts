import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/constructs/pipeline-function';
import { buildFixtureApp, FIXTURE_CAMPAIGNS } from './support/app';

const dir = mkdtempSync(join(tmpdir(), 'kol-pulse-infra-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a variant of the fixture campaign file, changed by `edit`. */
const campaignsVariant = (name: string, edit: (cfg: Record<string, unknown>) => void): string => {
  const cfg = JSON.parse(readFileSync(FIXTURE_CAMPAIGNS, 'utf8')) as Record<string, unknown>;
  edit(cfg);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(cfg));
  return path;
};

describe('Bad stage config fails synth naming the field', () => {
  it.each([
    [{ alarmEmail: 'not-an-email' }, 'Invalid stage config: alarmEmail: must be an email'],
    [{ stage: 'Prod_1' }, 'Invalid stage config: stage: must be 1-16 characters'],
    [
      { logRetentionDays: '31' },
      'Invalid stage config: logRetentionDays: must be one of the CloudWatch Logs retention periods',
    ],
    [{ logRetentionDays: 'a month' }, 'Invalid stage config: logRetentionDays: must be a whole number'],
    [{ production: 'yes' }, 'Invalid stage config: production: must be true or false'],
    [{ removalPolicy: 'snapshot' }, 'Invalid stage config: removalPolicy: must be "retain" or "destroy"'],
    [
      { stage: 'prod', removalPolicy: 'destroy' },
      'Invalid stage config: removalPolicy: must be "retain" for a production stage',
    ],
    [{ apiRateLimit: '0' }, 'Invalid stage config: apiRateLimit:'],
  ])('%j', (context, message) => {
    expect(() => buildFixtureApp({ context })).toThrow(message);
  });

  it('accepts typed values from cdk.json and strings from `cdk -c`', () => {
    const fromJson = buildFixtureApp({
      context: { production: true, logRetentionDays: 365, stage: 'staging' },
    });
    const fromCli = buildFixtureApp({
      context: { production: 'true', logRetentionDays: '365', stage: 'staging' },
    });
    expect(fromJson.stageConfig).toEqual(fromCli.stageConfig);
    expect(fromJson.stageConfig).toMatchObject({
      production: true,
      removalPolicy: 'retain',
      logRetentionDays: 365,
    });
  });
});

describe('Bad campaign file fails synth naming the field', () => {
  it('an unknown time zone names campaigns[0].timeZone and the file', () => {
    const file = campaignsVariant('bad-zone.json', (cfg) => {
      (cfg.campaigns as Record<string, unknown>[])[0] = {
        ...(cfg.campaigns as Record<string, unknown>[])[0],
        timeZone: 'Mars/Olympus',
      };
    });
    expect(() => buildFixtureApp({ context: { campaignsFile: file } })).toThrow(
      new RegExp(
        `Invalid campaign configuration ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: campaigns\\[0\\]\\.timeZone: must be an IANA time zone`,
      ),
    );
  });

  it('a bad schedule names platforms.x.schedule', () => {
    const file = campaignsVariant('bad-schedule.json', (cfg) => {
      (cfg.platforms as Record<string, Record<string, unknown>>).x = {
        enabled: true,
        schedule: 'every 5 minutes',
      };
    });
    expect(() => buildFixtureApp({ context: { campaignsFile: file } })).toThrow(
      /platforms\.x\.schedule: must be a rate expression/,
    );
  });

  it('a bad budget names platforms.youtube.budget and the field', () => {
    const file = campaignsVariant('bad-budget.json', (cfg) => {
      (cfg.platforms as Record<string, Record<string, unknown>>).youtube = {
        enabled: true,
        budget: { quotas: { serch: { limit: 50 } } },
      };
    });
    expect(() => buildFixtureApp({ context: { campaignsFile: file } })).toThrow(
      /platforms\.youtube\.budget\.quotas\.serch: unknown quota "serch" for youtube/,
    );
  });

  it('a missing file says it cannot be read', () => {
    expect(() => buildFixtureApp({ context: { campaignsFile: join(dir, 'nope.json') } })).toThrow(
      /Cannot read campaign configuration .*nope\.json/,
    );
  });

  it('`cdk synth` itself exits non-zero with the message (no stack trace needed to find the field)', () => {
    const out = join(dir, 'cdk.out');
    const result = spawnSync(
      resolve(REPO_ROOT, 'node_modules/.bin/cdk'),
      [
        'synth',
        '--quiet',
        '--no-notices',
        '-o',
        out,
        '-c',
        'alarmEmail=ops-at-example',
        '-c',
        `campaignsFile=${FIXTURE_CAMPAIGNS}`,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' } },
    );
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(
      'Invalid stage config: alarmEmail: must be an email',
    );
  });
});
