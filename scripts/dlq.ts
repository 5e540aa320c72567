/**
 * Operator tool for the events dead-letter queue.
 *
 *   npx tsx scripts/dlq.ts inspect [--stage <s> | --queue-url <dlq url> | --local <data dir>] [--json]
 *   npx tsx scripts/dlq.ts redrive [--stage <s> | --queue-url <dlq url> | --local <data dir>]
 *                                  [--to <main queue url>] [--method auto|move-task|manual] [--max <n>]
 *
 * `inspect` reads every message without consuming it (each is made visible again at once) and groups them by
 * why they would fail (not JSON, invalid envelope, invalid observations -- the same checks the aggregate
 * runs -- or valid, i.e. a downstream failure to look up in the aggregate's logs by message id), by receive
 * count and by message attributes.
 *
 * `redrive` moves the messages back to the events queue after a fix. Against AWS it starts an SQS message
 * move task (StartMessageMoveTask) and follows it to the end; where that API is not available (the local
 * twin's fauxqs) or with `--method manual` it receives, sends to the main queue, and only then deletes from
 * the DLQ, so a crash at any point loses nothing (at worst a message is sent twice, which the exactly-once
 * aggregate ignores).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { describeIssues } from '../shared/config';
import { ObservationMessageSchema, ObservationSchema } from '../shared/observation';
import { physicalName, topology } from '../shared/topology';

/** Attribute the manual redrive adds, so `inspect` shows messages that already went round once. */
export const REDRIVE_COUNT_ATTRIBUTE = 'kolpulse.redriveCount';
const MAX_BATCH = 10;
/** How long `inspect`/`redrive` hide a message they are looking at; a crash makes it visible again after this. */
const HOLD_SECONDS = 60;

// ---- Inspect ------------------------------------------------------------------------------------------

export interface DlqReport {
  queueUrl: string;
  /** ApproximateNumberOfMessages (visible) and ...NotVisible, before reading. */
  approximateVisible: number;
  approximateNotVisible: number;
  /** Messages actually read. */
  inspected: number;
  observations: number;
  byReason: { reason: string; count: number; messageIds: string[] }[];
  byReceiveCount: Record<string, number>;
  byAttribute: Record<string, number>;
  byPlatform: Record<string, number>;
  oldestSentAt?: string;
  newestSentAt?: string;
}

/** Why the aggregate would reject a body, in the aggregate's own terms; `valid` when it would accept it. */
export const classifyBody = (
  body: string,
): { reason: string; platform?: string; observations: number; valid: boolean } => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { reason: 'body is not JSON', observations: 0, valid: false };
  }
  const envelope = ObservationMessageSchema.safeParse(json);
  if (!envelope.success)
    return { reason: `invalid message: ${describeIssues(envelope.error)}`, observations: 0, valid: false };
  const { platform, observations } = envelope.data;
  const problems = new Set<string>();
  for (const raw of observations) {
    const o = ObservationSchema.safeParse(raw);
    if (!o.success) problems.add(describeIssues(o.error));
    else if (o.data.platform !== platform) problems.add(`platform differs from the message's "${platform}"`);
  }
  if (problems.size > 0)
    return {
      reason: `invalid observations (${[...problems].sort().join(' | ')})`,
      platform,
      observations: observations.length,
      valid: false,
    };
  return {
    reason: 'valid message: failed downstream (search the aggregate logs for the message id)',
    platform,
    observations: observations.length,
    valid: true,
  };
};

const attributeLabel = (name: string, value: MessageAttributeValue): string =>
  `${name}=${value.StringValue ?? (value.BinaryValue ? '<binary>' : '')}`;

const queueCounts = async (client: SQSClient, queueUrl: string) => {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'QueueArn'],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    notVisible: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    arn: a.QueueArn ?? '',
  };
};

const receiveBatch = async (
  client: SQSClient,
  queueUrl: string,
  waitSeconds: number,
  holdSeconds = HOLD_SECONDS,
): Promise<Message[]> => {
  const out = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: MAX_BATCH,
      WaitTimeSeconds: waitSeconds,
      VisibilityTimeout: holdSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
};

