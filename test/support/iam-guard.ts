import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableGrant } from '../../infra/constructs/pipeline-table';
import { tableGrantsOf } from '../../infra/stacks/table-grants';
import type { Platform } from '../../shared/platform';
import type { FunctionId, TableId } from '../../shared/topology';

/**
 * The function's IAM table grants (infra/stacks/table-grants.ts), enforced on its DynamoDB client in tests:
 * a call the deployed role would be denied throws AccessDeniedException here too. So code that starts
 * writing a new key prefix (say, quarantine records) cannot pass its tests while AWS would refuse it.
 */

const ACTION_OF: Record<string, string> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
};

type Input = {
  TableName?: string;
  IndexName?: string;
  Key?: Record<string, unknown>;
  Item?: Record<string, unknown>;
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
  RequestItems?: Record<string, unknown[] | { Keys?: Record<string, unknown>[] }>;
};

interface Call {
  action: string;
  table: string;
  index: string | undefined;
  keys: string[];
}

/** The partition key a Query names: the value compared with `=` to pk (or gsi1pk on an index). */
const queriedKey = (input: Input): string[] => {
  const partition = input.IndexName ? 'gsi1pk' : 'pk';
  const names = input.ExpressionAttributeNames ?? {};
  for (const clause of (input.KeyConditionExpression ?? '').split(/\s+AND\s+/i)) {
    const match = /^\s*(#?\w+)\s*=\s*(:\w+)\s*$/.exec(clause);
    const name = match?.[1];
    if (name && (names[name] ?? name) === partition)
      return [String(input.ExpressionAttributeValues?.[match?.[2] ?? ''])];
  }
  return [];
};

const callsOf = (command: string, input: Input): Call[] => {
  const action = ACTION_OF[command];
  if (!action) return [];
  if (input.RequestItems)
    return Object.entries(input.RequestItems).map(([table, request]) => {
      const items = Array.isArray(request)
        ? request.map((r) => {
            const entry = r as {
              PutRequest?: { Item: Input['Item'] };
              DeleteRequest?: { Key: Input['Key'] };
            };
            return entry.PutRequest?.Item ?? entry.DeleteRequest?.Key ?? {};
          })
        : (request.Keys ?? []);
      return { action, table, index: undefined, keys: items.map((k) => String(k?.pk)) };
    });
  const keys = action === 'Query' ? queriedKey(input) : [String((input.Key ?? input.Item)?.pk)];
  return [{ action, table: input.TableName ?? '', index: input.IndexName, keys }];
};

const likePattern = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );

const allows = (grant: TableGrant, call: Call): boolean =>
  grant.actions.includes(call.action as TableGrant['actions'][number]) &&
  grant.index === call.index &&
  (grant.leadingKeys === undefined ||
    call.keys.every((key) => grant.leadingKeys?.some((p) => likePattern(p).test(key))));

export class AccessDeniedError extends Error {
  override name = 'AccessDeniedException';
}

/** A client that refuses, like IAM would, every call `fn`'s role is not granted on these tables. */
export const withGrantsOf = (
  doc: DynamoDBDocumentClient,
  fn: FunctionId,
  tables: Partial<Record<TableId, string>>,
  platform?: Platform,
): DynamoDBDocumentClient => {
  const grants = tableGrantsOf(fn, platform);
  const tableIdOf = new Map(Object.entries(tables).map(([id, name]) => [name, id as TableId]));
  return new Proxy(doc, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: { constructor: { name: string }; input: Input }, ...rest: unknown[]) => {
        for (const call of callsOf(command.constructor.name, command.input)) {
          const tableId = tableIdOf.get(call.table);
          const granted = tableId ? (grants[tableId] ?? []) : [];
          if (!granted.some((g) => allows(g, call)))
            throw new AccessDeniedError(
              `${fn} is not granted dynamodb:${call.action} on ${tableId ?? call.table}${call.index ? `/index/${call.index}` : ''} for keys ${call.keys.join(', ')}`,
            );
        }
        return (target.send as (c: unknown, ...r: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
};
