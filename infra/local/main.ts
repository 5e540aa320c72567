// `npm start`: the local twin. Run `npm start -- --help` for the options.
import { join, relative, resolve } from 'node:path';
import { ConfigError } from '../../shared/config';
import { CliError, HELP, parseCli, type TwinOptions } from './cli';
import { startDemoPlatform } from './demo/start';
import { TwinStartError } from './preflight';
import { formatStatusLine } from './status';
import { startTwin, type Twin } from './twin';

// The SDK's notice about future Node versions is noise for a local run on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const STATUS_INTERVAL_TTY_MS = 1_000;
const STATUS_INTERVAL_PLAIN_MS = 10_000;
const STATUS_INTERVAL_JSON_MS = 1_000;
const DUPLICATE_SIGNAL_MS = 1_500;

const isUserError = (e: unknown): e is Error =>
  e instanceof CliError ||
  e instanceof TwinStartError ||
  e instanceof ConfigError ||
  (e instanceof Error && e.name === 'CredentialsError');

const jsonLine = (event: string, data: object) =>
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);

const printBanner = (twin: Twin, options: TwinOptions) => {
  const rows: [string, string][] = [
    ['Dashboard', twin.urls.dashboard],
    ['API', twin.urls.api],
    ['OpenAPI', twin.urls.openapi],
  ];
  if (twin.urls.platformApi) rows.push(['Demo platform', twin.urls.platformApi]);
  const shown = relative(process.cwd(), resolve(options.dataDir));
  const data = shown === '' ? '.' : shown.startsWith('..') ? resolve(options.dataDir) : shown;
  const lines = [
    twin.demo
      ? 'KOL Pulse local twin - DEMO: polling the built-in demo platform (generated posts, not real data)'
      : 'KOL Pulse local twin - polling the configured platforms',
    ...rows.map(([label, url]) => `  ${label.padEnd(14)}${url}`),
    '  no auth: bound to 127.0.0.1 only',
    `  data in ${data} (DynamoDB on disk; queued messages in memory, healed after a restart)`,
    `  events in ${join(data, 'events.ndjson')} (campaign events, one JSON line each; docs/events.md)`,
    `  direct response: signing secrets in ${data}/direct-response-secrets.json; sign a test event: npm run sign-event -- --campaign <id>${data === '.data' ? '' : ` --data-dir ${data}`}`,
    `  polling ${twin.platforms.join(', ')}${twin.speed !== 1 ? ` at ${twin.speed}x speed` : ''}; Ctrl-C to stop`,
  ];
  if (twin.recovering)
    lines.push(
      '  the last run ended with messages still queued: re-reading the search window once to recover them',
    );
  process.stdout.write(`${lines.join('\n')}\n`);
};

/** The options, or the exit code when there is nothing to run (help, or a command-line mistake). */
const readOptions = (argv: readonly string[]): TwinOptions | number => {
  try {
    const parsed = parseCli(argv);
    if (parsed !== 'help') return parsed;
    process.stdout.write(HELP);
    return 0;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
};

/** Prints the twin's status line at the interval of the output mode until `stop`. */
const reportStatus = (twin: Twin, options: TwinOptions): { tty: boolean; stop(): void } => {
  const tty = process.stdout.isTTY === true && !options.statusJson;
  const interval = options.statusJson
    ? STATUS_INTERVAL_JSON_MS
    : tty
      ? STATUS_INTERVAL_TTY_MS
      : STATUS_INTERVAL_PLAIN_MS;
  let probing = false;
  const status = setInterval(async () => {
    if (probing) return;
    probing = true;
    try {
      const s = await twin.snapshot();
      if (options.statusJson) jsonLine('status', s);
      else if (tty) process.stdout.write(`\r\x1b[2K${formatStatusLine(s)}`);
      else process.stdout.write(`${formatStatusLine(s)}\n`);
    } catch {
      // engines are closing; the next tick (if any) will tell
    } finally {
      probing = false;
    }
  }, interval);
  return { tty, stop: () => clearInterval(status) };
};

/** Stops the twin on SIGINT or SIGTERM; resolves with the exit code once it stopped. */
const stopOnSignal = (twin: Twin, options: TwinOptions, status: { tty: boolean; stop(): void }) =>
  new Promise<number>((resolve) => {
    let stoppingSince: number | undefined;
    const stop = async (signal: string) => {
      if (stoppingSince !== undefined) {
        // npm and tsx relay the terminal's Ctrl-C, so one key press can arrive twice: only a later one forces.
        if (Date.now() - stoppingSince < DUPLICATE_SIGNAL_MS) return;
        process.stderr.write('\nforced exit\n');
        process.exit(130);
      }
      stoppingSince = Date.now();
      status.stop();
      if (status.tty) process.stdout.write('\n');
      if (!options.statusJson)
        process.stdout.write(`${signal}: stopping (finishing running polls, applying what is queued)...\n`);
      await twin.stop();
      if (options.statusJson) jsonLine('stopped', { signal });
      else process.stdout.write('stopped\n');
      resolve(0);
    };
    // A second Ctrl-C while stopping forces the exit.
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  });

const main = async (): Promise<number> => {
  const options = readOptions(process.argv.slice(2));
  if (typeof options === 'number') return options;
  const verboseErrors = options.verbose && !options.statusJson;
  const twin = await startTwin(options, {
    startDemo: startDemoPlatform,
    onError: verboseErrors ? (message) => process.stderr.write(`\nerror: ${message}\n`) : undefined,
  });
  if (options.statusJson)
    jsonLine('ready', { ...twin.urls, demo: twin.demo, speed: twin.speed, recovering: twin.recovering });
  else printBanner(twin, options);
  return stopOnSignal(twin, options, reportStatus(twin, options));
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (isUserError(e)) process.stderr.write(`error: ${e.message}\n`);
    else process.stderr.write(`error: the twin failed to start: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