/** Reads up to `max` messages, then makes every one of them visible again: inspecting consumes nothing. */
export const inspectDlq = async (
  client: SQSClient,
  queueUrl: string,
  options: { max?: number; waitSeconds?: number } = {},
): Promise<DlqReport> => {
  const before = await queueCounts(client, queueUrl);
  const max = options.max ?? 10_000;
  const held: Message[] = [];
  const seen = new Set<string>();
  const report: DlqReport = {
    queueUrl,
    approximateVisible: before.visible,
    approximateNotVisible: before.notVisible,
    inspected: 0,
    observations: 0,
    byReason: [],
    byReceiveCount: {},
    byAttribute: {},
    byPlatform: {},
  };
  const reasons = new Map<string, { count: number; messageIds: string[] }>();
  try {
    while (held.length < max) {
      const batch = await receiveBatch(client, queueUrl, options.waitSeconds ?? 1);
      if (batch.length === 0) break;
      held.push(...batch);
      for (const m of batch) {
        const id = m.MessageId ?? '';
        if (seen.has(id)) continue;
        seen.add(id);
        report.inspected++;
        const c = classifyBody(m.Body ?? '');
        report.observations += c.observations;
        const r = reasons.get(c.reason) ?? { count: 0, messageIds: [] };
        r.count++;
        if (r.messageIds.length < 5) r.messageIds.push(id);
        reasons.set(c.reason, r);
        const receives = m.Attributes?.ApproximateReceiveCount ?? 'unknown';
        report.byReceiveCount[receives] = (report.byReceiveCount[receives] ?? 0) + 1;
        if (c.platform) report.byPlatform[c.platform] = (report.byPlatform[c.platform] ?? 0) + 1;
        for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
          const label = attributeLabel(name, value);
          report.byAttribute[label] = (report.byAttribute[label] ?? 0) + 1;
        }
        const sourceArn = m.Attributes?.DeadLetterQueueSourceArn;
        if (sourceArn) {
          const label = `DeadLetterQueueSourceArn=${sourceArn}`;
          report.byAttribute[label] = (report.byAttribute[label] ?? 0) + 1;
        }
        const sent = Number(m.Attributes?.SentTimestamp);
        if (Number.isFinite(sent) && sent > 0) {
          const iso = new Date(sent).toISOString();
          if (!report.oldestSentAt || iso < report.oldestSentAt) report.oldestSentAt = iso;
          if (!report.newestSentAt || iso > report.newestSentAt) report.newestSentAt = iso;
        }
      }
    }
  } finally {
    await releaseMessages(client, queueUrl, held);
  }
  report.byReason = [...reasons]
    .map(([reason, r]) => ({ reason, ...r }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return report;
};

/** Makes held messages visible again at once (visibility timeout 0). */
const releaseMessages = async (client: SQSClient, queueUrl: string, messages: readonly Message[]) => {
  for (let i = 0; i < messages.length; i += MAX_BATCH) {
    const chunk = messages.slice(i, i + MAX_BATCH);
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
};

// ---- Redrive ------------------------------------------------------------------------------------------

export interface RedriveResult {
  method: 'move-task' | 'manual';
  /** Messages sent to the main queue and deleted from the DLQ. */
  moved: number;
  /** Sent to the main queue but not deleted from the DLQ (they will be redriven again: harmless). */
  sentNotDeleted: number;
  /** Not sent (left on the DLQ, visible again after the hold). */
  failed: number;
  taskHandle?: string;
}

export interface ManualRedriveOptions {
  /** Stop after this many messages; default: the DLQ's depth when the redrive starts. */
  max?: number;
  waitSeconds?: number;
  /** How long a message being moved stays hidden on the DLQ; after a crash it reappears after this. */
  holdSeconds?: number;
  /** Test hook: called between the send and the delete of each chunk (a crash here must lose nothing). */
  afterSend?: (sent: number) => Promise<void> | void;
}

const redriveCountOf = (m: Message): number =>
  Number(m.MessageAttributes?.[REDRIVE_COUNT_ATTRIBUTE]?.StringValue ?? 0) || 0;

/** Receive -> send to main -> delete from DLQ, in that order: a crash anywhere loses nothing. */
export const redriveManually = async (
  client: SQSClient,
  dlqUrl: string,
  mainUrl: string,
  options: ManualRedriveOptions = {},
): Promise<RedriveResult> => {
  const result: RedriveResult = { method: 'manual', moved: 0, sentNotDeleted: 0, failed: 0 };
  const start = await queueCounts(client, dlqUrl);
  // Bounded by the depth at the start (in-flight ones included: a killed earlier run's held messages come
  // back), so messages that fail again and return to the DLQ meanwhile are not looped over.
  const max = options.max ?? start.visible + start.notVisible;
  let handled = 0;
  while (handled < max) {
    const batch = await receiveBatch(client, dlqUrl, options.waitSeconds ?? 1, options.holdSeconds);
    if (batch.length === 0) break;
    handled += batch.length;
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: mainUrl,
        Entries: batch.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          MessageAttributes: {
            ...m.MessageAttributes,
            [REDRIVE_COUNT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(redriveCountOf(m) + 1) },
          },
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    result.failed += batch.length - ok.size;
    const toDelete = batch.filter((_, i) => ok.has(String(i)));
    await options.afterSend?.(toDelete.length);
    if (toDelete.length === 0) continue;
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
    const deletedCount = deleted.Successful?.length ?? 0;
    result.moved += deletedCount;
    result.sentNotDeleted += toDelete.length - deletedCount;
  }
  return result;
};

const isUnsupported = (e: unknown): boolean => {
  const name = (e as { name?: string }).name ?? '';
  const message = (e as Error).message ?? '';
  return (
    /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented/i.test(`${name} ${message}`) ||
    /unknown action|not (supported|implemented)/i.test(message)
  );
};

/** SQS message move task: SQS itself moves the messages back to their source queue (or `mainArn`). */
export const redriveWithMoveTask = async (
  client: SQSClient,
  dlqArn: string,
  mainArn: string | undefined,
  options: { pollMs?: number; onProgress?: (moved: number, total: number | undefined) => void } = {},
): Promise<RedriveResult> => {
  const started = await client.send(
    new StartMessageMoveTaskCommand({ SourceArn: dlqArn, ...(mainArn ? { DestinationArn: mainArn } : {}) }),
  );
  const handle = started.TaskHandle;
  for (let unseen = 0; ; ) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 2_000));
    const tasks = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }));
    const task = tasks.Results?.find((t) => t.TaskHandle === handle);
    if (!task) {
      if (++unseen >= 30)
        throw new Error(`message move task ${handle ?? '(no handle)'} is not listed by SQS`);
      continue;
    }
    options.onProgress?.(task.ApproximateNumberOfMessagesMoved ?? 0, task.ApproximateNumberOfMessagesToMove);
    if (task.Status === 'COMPLETED')
      return {
        method: 'move-task',
        moved: task.ApproximateNumberOfMessagesMoved ?? 0,
        sentNotDeleted: 0,
        failed: 0,
        ...(handle ? { taskHandle: handle } : {}),
      };
    if (task.Status === 'FAILED' || task.Status === 'CANCELLED')
      throw new Error(
        `message move task ${task.Status.toLowerCase()}: ${task.FailureReason ?? 'no reason given'}`,
      );
  }
};

