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
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from './dlq/cli';
import { DlqCliError } from './dlq/target';

export { runCli, USAGE } from './dlq/cli';
export { classifyBody, type DlqReport, formatReport, inspectDlq } from './dlq/inspect';
export {
  type ManualRedriveOptions,
  REDRIVE_COUNT_ATTRIBUTE,
  type RedriveResult,
  redrive,
  redriveManually,
  redriveWithMoveTask,
} from './dlq/redrive';
export { type CliTarget, DlqCliError, findSourceQueue, resolveTarget } from './dlq/target';

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
