import { engagementOf } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import type { Day } from '../../shared/time';
import type { Delta } from './planner';

/**
 * Reach (docs/data-model.md, "Reach and engagement rate"): a post adds its author's follower count, fixed
 * when the post is first seen, to `reach` on its mention day, and, while that count is known, every net
 * likes + shares + comments change to `reachEngagement`, the numerator of engagementRate. A post whose
 * follower count is unknown adds to neither, so the ratio compares the same posts above and below.
 */

/**
 * The follower count when the post was first seen: that of its earliest-observed observation (input sorted
 * by observedAt), unknown when that one carries none, whatever later snapshots say.
 */
export const firstSeenFollowers = (sorted: readonly Observation[]): number | undefined =>
  sorted[0]?.author.followers;

/** The mention a new post adds on its publish day, with its reach when the follower count is known. */
export const mentionDelta = (followers: number | undefined): Delta =>
  followers === undefined ? { mentions: 1 } : { mentions: 1, reach: followers };

/** Adds `reachEngagement` (the day's net engagement change, when not 0) to each day's delta, in place. */
export const withReachEngagement = (deltas: Map<Day, Delta>): Map<Day, Delta> => {
  for (const delta of deltas.values()) {
    const engagement = engagementOf({
      likes: delta.likes ?? 0,
      shares: delta.shares ?? 0,
      comments: delta.comments ?? 0,
    });
    if (engagement !== 0) delta.reachEngagement = engagement;
  }
  return deltas;
};
