/**
 * Operator tool for quarantined rollup changes (writes DynamoDB rejected for good; docs/operations.md).
 *
 *   npm run quarantine -- list   (--local <data dir> | --stage <stage> [--endpoint <url>]) [--json]
 *   npm run quarantine -- replay (--local <data dir> | --stage <stage> [--endpoint <url>])
 *
 * `list` prints every quarantine record: post, revision, rollup item, delta, error. `replay` (after the
 * cause is fixed) applies each change exactly once to its item's bucket chain and deletes its record; a
 * change still rejected stays quarantined and is reported. With --local, stop the twin first: this tool
 * opens the data folder's dynalite itself.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { listQuarantine, replayQuarantined } from '../functions/aggregate/quarantine';
import { bucketOpenOf, DEFAULT_STORE_TUNING } from '../functions/aggregate/store';
import { startDynalite } from '../infra/local/engines';
import { LOCAL_PREFIX } from '../infra/local/function-env';
import { documentClientFor } from '../shared/aws';
import { physicalName, resourcePrefix, topology } from '../shared/topology';

export interface QuarantineTarget {
  doc: DynamoDBDocumentClient;
  tables: { state: string; rollups: string };
  close(): Promise<void>;
}

const tablesOf = (prefix: string) => ({
  state: physicalName(prefix, topology.tables.state.name),
  rollups: physicalName(prefix, topology.tables.rollups.name),
});

const openTarget = async ({
  local,
  stage,
  endpoint,
}: {
  local?: string;
  stage?: string;
  endpoint?: string;
}) => {
  if (local !== undefined && stage === undefined) {
    const dynamo = await startDynalite({ path: join(resolve(local), 'dynamodb') });
    return { doc: dynamo.doc, tables: tablesOf(LOCAL_PREFIX), close: dynamo.close };
  }
  if (stage === undefined || local !== undefined)
    throw new Error('give exactly one of --local <data dir> or --stage <stage>');
  const client = new DynamoDBClient(endpoint ? { endpoint } : {});
  return {
    doc: documentClientFor(client),
    tables: tablesOf(resourcePrefix(stage)),
    close: async () => client.destroy(),
  };
};

/** Replays every quarantined change; returns how many were applied and the ones still rejected. */
export const replayAll = async (target: Omit<QuarantineTarget, 'close'>, out: (line: string) => void) => {
  let replayed = 0;
  const stillFailing: string[] = [];
  for (const record of await listQuarantine(target.doc, target.tables.state)) {
    try {
      await replayQuarantined(target.doc, target.tables, record, bucketOpenOf(DEFAULT_STORE_TUNING));
      replayed++;
      out(`replayed ${record.sk}`);
    } catch (e) {
      stillFailing.push(record.sk);
      out(`still rejected ${record.sk}: ${(e as Error).message}`);
    }
  }
  return { replayed, stillFailing };
};

export const runQuarantineCli = async (argv: readonly string[], out = console.log): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      local: { type: 'string' },
      stage: { type: 'string' },
      endpoint: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  if (command !== 'list' && command !== 'replay')
    throw new Error('usage: quarantine list|replay --local <dir> | --stage <stage>');
  const target = await openTarget(values);
  try {
    if (command === 'replay') return (await replayAll(target, out)).stillFailing.length > 0 ? 1 : 0;
    const records = await listQuarantine(target.doc, target.tables.state);
    if (values.json) out(JSON.stringify(records, null, 2));
    else
      for (const r of records)
        out(
          `${r.quarantinedAt} ${r.platform} ${r.postId} rev ${r.rev} ${r.item.pk} ${r.item.sk} ${JSON.stringify(r.delta)} ${r.error}`,
        );
    out(`${records.length} quarantined change(s)`);
    return 0;
  } finally {
    await target.close();
  }
};

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  runQuarantineCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 2;
    },
  );
}
