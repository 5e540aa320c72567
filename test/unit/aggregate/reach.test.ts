import { describe, expect, it } from 'vitest';
import { buildCampaignIndex } from '../../../functions/aggregate/matching';
import { planPostUpdate } from '../../../functions/aggregate/planner';
import type { PostState } from '../../../functions/aggregate/post-state';
import { parseConfig } from '../../../shared/config';
import type { Observation } from '../../../shared/observation';
import { makeObservation } from '../../support/observations';

const index = buildCampaignIndex(
  parseConfig({
    campaigns: [
      {
        id: 'utc',
        name: 'UTC',
        hashtags: ['NextIdea'],
        start: '2026-03-01',
        kols: [{ id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'ada', userId: 'x-1' }] }],
      },
    ],
  }),
);
const options = { maxHistoryDays: 120 };
const obs = (observedAt: string, counters: Observation['counters'], followers?: number) =>
  makeObservation({
    postId: 'p',
    author: { id: 'x-1', handle: 'ada', ...(followers === undefined ? {} : { followers }) },
    publishedAt: '2026-03-05T15:30:00Z',
    observedAt,
    counters,
  });

const write = (current: PostState | undefined, observations: Observation[]): PostState => {
  const plan = planPostUpdate(current, observations, index, options);
  if (plan.kind !== 'write') throw new Error(`expected a write, got ${plan.kind}`);
  return plan.next;
};
/** The deltas on the KOL's day items, by sort key. */
const kolDeltas = (state: PostState) =>
  Object.fromEntries(
    (state.outbox?.changes ?? []).filter((c) => c.pk === 'C#utc#K#ada').map((c) => [c.sk, c.delta]),
  );

describe('Reach: planPostUpdate', () => {
  it('adds the follower count to reach on the mention day and engagement to reachEngagement', () => {
    const next = write(undefined, [obs('2026-03-05T16:30:00Z', { likes: 3, shares: 1, views: 9 }, 1_200)]);
    expect(next.author.followers).toBe(1_200);
    expect(kolDeltas(next)).toEqual({
      '2026-03-05#x': { mentions: 1, reach: 1_200, likes: 3, shares: 1, views: 9, reachEngagement: 4 },
    });
  });

  it('takes the earliest-observed count of the first batch and never changes it afterwards', () => {
    const first = write(undefined, [
      obs('2026-03-05T18:00:00Z', { likes: 5 }, 999),
      obs('2026-03-05T16:30:00Z', { likes: 3 }, 1_000),
    ]);
    expect(first.author.followers).toBe(1_000);
    const later = write(first, [obs('2026-03-06T10:00:00Z', { likes: 9, comments: 2 }, 50_000)]);
    expect(later.author.followers).toBe(1_000);
    // No reach change; the engagement keeps flowing into reachEngagement.
    expect(kolDeltas(later)).toEqual({ '2026-03-06#x': { likes: 4, comments: 2, reachEngagement: 6 } });
  });

  it('keeps a known count of 0 (reach 0 is known, unlike an absent count)', () => {
    const next = write(undefined, [obs('2026-03-05T16:30:00Z', { likes: 2 }, 0)]);
    expect(kolDeltas(next)).toEqual({
      '2026-03-05#x': { mentions: 1, reach: 0, likes: 2, reachEngagement: 2 },
    });
  });

  it('adds nothing to reach or reachEngagement when the count is unknown, even if a later snapshot has one', () => {
    const first = write(undefined, [obs('2026-03-05T16:30:00Z', { likes: 2 })]);
    expect(first.author.followers).toBeUndefined();
    expect(kolDeltas(first)).toEqual({ '2026-03-05#x': { mentions: 1, likes: 2 } });
    const later = write(first, [obs('2026-03-06T10:00:00Z', { likes: 5 }, 300)]);
    expect(later.author.followers).toBeUndefined();
    expect(kolDeltas(later)).toEqual({ '2026-03-06#x': { likes: 3 } });
  });

  it('writes no reachEngagement on a day whose engagement nets to 0', () => {
    const first = write(undefined, [obs('2026-03-05T16:30:00Z', { likes: 4, shares: 0 }, 10)]);
    const later = write(first, [obs('2026-03-06T10:00:00Z', { likes: 3, shares: 1, views: 5 }, 10)]);
    expect(kolDeltas(later)).toEqual({ '2026-03-06#x': { likes: -1, shares: 1, views: 5 } });
  });
});
