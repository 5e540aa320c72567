import type { Metric } from '../../../shared/metrics';
import type { SeedRow } from './fixtures';

/** An independent reference model of the report figures, computed straight from the seed rows. */
export interface RefFigures {
  mentions: number;
  likes: number;
  shares: number;
  comments: number;
  views: number | null;
  engagement: number;
  reach: number | null;
  reachEngagement: number;
  engagementRate: number | null;
}

export const sumRows = (rows: readonly SeedRow[]): RefFigures => {
  const f: RefFigures = {
    mentions: 0,
    likes: 0,
    shares: 0,
    comments: 0,
    views: null,
    engagement: 0,
    reach: null,
    reachEngagement: 0,
    engagementRate: null,
  };
  for (const r of rows) {
    f.mentions += r.figures.mentions;
    f.likes += r.figures.likes;
    f.shares += r.figures.shares;
    f.comments += r.figures.comments;
    if (r.figures.views !== undefined) f.views = (f.views ?? 0) + r.figures.views;
    if (r.figures.reach !== undefined) f.reach = (f.reach ?? 0) + r.figures.reach;
    f.reachEngagement += r.figures.reachEngagement ?? 0;
  }
  f.engagement = f.likes + f.shares + f.comments;
  // Written from the definition, not with the product's helper: unknown when reach is unknown or 0.
  f.engagementRate = f.reach ? f.reachEngagement / f.reach : null;
  return f;
};

/** Expected ranking: metric descending, unknown (null) last, ties by id ascending. */
export const rankIds = (entries: { id: string; figures: RefFigures }[], metric: Metric): string[] =>
  [...entries]
    .sort((a, b) => {
      const av = a.figures[metric];
      const bv = b.figures[metric];
      if (av !== bv) {
        if (av === null) return 1;
        if (bv === null) return -1;
        return bv - av;
      }
      return a.id < b.id ? -1 : 1;
    })
    .map((e) => e.id);
