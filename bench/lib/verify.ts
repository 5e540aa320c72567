import { type RollupRow, type RollupTable, rowKey, withoutEmptyRows } from '../../test/support/oracle';
import type { RollupModel } from './model';

/** The bench's own model in the oracle's row form (total shards summed), for a side-by-side check. */
export const modelTable = (model: RollupModel): RollupTable => {
  const out: RollupTable = {};
  for (const item of model.items.values()) {
    const key = rowKey(item);
    const row: RollupRow = out[key] ?? {
      campaignId: item.campaignId,
      kind: item.kind,
      subject: item.subject,
      day: item.day,
      platform: item.platform,
      mentions: 0,
      likes: 0,
      shares: 0,
      comments: 0,
    };
    out[key] = row;
    row.mentions += item.figures.mentions;
    row.likes += item.figures.likes;
    row.shares += item.figures.shares;
    row.comments += item.figures.comments;
    if (item.viewsKnown > 0) row.views = (row.views ?? 0) + item.figures.views;
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
