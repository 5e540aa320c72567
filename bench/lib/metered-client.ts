import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TableSpec } from '../../shared/topology';
import { itemSize, writeUnitsFor } from './item-size';

/**
 * Wraps a document client to count what a function asks of DynamoDB, without changing what it does.
 * - `count` mode: write and read requests per command and item; read units as DynamoDB reports them
 *   (ReturnConsumedCapacity is added to read commands that do not ask for it; dynalite computes it by
 *   DynamoDB's rules).
 * - `exact` mode (sequential callers only, and nothing else may write the tables): also reads each written
 *   item after the write (and before a key's first write) with the unwrapped client, uncounted, and
 *   computes the write units by DynamoDB's rules: table units from the larger of the two images, plus one
 *   index write per GSI entry inserted, deleted or changed (two when the index key changes), and the item's
 *   size for a write whose condition failed. Dynalite's own ConsumedCapacity leaves out index writes and
 *   failed conditions, so it cannot be used for this.
 */

export type MeterMode = 'count' | 'exact';

export interface DynamoMeter {
  /** API calls by command name. */
  calls: Record<string, number>;
  /** Items written (a BatchWrite of 25 puts is 25 write requests), conditional failures included. */
  writeRequests: number;
  /** Items written per table name. */
  writesByTable: Record<string, number>;
  conditionalFailures: number;
  /** exact mode only. */
  tableWriteUnits: number;
  indexWriteUnits: number;
  readRequests: number;
  readUnits: number;
  /** Read units by `table:Operation consistency` (e.g. `state:BatchGet strong`), as bench/lib/read-model.ts counts them. */
  readUnitsByOperation: Record<string, number>;
  /** Items the reads returned (every page's Items), whatever their size. */
  readItems: number;
  /** Writes the exact mode could not image (low-level commands): their units are not in the totals. */
  unmeteredWrites: number;
  /** Wall time (ms) during which at least one call was in flight: time spent waiting on the database. */
  busyMs: number;
}

export const emptyMeter = (): DynamoMeter => ({
  calls: {},
  writeRequests: 0,
  writesByTable: {},
  conditionalFailures: 0,
  tableWriteUnits: 0,
  indexWriteUnits: 0,
  readRequests: 0,
  readUnits: 0,
  readUnitsByOperation: {},
  readItems: 0,
  unmeteredWrites: 0,
  busyMs: 0,
});

export const writeUnitsOf = (m: DynamoMeter) => m.tableWriteUnits + m.indexWriteUnits;

type Item = Record<string, unknown>;

interface WriteTarget {
  tableName: string;
  key: Item;
}

interface Command {
  readonly input: unknown;
}

const WRITE_COMMANDS = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand']);
const LOW_LEVEL_WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);
const READ_COMMANDS = new Set(['GetCommand', 'QueryCommand', 'ScanCommand', 'BatchGetCommand']);

interface ConsumedCapacityLike {
  CapacityUnits?: number;
}

const capacityOf = (output: unknown): number => {
  const consumed = (output as { ConsumedCapacity?: ConsumedCapacityLike | ConsumedCapacityLike[] })
    ?.ConsumedCapacity;
  if (!consumed) return 0;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  return list.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
};

const itemsOf = (output: unknown): number => {
  const out = output as { Items?: unknown[]; Item?: unknown; Responses?: Record<string, unknown[]> };
  if (out?.Items) return out.Items.length;
  if (out?.Responses) return Object.values(out.Responses).reduce((n, items) => n + items.length, 0);
  return out?.Item ? 1 : 0;
};

/** `table:Operation consistency` of a read command, the table named by its spec when known. */
const readOperationOf = (name: string, input: Item, tables: ReadonlyMap<string, TableSpec>): string => {
  const requests = input.RequestItems as Record<string, { ConsistentRead?: boolean }> | undefined;
  const [tableName, request] = requests
    ? (Object.entries(requests)[0] ?? ['', {}])
    : [input.TableName, input];
  const table = tables.get(String(tableName))?.name ?? String(tableName);
  return `${table}:${name.replace(/Command$/, '')} ${request.ConsistentRead ? 'strong' : 'eventual'}`;
};

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** One index entry's write units, with the index partition it lands in. */
export interface IndexWrite {
  indexName: string;
  partition: string;
  units: number;
}