export const redrive = async (
  client: SQSClient,
  dlqUrl: string,
  mainUrl: string,
  method: 'auto' | 'move-task' | 'manual',
  options: ManualRedriveOptions & {
    onProgress?: (moved: number, total: number | undefined) => void;
    /** Move task status polling interval. */
    pollMs?: number;
  } = {},
): Promise<RedriveResult> => {
  if (method !== 'manual') {
    const [dlq, main] = await Promise.all([queueCounts(client, dlqUrl), queueCounts(client, mainUrl)]);
    try {
      return await redriveWithMoveTask(client, dlq.arn, main.arn, options);
    } catch (e) {
      if (method === 'move-task' || !isUnsupported(e)) throw e;
    }
  }
  return redriveManually(client, dlqUrl, mainUrl, options);
};

/** The queue whose RedrivePolicy targets the DLQ: ListDeadLetterSourceQueues, else a scan of ListQueues. */
export const findSourceQueue = async (client: SQSClient, dlqUrl: string): Promise<string> => {
  try {
    const out = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    const first = out.queueUrls?.[0];
    if (first) return first;
  } catch (e) {
    if (!isUnsupported(e) && (e as { name?: string }).name !== 'SyntaxError') throw e;
  }
  const { arn } = await queueCounts(client, dlqUrl);
  const queues = await client.send(new ListQueuesCommand({}));
  for (const url of queues.QueueUrls ?? []) {
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
    );
    const policy = attrs.Attributes?.RedrivePolicy;
    if (policy && (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === arn)
      return url;
  }
  throw new Error(`no queue has ${dlqUrl} as its dead-letter queue: pass --to <main queue url>`);
};

