import { DIRECT_RESPONSE_LEADING_KEYS } from '../../shared/direct-response-keys';
import { QUARANTINE_PARTITION } from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import { type FunctionId, type TableId, topology } from '../../shared/topology';
import type { TableGrant } from '../constructs/pipeline-table';

/** Each function's DynamoDB access: per table, the statements its role holds. */
export type TableGrants = Partial<Record<TableId, readonly TableGrant[]>>;

const TRACK_INDEX = topology.tables.state.globalIndexes[0].indexName;
const BY_DAY_INDEX = topology.tables.rollups.globalIndexes[0].indexName;

/** Reject items (`REJECT#{UTC day}`, shared/keys rejectKey): written by the poller and the aggregate alike. */
const REJECT_KEYS = 'REJECT#*';

/**
 * Exactly the DynamoDB calls each function's code makes, on the partition keys it owns (shared/keys.ts).
 * The poller parses untrusted platform data, so it may touch only its own platform's cursor item
 * (functions/poll/cursors.ts: GetItem, PutItem), reject items (rejects.ts: BatchWriteItem) and its own
 * platform's `byTrackDay` partitions (tracked.ts: Query); a compromised poller cannot forge a post state
 * whose outbox the aggregate would apply. The aggregate owns post states (store.ts: BatchGetItem,
 * UpdateItem), writes rejects and quarantine records (BatchWriteItem) and all rollups (BatchGetItem, GetItem,
 * UpdateItem). The report Queries, and puts direct-response event claims and rows (PutItem on those keys only). Replaying quarantined changes is an operator's job (scripts/).
 */
const GRANTS: Record<FunctionId, (platform: Platform | undefined) => TableGrants> = {
  poll: (platform) => {
    if (!platform) throw new Error('a poll function serves one platform; none given');
    return {
      state: [
        { actions: ['GetItem', 'PutItem'], leadingKeys: [`CURSOR#${platform}`] },
        { actions: ['BatchWriteItem'], leadingKeys: [REJECT_KEYS] },
        { actions: ['Query'], index: TRACK_INDEX, leadingKeys: [`TRACK#${platform}#*`] },
        // Budget ledger (functions/poll/budget-ledger.ts) and packed post records (post-record-store.ts).
        { actions: ['BatchGetItem', 'UpdateItem', 'PutItem'], leadingKeys: [`BUDGET#${platform}`] },
        { actions: ['Query', 'UpdateItem'], leadingKeys: [`PREC#${platform}#*`] },
      ],
    };
  },
  aggregate: () => ({
    state: [
      { actions: ['BatchGetItem', 'UpdateItem'], leadingKeys: ['POST#*'] },
      { actions: ['BatchWriteItem'], leadingKeys: [REJECT_KEYS, QUARANTINE_PARTITION] },
    ],
    rollups: [
      // Query: the figures behind campaign events (batch-events.ts); PutItem: spike records only.
      { actions: ['BatchGetItem', 'GetItem', 'UpdateItem', 'Query'] },
      { actions: ['PutItem'], leadingKeys: ['C#*#EV'] },
    ],
  }),
  report: () => ({
    rollups: [
      { actions: ['Query'] },
      { actions: ['Query'], index: BY_DAY_INDEX },
      // Direct-response ingest (functions/report/direct-response/store.ts): event claims and rows only.
      { actions: ['PutItem'], leadingKeys: [...DIRECT_RESPONSE_LEADING_KEYS] },
    ],
    // GET /budgets: the pollers' ledger summaries only (functions/report/budgets.ts)
    state: [{ actions: ['BatchGetItem'], leadingKeys: ['BUDGET#*'] }],
  }),
};

/**
 * The function's table grants; they must cover exactly the tables its topology entry binds, so no function
 * learns a table's name without access or holds access to a table it is not told about.
 */
export const tableGrantsOf = (fnId: FunctionId, platform?: Platform): TableGrants => {
  const grants = GRANTS[fnId](platform);
  const granted = Object.keys(grants).sort().join();
  const bound = Object.keys(topology.functions[fnId].tables).sort().join();
  if (granted !== bound)
    throw new Error(`function ${fnId}: grants name tables [${granted}] but the topology binds [${bound}]`);
  return grants;
};