/** Index writes for one item write, by DynamoDB's rules for global secondary indexes. */
export const indexWritesOf = (
  spec: TableSpec,
  before: Item | undefined,
  after: Item | undefined,
): IndexWrite[] => {
  const out: IndexWrite[] = [];
  for (const index of spec.globalIndexes) {
    const entry = (item: Item | undefined): Item | undefined => {
      if (!item || item[index.partitionKey] === undefined || item[index.sortKey] === undefined)
        return undefined;
      const names = [spec.partitionKey, spec.sortKey, index.partitionKey, index.sortKey];
      if (index.projection !== 'KEYS_ONLY') names.push(...index.projection);
      const out: Item = {};
      for (const n of names) if (item[n] !== undefined) out[n] = item[n];
      return out;
    };
    const write = (e: Item) =>
      out.push({
        indexName: index.indexName,
        partition: String(e[index.partitionKey]),
        units: writeUnitsFor(itemSize(e)),
      });
    const was = entry(before);
    const now = entry(after);
    if (!was && now) write(now);
    else if (was && !now) write(was);
    else if (was && now) {
      const keyChanged =
        !sameValue(was[index.partitionKey], now[index.partitionKey]) ||
        !sameValue(was[index.sortKey], now[index.sortKey]);
      if (keyChanged) {
        write(was);
        write(now);
      } else if (!sameValue(was, now)) write(now);
    }
  }
  return out;
};

/** Index write units for one item write, by DynamoDB's rules for global secondary indexes. */
export const indexWriteUnits = (spec: TableSpec, before: Item | undefined, after: Item | undefined): number =>
  indexWritesOf(spec, before, after).reduce((n, w) => n + w.units, 0);

/** One metered item write (exact mode), for callers that attribute write units to keys or partitions. */
export interface ItemWrite {
  tableName: string;
  key: Item;
  /** Base-table write units (a failed condition: the item's size). */
  tableUnits: number;
  indexWrites: IndexWrite[];
  conditionFailed: boolean;
}

export interface MeteredClient {
  client: DynamoDBDocumentClient;
  meter: DynamoMeter;
  reset(): void;
}

