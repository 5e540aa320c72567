import { z } from 'zod';

/** Counters a platform may report for a post. A counter the platform hides is absent (unknown), never 0. */
export const COUNTERS = ['likes', 'shares', 'comments', 'views'] as const;
export type CounterName = (typeof COUNTERS)[number];
export type Counters = Partial<Record<CounterName, number>>;

/**
 * Figures analysts see per day. engagement = likes + shares + comments; reach = followers of the authors of
 * the day's mentions (first seen); engagementRate = reachEngagement / reach over a range (shared/reach.ts).
 */
export const METRICS = [
  'mentions',
  'likes',
  'shares',
  'comments',
  'views',
  'engagement',
  'reach',
  'engagementRate',
] as const;
export const MetricSchema = z.enum(METRICS);
export type Metric = z.infer<typeof MetricSchema>;

/**
 * Stored figures: everything but engagement and engagementRate, which are derived. `reach` is stored only
 * once a post with a known follower count contributed (absent: unknown); `reachEngagement` is the
 * engagement of those reach-known posts only, the numerator of engagementRate.
 */
export const STORED_METRICS = [
  'mentions',
  'likes',
  'shares',
  'comments',
  'views',
  'reach',
  'reachEngagement',
] as const;
export type StoredMetric = (typeof STORED_METRICS)[number];
export type Figures = Record<StoredMetric, number>;

export const zeroFigures = (): Figures => ({
  mentions: 0,
  likes: 0,
  shares: 0,
  comments: 0,
  views: 0,
  reach: 0,
  reachEngagement: 0,
});

export const engagementOf = (f: Pick<Figures, 'likes' | 'shares' | 'comments'>): number =>
  f.likes + f.shares + f.comments;

export const addFigures = (into: Figures, add: Partial<Figures>): Figures => {
  for (const m of STORED_METRICS) into[m] += add[m] ?? 0;
  return into;
};

/** engagementRate = reachEngagement / reach (a ratio of sums); unknown (null) when reach is unknown or 0. */
export const engagementRateOf = (reachEngagement: number, reach: number | null): number | null =>
  reach === null || reach <= 0 ? null : reachEngagement / reach;
