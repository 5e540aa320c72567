import { parseArgs } from 'node:util';
import { enabledPlatforms, type KolPulseConfig } from '../../shared/config';

/** Command line of `npm start` (the local twin). */

export interface TwinOptions {
  configFile: string;
  dataDir: string;
  /** Report/dashboard port on 127.0.0.1; 0 picks a free port (the real URL is printed). */
  port: number;
  /**
   * Schedule periods are divided by this factor, and with the demo platform the twin's clock runs this much
   * faster (simulated-time.ts); undefined = the default of the mode (see effectiveSpeed).
   */
  speed: number | undefined;
  /** true/false when given; undefined = demo exactly when no credentials and no real base URL are configured. */
  demo: boolean | undefined;
  seed: number;
  credentialsFile: string | undefined;
  /** Seconds after which the demo generator stops changing posts (so totals settle); undefined = never. */
  demoDurationSeconds: number | undefined;
  /** Share (0-1) of new demo campaign posts that surface late, minutes to days after they were published. */
  demoLateShare?: number;
  verbose: boolean;
  /** Machine-readable output: one JSON object per line (ready, status, stopped). */
  statusJson: boolean;
  /** Append every observation the pollers queue to this JSON-lines file (the e2e tests' oracle input). */
  recordObservations: string | undefined;
}

export const DEFAULTS = {
  configFile: 'config/campaigns.json',
  dataDir: '.data',
  port: 3000,
  /** Real platforms are polled at their configured schedule. */
  speed: 1,
  /** The demo compresses time so the dashboard fills within a minute. */
  demoSpeed: 20,
  seed: 42,
} as const;

export const HELP = `KOL Pulse local twin: the whole pipeline on this machine (dynalite, fauxqs, timers, local HTTP).

Usage: npm start -- [options]

Options:
  --config <file>        campaign configuration (default ${DEFAULTS.configFile})
  --data <dir>           data folder; DynamoDB data persists under <dir>/dynamodb (default ${DEFAULTS.dataDir})
  --port <n>             report API and dashboard port on 127.0.0.1, 0 = any free port (default ${DEFAULTS.port})
  --speed <factor>       divide schedule periods by <factor>, e.g. 60 runs a 5-minute poller every 5 s;
                         with the demo platform the whole twin runs on a clock <factor> times faster
                         (default ${DEFAULTS.speed}; ${DEFAULTS.demoSpeed} with the demo platform)
  --demo, --no-demo      force the built-in demo platform on or off (default: on when no credentials
                         and no real platform base URL are configured)
  --seed <n>             seed of the demo campaign generator (default ${DEFAULTS.seed})
  --demo-duration <s>    stop changing demo posts after <s> seconds so totals settle (default: never)
  --demo-late <share>    let a share (0-1) of new demo campaign posts surface in search late, minutes to
                         days (demo time) after they were published, with their old id and time (default 0)
  --credentials <file>   platform credentials JSON: { "x": { "bearerToken": "..." }, ... }
  --status-json          print machine-readable JSON lines instead of the status line
  --record-observations <file>
                         append every observation the pollers queue to <file> (JSON lines; for tests)
  --verbose              let the functions log at INFO (default WARN)
  -h, --help             show this help
`;

/** A command-line mistake: the message says what to do. */
export class CliError extends Error {
  override name = 'CliError';
}

const toNumber = (name: string, raw: string, check: (n: number) => boolean, expected: string): number => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new CliError(`--${name} must be ${expected}, got "${raw}"`);
  return n;
};

/** Parses argv (without node and script). Returns 'help' when help was asked for. */
export const parseCli = (argv: readonly string[]): TwinOptions | 'help' => {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new CliError(`${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}; see --help`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length > 0)
    throw new CliError(`unexpected argument "${parsed.positionals[0]}"; options start with -- (see --help)`);
  const port =
    v.port === undefined
      ? DEFAULTS.port
      : toNumber('port', v.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65_535, 'an integer 0-65535');
  const speed =
    v.speed === undefined
      ? undefined
      : toNumber('speed', v.speed, (n) => n > 0 && n <= 10_000, 'a number above 0 and at most 10000');
  return {
    configFile: v.config ?? DEFAULTS.configFile,
    dataDir: v.data ?? DEFAULTS.dataDir,
    port,
    speed,
    demo: v.demo,
    seed:
      v.seed === undefined
        ? DEFAULTS.seed
        : toNumber('seed', v.seed, (n) => Number.isSafeInteger(n), 'an integer'),
    credentialsFile: v.credentials,
    demoDurationSeconds:
      v['demo-duration'] === undefined
        ? undefined
        : toNumber('demo-duration', v['demo-duration'], (n) => n > 0, 'a number of seconds above 0'),
    ...(v['demo-late'] === undefined
      ? {}
      : {
          demoLateShare: toNumber(
            'demo-late',
            v['demo-late'],
            (n) => n >= 0 && n <= 1,
            'a share from 0 to 1',
          ),
        }),
    verbose: v.verbose ?? false,
    statusJson: v['status-json'] ?? false,
    recordObservations: v['record-observations'],
  };
};

/** The speed once demo mode is known: an explicit --speed wins, else the default of the mode. */
export const effectiveSpeed = (options: TwinOptions, demo: boolean): number =>
  options.speed ?? (demo ? DEFAULTS.demoSpeed : DEFAULTS.speed);

/** Demo mode, unless forced: no credentials and no real platform base URL in the configuration. */
export const wantsDemo = (
  options: Pick<TwinOptions, 'demo' | 'credentialsFile'>,
  config: KolPulseConfig,
): boolean =>
  options.demo ??
  (!options.credentialsFile &&
    enabledPlatforms(config).every(([, settings]) => settings.baseUrl === undefined));

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    allowNegative: true,
    options: {
      config: { type: 'string' },
      data: { type: 'string' },
      port: { type: 'string' },
      speed: { type: 'string' },
      demo: { type: 'boolean' },
      seed: { type: 'string' },
      'demo-duration': { type: 'string' },
      'demo-late': { type: 'string' },
      credentials: { type: 'string' },
      'status-json': { type: 'boolean' },
      'record-observations': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
