import { describe, expect, it } from 'vitest';
import { buildCampaignIndex } from '../../../functions/aggregate/matching';
import { planPostUpdate } from '../../../functions/aggregate/planner';
import type { PostState } from '../../../functions/aggregate/post-state';
import { parseConfig } from '../../../shared/config';
import { totalDayKey, totalShardOf } from '../../../shared/keys';
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
      { id: 'sh', name: 'Shanghai', hashtags: ['NextIdea'], timeZone: 'Asia/Shanghai', start: '2026-03-01' },
    ],
  }),
);
const options = { maxHistoryDays: 120 };
const obs = (observedAt: string, counters: Observation['counters']) =>
  makeObservation({
    postId: 'p',
    author: { id: 'x-1', handle: 'ada' },
    publishedAt: '2026-03-05T15:30:00Z',
    observedAt,
    counters,
  });

const write = (current: PostState | undefined, observations: Observation[]): PostState => {
  const plan = planPostUpdate(current, observations, index, options);
  if (plan.kind !== 'write') throw new Error(`expected a write, got ${plan.kind}`);
  return plan.next;
};

describe('Function: planPostUpdate', () => {
  it('counts a new post once per campaign on its publish day in each zone, with its first counters', () => {
    const next = write(undefined, [obs('2026-03-05T16:30:00Z', { likes: 3 })]);
    expect(next.rev).toBe(1);
    expect(next.outbox?.rev).toBe(1);
    const changes = next.outbox?.changes.map((c) => [c.pk, c.sk, c.delta]);
    const shard = totalShardOf('x', 'p');
    expect(changes).toEqual([
      // Shanghai: published 23:30 on 03-05, observed 00:30 on 03-06.
      ['C#sh#V#x#x-1', '2026-03-05', { mentions: 1 }],
      [totalDayKey('sh', '2026-03-05', 'x', shard).pk, `2026-03-05#x#${shard}`, { mentions: 1 }],
      ['C#sh#V#x#x-1', '2026-03-06', { likes: 3 }],
      [totalDayKey('sh', '2026-03-06', 'x', shard).pk, `2026-03-06#x#${shard}`, { likes: 3 }],
      ['C#utc#K#ada', '2026-03-05#x', { mentions: 1, likes: 3 }],
      [totalDayKey('utc', '2026-03-05', 'x', shard).pk, `2026-03-05#x#${shard}`, { mentions: 1, likes: 3 }],
      // A roster KOL's figures also land on its week (Monday 2026-03-02); a voice has no week item.
      ['C#utc#W#ada', '2026-03-02#x', { mentions: 1, likes: 3 }],
    ]);
  });

  it('does not write when every observation is a duplicate or older than its day', () => {
    const first = write(undefined, [obs('2026-03-06T10:00:00Z', { likes: 3 })]);
    const { outbox: _, ...applied } = first;
    expect(planPostUpdate(applied, [obs('2026-03-06T10:00:00Z', { likes: 3 })], index, options).kind).toBe(
      'unchanged',
    );
    expect(planPostUpdate(applied, [obs('2026-03-06T09:00:00Z', { likes: 1 })], index, options).kind).toBe(
      'unchanged',
    );
  });

  it('records a newer snapshot with the same counters without touching the rollups', () => {
    const first = write(undefined, [obs('2026-03-06T10:00:00Z', { likes: 3 })]);
    const next = write(first, [obs('2026-03-06T11:00:00Z', { likes: 3 })]);
    expect(next.rev).toBe(2);
    expect(next.outbox).toBeUndefined();
  });

  it('writes views: 0 when views become known without a net change (known zero is not unknown)', () => {
    const first = write(undefined, [obs('2026-03-06T10:00:00Z', { likes: 3 })]);
    const next = write(first, [obs('2026-03-06T11:00:00Z', { likes: 3, views: 0 })]);
    // Voice day + total in Shanghai; KOL day + total + KOL week in UTC.
    expect(next.outbox?.changes.map((c) => c.delta)).toEqual(Array(5).fill({ views: 0 }));
  });

  it('does not associate a post outside every campaign', () => {
    const plan = planPostUpdate(
      undefined,
      [{ ...obs('2026-03-06T10:00:00Z', {}), hashtags: ['x'] }],
      index,
      options,
    );
    expect(plan).toEqual({ kind: 'unmatched' });
  });

  it('keeps the stored association even when the configuration changes later', () => {
    const first = write(undefined, [obs('2026-03-06T10:00:00Z', { likes: 1 })]);
    const otherConfig = buildCampaignIndex(
      parseConfig({ campaigns: [{ id: 'new', name: 'New', hashtags: ['NextIdea'], start: '2026-01-01' }] }),
    );
    const plan = planPostUpdate(first, [obs('2026-03-07T10:00:00Z', { likes: 2 })], otherConfig, options);
    expect(plan.kind === 'write' && plan.next.outbox?.changes.every((c) => !c.pk.startsWith('C#new#'))).toBe(
      true,
    );
  });
});