export const meterDocumentClient = (
  doc: DynamoDBDocumentClient,
  options: {
    mode: MeterMode;
    tables: ReadonlyMap<string, TableSpec>;
    /** exact mode: called once per item written, with its units. */
    onWrite?: (write: ItemWrite) => void;
  },
): MeteredClient => {
  const state = { meter: emptyMeter(), inFlight: 0, busySince: 0 };
  const rawSend = doc.send.bind(doc) as (command: Command, ...rest: unknown[]) => Promise<unknown>;
  const send = async (command: Command, ...rest: unknown[]): Promise<unknown> => {
    if (state.inFlight++ === 0) state.busySince = performance.now();
    try {
      return await rawSend(command, ...rest);
    } finally {
      if (--state.inFlight === 0) state.meter.busyMs += performance.now() - state.busySince;
    }
  };

  const readItem = async (t: WriteTarget): Promise<Item | undefined> => {
    const out = (await send(
      new GetCommand({ TableName: t.tableName, Key: t.key, ConsistentRead: true }),
    )) as {
      Item?: Item;
    };
    return out.Item;
  };

  /** Latest known image of every item written so far (undefined: the item does not exist). */
  const shadow = new Map<string, Item | undefined>();
  const imageKey = (t: WriteTarget) => `${t.tableName}\u0000${JSON.stringify(t.key)}`;

  const targetsOf = (name: string, input: Item): WriteTarget[] => {
    if (name === 'BatchWriteCommand') {
      const out: WriteTarget[] = [];
      const requests = (input.RequestItems ?? {}) as Record<
        string,
        { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
      >;
      for (const [tableName, list] of Object.entries(requests)) {
        const spec = options.tables.get(tableName);
        for (const r of list) {
          const item = r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? {};
          const key: Item = spec
            ? { [spec.partitionKey]: item[spec.partitionKey], [spec.sortKey]: item[spec.sortKey] }
            : item;
          out.push({ tableName, key });
        }
      }
      return out;
    }
    const tableName = String(input.TableName ?? '');
    const spec = options.tables.get(tableName);
    const source = (name === 'PutCommand' ? input.Item : input.Key) as Item | undefined;
    if (!source) return [];
    const key: Item = spec
      ? { [spec.partitionKey]: source[spec.partitionKey], [spec.sortKey]: source[spec.sortKey] }
      : source;
    return [{ tableName, key }];
  };

  const meteredSend = async (command: Command, ...rest: unknown[]): Promise<unknown> => {
    const meter = state.meter;
    const name = command.constructor.name;
    meter.calls[name] = (meter.calls[name] ?? 0) + 1;
    const input = command.input as Item;

    if (READ_COMMANDS.has(name)) {
      if (input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
      const output = await send(command, ...rest);
      meter.readRequests += 1;
      const units = capacityOf(output);
      meter.readUnits += units;
      const operation = readOperationOf(name, input, options.tables);
      meter.readUnitsByOperation[operation] = (meter.readUnitsByOperation[operation] ?? 0) + units;
      meter.readItems += itemsOf(output);
      return output;
    }

    const isWrite = WRITE_COMMANDS.has(name) || name === 'BatchWriteCommand';
    if (!isWrite) {
      if (LOW_LEVEL_WRITES.has(name)) meter.unmeteredWrites += 1;
      if (name === 'TransactWriteCommand') {
        const items = (input.TransactItems as unknown[] | undefined)?.length ?? 0;
        meter.writeRequests += items;
        meter.unmeteredWrites += items;
      }
      return send(command, ...rest);
    }

    const targets = targetsOf(name, input);
    meter.writeRequests += targets.length;
    for (const t of targets) meter.writesByTable[t.tableName] = (meter.writesByTable[t.tableName] ?? 0) + 1;
    if (options.mode === 'count') return send(command, ...rest);

    // The image after a write is the image before the next write of the same key: only a key's first
    // write needs a read beforehand.
    const before = await Promise.all(
      targets.map((t) => {
        const id = imageKey(t);
        return shadow.has(id) ? shadow.get(id) : readItem(t);
      }),
    );
    let outcome: 'ok' | 'conditionFailed' | 'error' = 'ok';
    try {
      return await send(command, ...rest);
    } catch (e) {
      outcome = (e as Error).name === 'ConditionalCheckFailedException' ? 'conditionFailed' : 'error';
      throw e;
    } finally {
      if (outcome === 'conditionFailed') {
        // A failed condition still costs the write units of the item as it is.
        meter.conditionalFailures += 1;
        const tableUnits = writeUnitsFor(itemSize(before[0]));
        meter.tableWriteUnits += tableUnits;
        const target = targets[0];
        if (target) options.onWrite?.({ ...target, tableUnits, indexWrites: [], conditionFailed: true });
      } else if (outcome === 'ok') {
        const after = await Promise.all(targets.map(readItem));
        targets.forEach((t, i) => {
          const was = before[i];
          const now = after[i];
          shadow.set(imageKey(t), now);
          const tableUnits = writeUnitsFor(Math.max(itemSize(was), itemSize(now)));
          meter.tableWriteUnits += tableUnits;
          const spec = options.tables.get(t.tableName);
          const indexWrites = spec ? indexWritesOf(spec, was, now) : [];
          for (const w of indexWrites) meter.indexWriteUnits += w.units;
          options.onWrite?.({ ...t, tableUnits, indexWrites, conditionFailed: false });
        });
      }
    }
  };

  const client = new Proxy(doc, {
    get(target, property, receiver) {
      if (property === 'send') return meteredSend;
      return Reflect.get(target, property, receiver);
    },
  });
  return {
    client,
    get meter() {
      return state.meter;
    },
    reset: () => {
      state.meter = emptyMeter();
    },
  };
};
