const DATE_KEYS = new Set([
  'created_at',
  'createdAt',
  'publishedAt',
  'created_utc',
  'timestamp',
  'indexedAt',
]);

const firstItemList = (value: unknown, depth = 0): Record<string, unknown>[] | undefined => {
  if (depth > 4 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value))
    return value.length > 0 && typeof value[0] === 'object' && value[0] !== null
      ? (value as Record<string, unknown>[])
      : undefined;
  for (const child of Object.values(value)) {
    const found = firstItemList(child, depth + 1);
    if (found) return found;
  }
  return undefined;
};

const dropDates = (item: Record<string, unknown>, depth = 0): void => {
  if (depth > 4) return;
  for (const [key, child] of Object.entries(item)) {
    if (DATE_KEYS.has(key)) delete item[key];
    else if (child !== null && typeof child === 'object' && !Array.isArray(child))
      dropDates(child as Record<string, unknown>, depth + 1);
  }
};

/**
 * A fault for the demo server: the first item of a page loses its dates, so the adapter must reject that
 * item (a reject record) and still deliver the rest of the page. A later page or refresh serves it whole.
 */
export const breakFirstItem = (body: unknown): unknown => {
  const copy: unknown = structuredClone(body);
  const items = firstItemList(copy);
  const first = items?.[0];
  if (first) dropDates(first);
  return copy;
};
