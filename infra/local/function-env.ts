import type { Platform } from '../../shared/platform';
import { ENV, type FunctionId, resourcePrefix, type TableId, topology } from '../../shared/topology';
import type { QueueUrls, TableNames } from './engines';

/** The twin's stage. Physical names follow the deployed form `kol-pulse-<stage>-<name>`. */
export const LOCAL_STAGE = 'local';
export const LOCAL_PREFIX = resourcePrefix(LOCAL_STAGE);

const TABLE_ENV: Record<TableId, string> = { state: ENV.stateTable, rollups: ENV.rollupsTable };
const QUEUE_URL_ENV: Record<'events', string> = { events: ENV.eventsQueueUrl };

export interface LocalResources {
  tables: TableNames;
  queues: QueueUrls;
  /** Absolute path of the campaign configuration (in AWS: the copy bundled with each function). */
  campaignsFile: string;
  /** NDJSON file standing in for the campaign event bus (EVENTS_FILE; docs/events.md). */
  eventsFile?: string;
}

export interface PollTarget {
  platform: Platform;
  /** The demo platform server, or a real base URL from the command line; absent = the config's or default. */
  baseUrl?: string;
  /** Local stand-in for PLATFORM_SECRET_ARN. */
  credentialsFile?: string;
}

/** `kol-pulse-local-poll-x`, `kol-pulse-local-aggregate`: the names the CDK stack gives the functions. */
export const localFunctionName = (fn: FunctionId, platform?: Platform) =>
  `${LOCAL_PREFIX}-${fn}${platform ? `-${platform}` : ''}`;

/**
 * A function's environment, derived from the topology exactly as the CDK stack derives it: every table
 * the function's spec names binds its name variable, `sendsTo` binds the queue URL, and every function gets
 * the stage and the campaigns file. Poll functions add PLATFORM; locally the secret ARN is replaced by an
 * optional credentials file and the base URL may point at the demo platform server.
 */
export const functionEnv = (
  fn: FunctionId,
  resources: LocalResources,
  poll?: PollTarget,
): Record<string, string> => {
  const spec = topology.functions[fn];
  const env: Record<string, string> = {
    [ENV.stage]: LOCAL_STAGE,
    [ENV.campaignsFile]: resources.campaignsFile,
    POWERTOOLS_SERVICE_NAME: localFunctionName(fn, poll?.platform),
    POWERTOOLS_METRICS_NAMESPACE: 'KolPulse',
  };
  for (const tableId of Object.keys(spec.tables) as TableId[])
    env[TABLE_ENV[tableId]] = resources.tables[tableId];
  if ('sendsTo' in spec) env[QUEUE_URL_ENV[spec.sendsTo]] = resources.queues[spec.sendsTo];
  if (fn !== 'report' && resources.eventsFile) env[ENV.eventsFile] = resources.eventsFile;
  if (fn === 'poll') {
    if (!poll) throw new Error('a poll function needs its platform');
    env[ENV.platform] = poll.platform;
    if (poll.baseUrl) env[ENV.platformBaseUrl] = poll.baseUrl;
    if (poll.credentialsFile) env[ENV.platformCredentialsFile] = poll.credentialsFile;
  }
  return env;
};
