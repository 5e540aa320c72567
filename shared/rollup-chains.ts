/**
 * Which rows of a rollup bucket chain a reader sums (docs/data-model.md, "Folding closed buckets"). A logical
 * rollup item is its buckets (`{sk}`, `{sk}#b{n}`) and, once buckets have closed, fold rows `{sk}#f{n}`
 * holding the sum of buckets 0..n. A reader keeps, per chain, the fold with the highest n and the buckets
 * after it; older folds and folded buckets are left out, so a row is never counted twice whatever stage
 * of a fold it reads.
 */

const SUFFIX = /#([bf])(\d+)$/;

export interface ChainPosition {
  /** The logical item's sort key (the chain). */
  chainSk: string;
  kind: 'bucket' | 'fold';
  /** Bucket number, or the last bucket a fold holds. */
  n: number;
}

export const chainPositionOf = (sk: string): ChainPosition => {
  const match = SUFFIX.exec(sk);
  if (!match) return { chainSk: sk, kind: 'bucket', n: 0 };
  return {
    chainSk: sk.slice(0, match.index),
    kind: match[1] === 'f' ? 'fold' : 'bucket',
    n: Number(match[2]),
  };
};

/** Zero-padded, so the latest fold of a chain sorts last (a descending Query with Limit finds it). */
export const rollupFoldSk = (chainSk: string, throughBucket: number): string =>
  `${chainSk}#f${String(throughBucket).padStart(6, '0')}`;

/**
 * The rows of `items` (each with its sort key `sk` and the attribute naming its logical item, `itemKey`)
 * a reader sums; rows without them are kept. `itemKey` is the table's `pk` by default; an index Query whose
 * partition holds one logical item per index sort key may name the item by that key instead, and so need
 * not fetch `pk` with every row.
 */
export const visibleRollupItems = <T extends Record<string, unknown>>(
  items: readonly T[],
  itemKey = 'pk',
): T[] => {
  // Most Queries meet no fold at all: every row is then visible and no chain needs a name.
  if (!items.some((item) => typeof item.sk === 'string' && chainPositionOf(item.sk).kind === 'fold'))
    return [...items];
  const lastFold = new Map<string, number>();
  const positions = items.map((item) => {
    const owner = item[itemKey];
    if (typeof owner !== 'string' || typeof item.sk !== 'string') return undefined;
    const position = chainPositionOf(item.sk);
    const chain = `${owner}\u0000${position.chainSk}`;
    if (position.kind === 'fold') lastFold.set(chain, Math.max(lastFold.get(chain) ?? -1, position.n));
    return { chain, position };
  });
  return items.filter((_, i) => {
    const at = positions[i];
    if (!at) return true;
    const fold = lastFold.get(at.chain);
    if (fold === undefined) return true;
    return at.position.kind === 'fold' ? at.position.n === fold : at.position.n > fold;
  });
};
