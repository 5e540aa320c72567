import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

/**
 * DynamoDB item size, by the rules in the developer guide ("Item sizes and formats"): attribute names and
 * string values count their UTF-8 bytes; a number about 1 byte per two significant digits plus 1; binary its
 * bytes; null and booleans 1; lists and maps 3 bytes plus 1 per element plus the elements; sets their members.
 * Values are the document client's JavaScript forms (unmarshalled).
 */
export const valueSize = (value: unknown): number => {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(String(value));
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let n = 0;
    for (const member of value) n += valueSize(member);
    return n;
  }
  if (Array.isArray(value)) return 3 + value.reduce<number>((n, v) => n + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    // NumberValue (wrapNumbers) carries its digits in `value`.
    const maybeNumber = value as { value?: unknown };
    if (
      typeof maybeNumber.value === 'string' &&
      Object.keys(value).length === 1 &&
      /^-?[\d.eE+-]+$/.test(maybeNumber.value)
    )
      return numberSize(maybeNumber.value);
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return 3 + entries.reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k, 'utf8') + valueSize(v), 0);
  }
  return 0;
};

const numberSize = (text: string): number => {
  const negative = text.startsWith('-');
  const [mantissa = '0'] = text.replace(/^-/, '').toLowerCase().split('e');
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length === 0) return 1;
  return 1 + Math.ceil(digits.length / 2) + (negative ? 1 : 0);
};

export const itemSize = (item: Record<string, unknown> | undefined): number => {
  if (!item) return 0;
  let n = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    n += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return n;
};

/** Write units of a standard write: 1 per KB (rounded up) of the larger of the item before and after, at least 1. */
export const writeUnitsFor = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

/** Rollup item sizes at the end of a run: per-post markers make items, and so writes and reads, grow. */
export interface ItemSizeStats {
  items: number;
  byKind: Record<
    string,
    {
      items: number;
      averageBytes: number;
      maxBytes: number;
      maxMarkers: number;
      /** Bytes of per-post marker attributes on the largest item. */
      largestItemMarkerBytes: number;
    }
  >;
}

const MARKER_PREFIX_PATTERN = /^m_/;

/** Item sizes of a whole table by kind (the item's `kind`, else its partition key's prefix). */
export const tableItemSizes = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<ItemSizeStats> => {
  const byKind: ItemSizeStats['byKind'] = {};
  let items = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      items++;
      const kind = String(item.kind ?? String(item.pk ?? 'unknown').split('#')[0]);
      const entry = byKind[kind] ?? {
        items: 0,
        averageBytes: 0,
        maxBytes: 0,
        maxMarkers: 0,
        largestItemMarkerBytes: 0,
      };
      byKind[kind] = entry;
      const bytes = itemSize(item);
      entry.averageBytes = (entry.averageBytes * entry.items + bytes) / (entry.items + 1);
      entry.items++;
      if (bytes > entry.maxBytes) {
        entry.maxBytes = bytes;
        entry.largestItemMarkerBytes = itemSize(
          Object.fromEntries(Object.entries(item).filter(([k]) => MARKER_PREFIX_PATTERN.test(k))),
        );
      }
      entry.maxMarkers = Math.max(
        entry.maxMarkers,
        Object.keys(item).filter((k) => MARKER_PREFIX_PATTERN.test(k)).length,
      );
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { items, byKind };
};
