import type { StoredMetric } from '../../shared/metrics';
import type { ReportFigures } from './schemas';

/** Summed stored counters; views stays null until some item reported a views figure. */
export type Tally = Record<Exclude<StoredMetric, 'views'>, number> & { views: number | null };

export const emptyTally = (): Tally => ({ mentions: 0, likes: 0, shares: 0, comments: 0, views: null });

export const addTally = (into: Tally, add: Tally): Tally => {
  into.mentions += add.mentions;
  into.likes += add.likes;
  into.shares += add.shares;
  into.comments += add.comments;
  if (add.views !== null) into.views = (into.views ?? 0) + add.views;
  return into;
};

const numberOr = <T>(value: unknown, fallback: T): number | T =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** Reads the counter attributes of a rollup item; a missing counter is 0, a missing views is unknown. */
export const tallyOfItem = (item: Record<string, unknown>): Tally => ({
  mentions: numberOr(item.mentions, 0),
  likes: numberOr(item.likes, 0),
  shares: numberOr(item.shares, 0),
  comments: numberOr(item.comments, 0),
  views: numberOr(item.views, null),
});

export const figuresOf = (t: Tally): ReportFigures => ({
  mentions: t.mentions,
  likes: t.likes,
  shares: t.shares,
  comments: t.comments,
  views: t.views,
  engagement: t.likes + t.shares + t.comments,
});
