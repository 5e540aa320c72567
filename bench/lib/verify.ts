import {
  addFigures,
  type RollupRow,
  type RollupTable,
  rowKey,
  withoutEmptyRows,
  zeroFigures,
} from '../../test/support/oracle';
import type { WriteBoundModel } from './model';

/** The write-bound model's items in the oracle's row form (total shards summed), for a side-by-side check. */
export const modelTable = (model: WriteBoundModel): RollupTable => {
  const out: RollupTable = {};
  for (const item of model.items.values()) {
    const key = rowKey(item);
    const { campaignId, kind, subject, day, platform } = item;
    out[key] ??= { campaignId, kind, subject, day, platform, ...zeroFigures() };
    addFigures(out[key], { ...item, views: item.viewsKnown > 0 ? item.views : undefined });
  }
  return withoutEmptyRows(out);
};

export interface Comparison {
  expectedRows: number;
  actualRows: number;
  mismatches: { key: string; expected?: RollupRow; actual?: RollupRow }[];
}

const sameRow = (a: RollupRow, b: RollupRow) =>
  a.mentions === b.mentions &&
  a.likes === b.likes &&
  a.shares === b.shares &&
  a.comments === b.comments &&
  a.views === b.views;

export const compareTables = (expected: RollupTable, actual: RollupTable): Comparison => {
  const mismatches: Comparison['mismatches'] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const e = expected[key];
    const a = actual[key];
    if (!e || !a || !sameRow(e, a))
      mismatches.push({ key, ...(e ? { expected: e } : {}), ...(a ? { actual: a } : {}) });
  }
  return { expectedRows: Object.keys(expected).length, actualRows: Object.keys(actual).length, mismatches };
};
