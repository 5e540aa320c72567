import { engagementRateOf, type StoredMetric } from '../../shared/metrics';
import type { ReportFigures } from './schemas';

/** Summed stored counters; views and reach stay null until some item reported a views or reach figure. */
export type Tally = Record<Exclude<StoredMetric, 'views' | 'reach'>, number> & {
  views: number | null;
  reach: number | null;
};

export const emptyTally = (): Tally => ({
  mentions: 0,
  likes: 0,
  shares: 0,
  comments: 0,
  views: null,
  reach: null,
  reachEngagement: 0,
});

export const addTally = (into: Tally, add: Tally): Tally => {
  into.mentions += add.mentions;
  into.likes += add.likes;
  into.shares += add.shares;
  into.comments += add.comments;
  if (add.views !== null) into.views = (into.views ?? 0) + add.views;
  if (add.reach !== null) into.reach = (into.reach ?? 0) + add.reach;
  into.reachEngagement += add.reachEngagement;
  return into;
};

const numberOr = <T>(value: unknown, fallback: T): number | T =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** Reads the counter attributes of a rollup item; a missing counter is 0, a missing views or reach unknown. */
export const tallyOfItem = (item: Record<string, unknown>): Tally => ({
  mentions: numberOr(item.mentions, 0),
  likes: numberOr(item.likes, 0),
  shares: numberOr(item.shares, 0),
  comments: numberOr(item.comments, 0),
  views: numberOr(item.views, null),
  reach: numberOr(item.reach, null),
  reachEngagement: numberOr(item.reachEngagement, 0),
});

export const figuresOf = (t: Tally): ReportFigures => ({
  mentions: t.mentions,
  likes: t.likes,
  shares: t.shares,
  comments: t.comments,
  views: t.views,
  engagement: t.likes + t.shares + t.comments,
  reach: t.reach,
  reachEngagement: t.reachEngagement,
  engagementRate: engagementRateOf(t.reachEngagement, t.reach),
});
