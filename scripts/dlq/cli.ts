import { parseArgs } from 'node:util';
import { physicalName, topology } from '../../shared/topology';
import { formatReport, inspectDlq } from './inspect';
import { type RedriveResult, redrive } from './redrive';
import { DlqCliError, findSourceQueue, resolveTarget } from './target';

export const USAGE = `KOL Pulse dead-letter queue tool

Usage:
  npx tsx scripts/dlq.ts inspect [target] [--json] [--max <n>]
  npx tsx scripts/dlq.ts redrive [target] [--to <main queue url>] [--method auto|move-task|manual] [--max <n>]

Target (one of):
  --stage <stage>        deployed stage: the DLQ named ${physicalName('kol-pulse-<stage>', topology.queues.events.deadLetter.name)} (AWS credentials and region from the environment)
  --queue-url <url>      the DLQ's URL (add --endpoint <url> for a non-AWS SQS)
  --local <data dir>     the running local twin of that data folder (reads <data dir>/twin.json)

Redrive sends every DLQ message back to the events queue. In AWS it uses an SQS message move task; the local
twin (fauxqs) has none, so it receives, sends to the main queue and then deletes from the DLQ (nothing is lost;
a message sent twice is counted once by the aggregate). Fix the cause first: inspect shows why messages failed.
`;

const parseCliArgs = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      stage: { type: 'string' },
      'queue-url': { type: 'string' },
      local: { type: 'string' },
      endpoint: { type: 'string' },
      to: { type: 'string' },
      method: { type: 'string' },
      max: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

export const formatRedriveResult = (result: RedriveResult, mainUrl: string): string =>
  `redrive (${result.method}) to ${mainUrl}: ${result.moved} moved` +
  (result.sentNotDeleted ? `, ${result.sentNotDeleted} sent but still on the DLQ (redrive again)` : '') +
  (result.failed ? `, ${result.failed} not sent (still on the DLQ)` : '');

/** Runs one command; returns the exit code. Mistakes in the command line throw DlqCliError. */
export const runCli = async (
  argv: readonly string[],
  out: (line: string) => void = console.log,
): Promise<number> => {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (e) {
    throw new DlqCliError(
      `${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}; see --help`,
    );
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined) {
    out(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command !== 'inspect' && command !== 'redrive')
    throw new DlqCliError(`unknown command "${command}": use inspect or redrive`);
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0))
    throw new DlqCliError(`--max must be a positive integer, got "${values.max}"`);
  const method = values.method ?? 'auto';
  if (method !== 'auto' && method !== 'move-task' && method !== 'manual')
    throw new DlqCliError(`--method must be auto, move-task or manual, got "${method}"`);
  const target = await resolveTarget(values);
  try {
    if (command === 'inspect') {
      const report = await inspectDlq(target.client, target.dlqUrl, max === undefined ? {} : { max });
      out(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return 0;
    }
    const mainUrl = target.mainUrl ?? (await findSourceQueue(target.client, target.dlqUrl));
    const result = await redrive(target.client, target.dlqUrl, mainUrl, method, {
      ...(max === undefined ? {} : { max }),
      onProgress: (moved, total) => out(`  moved ${moved}${total === undefined ? '' : ` of ${total}`}`),
    });
    out(values.json ? JSON.stringify(result) : formatRedriveResult(result, mainUrl));
    return result.failed > 0 ? 1 : 0;
  } finally {
    target.client.destroy();
  }
};
