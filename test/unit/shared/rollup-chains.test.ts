import { describe, expect, it } from 'vitest';
import { chainPositionOf, rollupFoldSk, visibleRollupItems } from '../../../shared/rollup-chains';

const row = (pk: string, sk: string) => ({ pk, sk });

describe('Module: rollup-chains', () => {
  it('reads a sort key as bucket 0, a bucket or a fold of its chain', () => {
    expect(chainPositionOf('2026-03-06#x#2')).toEqual({ chainSk: '2026-03-06#x#2', kind: 'bucket', n: 0 });
    expect(chainPositionOf('2026-03-06#x#2#b7')).toEqual({ chainSk: '2026-03-06#x#2', kind: 'bucket', n: 7 });
    expect(chainPositionOf(rollupFoldSk('2026-03-06', 12))).toEqual({
      chainSk: '2026-03-06',
      kind: 'fold',
      n: 12,
    });
  });

  it('keeps every bucket of a chain that has no fold', () => {
    const rows = [row('V', '2026-03-06'), row('V', '2026-03-06#b1'), row('V', '2026-03-06#b2')];
    expect(visibleRollupItems(rows)).toEqual(rows);
  });

  it('keeps the highest fold and the buckets after it, per chain, whatever the order and stage of a fold', () => {
    const rows = [
      row('T', '2026-03-06#x#0#b3'),
      row('T', '2026-03-06#x#0#f1'), // an older fold not yet retired
      row('T', '2026-03-06#x#0'),
      row('T', '2026-03-06#x#0#f2'),
      row('T', '2026-03-06#x#0#b2'), // folded, still in the index
      row('T', '2026-03-06#x#1'), // another chain, no fold
      row('U', '2026-03-06#x#0#b1'), // same sort key, another partition: another chain
    ];
    expect(visibleRollupItems(rows)).toEqual([
      row('T', '2026-03-06#x#0#b3'),
      row('T', '2026-03-06#x#0#f2'),
      row('T', '2026-03-06#x#1'),
      row('U', '2026-03-06#x#0#b1'),
    ]);
  });

  it('keeps rows without table keys (callers that do not project them get plain sums)', () => {
    const rows = [{ likes: 1 }, { pk: 'V', likes: 2 }];
    expect(visibleRollupItems(rows)).toEqual(rows);
  });

  it('tells chains apart by the attribute it is given (an index sort key) when rows come without pk', () => {
    const rows = [
      { gsi1sk: 'x#ada', sk: '2026-03-06#f000001' },
      { gsi1sk: 'x#ada', sk: '2026-03-06#b1' }, // folded into f1
      { gsi1sk: 'x#ada', sk: '2026-03-06#b2' },
      { gsi1sk: 'x#bob', sk: '2026-03-06' }, // same sort key, another voice: its own chain, no fold
      { gsi1sk: 'x#bob', sk: '2026-03-06#b1' },
    ];
    expect(visibleRollupItems(rows, 'gsi1sk')).toEqual([rows[0], rows[2], rows[3], rows[4]]);
    // Without the item's name every row would be one chain: bob's rows would count as folded.
    expect(visibleRollupItems(rows.map(({ sk }) => ({ pk: 'same', sk })))).toHaveLength(2);
  });
});
