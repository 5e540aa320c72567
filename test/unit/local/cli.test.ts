import { describe, expect, it } from 'vitest';
import {
  CliError,
  DEFAULTS,
  effectiveSpeed,
  parseCli,
  type TwinOptions,
  wantsDemo,
} from '../../../infra/local/cli';
import { functionEnv, localFunctionName } from '../../../infra/local/function-env';
import { parseConfig } from '../../../shared/config';
import { ENV, topology } from '../../../shared/topology';

const options = (argv: string[]): TwinOptions => {
  const parsed = parseCli(argv);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
};

describe('Method: parseCli', () => {
  it('fills the documented defaults', () => {
    const o = options([]);
    expect(o).toMatchObject({
      configFile: DEFAULTS.configFile,
      dataDir: DEFAULTS.dataDir,
      port: DEFAULTS.port,
      demo: undefined,
      seed: DEFAULTS.seed,
      verbose: false,
      statusJson: false,
    });
    expect(effectiveSpeed(o, true)).toBe(DEFAULTS.demoSpeed);
    expect(effectiveSpeed(o, false)).toBe(DEFAULTS.speed);
  });

  it('reads every option, including --no-demo and --port 0', () => {
    const o = options([
      '--config',
      'c.json',
      '--data',
      '/tmp/d',
      '--port',
      '0',
      '--speed',
      '60',
      '--no-demo',
      '--seed',
      '7',
      '--credentials',
      'creds.json',
      '--demo-duration',
      '12.5',
      '--status-json',
      '--verbose',
      '--record-observations',
      'sent.jsonl',
    ]);
    expect(o).toEqual({
      configFile: 'c.json',
      dataDir: '/tmp/d',
      port: 0,
      speed: 60,
      demo: false,
      seed: 7,
      credentialsFile: 'creds.json',
      demoDurationSeconds: 12.5,
      statusJson: true,
      verbose: true,
      recordObservations: 'sent.jsonl',
    });
    expect(effectiveSpeed(o, true)).toBe(60);
  });

  it('reads the share of demo posts that surface late', () => {
    expect(options(['--demo-late', '0.25']).demoLateShare).toBe(0.25);
    expect(options([]).demoLateShare).toBeUndefined();
  });

  it('answers help for --help and -h', () => {
    expect(parseCli(['--help'])).toBe('help');
    expect(parseCli(['-h', '--port', 'x'])).toBe('help');
  });

  it.each([
    [['--port', 'abc'], /--port must be an integer 0-65535, got "abc"/],
    [['--port', '70000'], /--port must be an integer 0-65535/],
    [['--speed', '0'], /--speed must be a number above 0/],
    [['--seed', '1.5'], /--seed must be an integer/],
    [['--demo-duration=-1'], /--demo-duration must be a number of seconds above 0/],
    [['--demo-late', '1.5'], /--demo-late must be a share from 0 to 1/],
    [['--bogus'], /Unknown option '--bogus'.*see --help/],
    [['--port'], /--port <value>' argument missing/],
    [['start'], /unexpected argument "start"/],
  ])('rejects %j naming the option', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(CliError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('Method: functionEnv', () => {
  const resources = {
    tables: { state: 'kol-pulse-local-state', rollups: 'kol-pulse-local-rollups' },
    queues: { events: 'http://q/events', eventsDlq: 'http://q/events-dlq' },
    campaignsFile: '/abs/campaigns.json',
  };

  it('binds exactly the tables and queue the topology gives each function', () => {
    const aggregate = functionEnv('aggregate', resources);
    expect(aggregate[ENV.stateTable]).toBe(resources.tables.state);
    expect(aggregate[ENV.rollupsTable]).toBe(resources.tables.rollups);
    expect(aggregate[ENV.eventsQueueUrl]).toBeUndefined();

    const report = functionEnv('report', resources);
    expect(Object.keys(topology.functions.report.tables)).toEqual(['rollups', 'state']);
    expect(report[ENV.rollupsTable]).toBe(resources.tables.rollups);
    // the state table only for GET /budgets (its IAM grant: the BUDGET partitions alone)
    expect(report[ENV.stateTable]).toBe(resources.tables.state);
    expect(report[ENV.campaignsFile]).toBe(resources.campaignsFile);
  });

  it('gives a poll function its platform, queue, base URL and credentials file', () => {
    const poll = functionEnv('poll', resources, {
      platform: 'mastodon',
      baseUrl: 'http://127.0.0.1:9/mastodon',
      credentialsFile: '/c.json',
    });
    expect(poll).toMatchObject({
      [ENV.platform]: 'mastodon',
      [ENV.eventsQueueUrl]: resources.queues.events,
      [ENV.stateTable]: resources.tables.state,
      [ENV.platformBaseUrl]: 'http://127.0.0.1:9/mastodon',
      [ENV.platformCredentialsFile]: '/c.json',
      POWERTOOLS_SERVICE_NAME: localFunctionName('poll', 'mastodon'),
    });
    expect(poll[ENV.rollupsTable]).toBeUndefined();
    expect(() => functionEnv('poll', resources)).toThrow(/needs its platform/);
  });
});

describe('Method: wantsDemo', () => {
  const config = (baseUrl?: string) =>
    parseConfig({
      campaigns: [{ id: 'c', name: 'C', hashtags: ['#a'], start: '2025-06-01' }],
      platforms: {
        x: baseUrl ? { baseUrl } : {},
        mastodon: { enabled: false, baseUrl: 'https://m.example' },
      },
    });

  it('runs the demo when nothing real is configured, and not when credentials or a real base URL are', () => {
    expect(wantsDemo({ demo: undefined, credentialsFile: undefined }, config())).toBe(true);
    expect(wantsDemo({ demo: undefined, credentialsFile: 'c.json' }, config())).toBe(false);
    expect(wantsDemo({ demo: undefined, credentialsFile: undefined }, config('https://api.x.com'))).toBe(
      false,
    );
  });

  it('obeys --demo and --no-demo', () => {
    expect(wantsDemo({ demo: true, credentialsFile: 'c.json' }, config('https://api.x.com'))).toBe(true);
    expect(wantsDemo({ demo: false, credentialsFile: undefined }, config())).toBe(false);
  });
});