// ---- CLI ----------------------------------------------------------------------------------------------

export class DlqCliError extends Error {
  override name = 'DlqCliError';
}

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

/** What the local twin writes to `<data dir>/twin.json` while it runs. */
const TwinFileSchema = z.object({
  sqs: z.object({ endpoint: z.url() }),
  queues: z.object({ events: z.string().min(1), eventsDlq: z.string().min(1) }),
});

export interface CliTarget {
  client: SQSClient;
  dlqUrl: string;
  mainUrl?: string;
}

const LOCAL_CLIENT = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export const resolveTarget = async (values: {
  stage?: string;
  'queue-url'?: string;
  local?: string;
  endpoint?: string;
  to?: string;
}): Promise<CliTarget> => {
  const given = [values.stage, values['queue-url'], values.local].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw new DlqCliError('give exactly one of --stage, --queue-url or --local (see --help)');
  if (values.local !== undefined) {
    const file = join(resolve(values.local), 'twin.json');
    if (!existsSync(file))
      throw new DlqCliError(`${file} not found: is the local twin running with --data ${values.local}?`);
    const parsed = TwinFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new DlqCliError(`${file} is not a twin file: ${describeIssues(parsed.error)}`);
    const client = new SQSClient({ ...LOCAL_CLIENT, endpoint: parsed.data.sqs.endpoint });
    return { client, dlqUrl: parsed.data.queues.eventsDlq, mainUrl: values.to ?? parsed.data.queues.events };
  }
  const client = new SQSClient(values.endpoint ? { ...LOCAL_CLIENT, endpoint: values.endpoint } : {});
  if (values['queue-url'] !== undefined)
    return { client, dlqUrl: values['queue-url'], ...(values.to ? { mainUrl: values.to } : {}) };
  const stage = values.stage ?? '';
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage)) throw new DlqCliError(`--stage "${stage}" is not a stage name`);
  const prefix = `kol-pulse-${stage}`;
  const dlq = await client.send(
    new GetQueueUrlCommand({ QueueName: physicalName(prefix, topology.queues.events.deadLetter.name) }),
  );
  const main = await client.send(
    new GetQueueUrlCommand({ QueueName: physicalName(prefix, topology.queues.events.name) }),
  );
  return { client, dlqUrl: dlq.QueueUrl ?? '', mainUrl: values.to ?? main.QueueUrl ?? '' };
};

export const formatReport = (r: DlqReport): string => {
  const lines = [
    `DLQ ${r.queueUrl}`,
    `  ~${r.approximateVisible} visible, ~${r.approximateNotVisible} in flight; inspected ${r.inspected} message(s), ${r.observations} observation(s)`,
  ];
  if (r.oldestSentAt) lines.push(`  sent between ${r.oldestSentAt} and ${r.newestSentAt}`);
  if (r.byReason.length > 0) lines.push('  by reason:');
  for (const g of r.byReason)
    lines.push(`    ${String(g.count).padStart(6)}  ${g.reason}  (e.g. ${g.messageIds.join(', ')})`);
  const section = (title: string, counts: Record<string, number>) => {
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
    if (entries.length === 0) return;
    lines.push(`  by ${title}:`);
    for (const [k, n] of entries) lines.push(`    ${String(n).padStart(6)}  ${k}`);
  };
  section('receive count', r.byReceiveCount);
  section('platform', r.byPlatform);
  section('attribute', r.byAttribute);
  return lines.join('\n');
};

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
    out(
      values.json
        ? JSON.stringify(result)
        : `redrive (${result.method}) to ${mainUrl}: ${result.moved} moved` +
            (result.sentNotDeleted
              ? `, ${result.sentNotDeleted} sent but still on the DLQ (redrive again)`
              : '') +
            (result.failed ? `, ${result.failed} not sent (still on the DLQ)` : ''),
    );
    return result.failed > 0 ? 1 : 0;
  } finally {
    target.client.destroy();
  }
};

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      console.error(`dlq: ${message}`);
      process.exitCode = e instanceof DlqCliError ? 2 : 1;
    },
  );
}
