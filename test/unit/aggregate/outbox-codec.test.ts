import { describe, expect, it } from 'vitest';
import { itemSize } from '../../../bench/lib/item-size';
import { buildCampaignIndex } from '../../../functions/aggregate/matching';
import { fromStoredState, toStoredState } from '../../../functions/aggregate/outbox-codec';
import { planPostUpdate } from '../../../functions/aggregate/planner';
import { type PostState, StoredPostStateSchema } from '../../../functions/aggregate/post-state';
import { parseConfig } from '../../../shared/config';
import type { Observation } from '../../../shared/observation';
import { makeObservation } from '../../support/observations';

// Two campaigns in two zones, one with spike alerts (hourly changes), a KOL in one and a voice in the other.
const index = buildCampaignIndex(
  parseConfig({
    campaigns: [
      {
        id: 'utc',
        name: 'UTC',
        hashtags: ['NextIdea'],
        start: '2026-03-01',
        kols: [{ id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'ada', userId: 'x-1' }] }],
        alerts: { spike: {} },
      },
      { id: 'sh', name: 'Shanghai', hashtags: ['NextIdea'], timeZone: 'Asia/Shanghai', start: '2026-03-01' },
    ],
  }),
);
const options = { maxHistoryDays: 120, hourlyCampaigns: new Set(['utc']) };
const obs = (observedAt: string, counters: Observation['counters']) =>
  makeObservation({
    postId: 'p#1',
    author: { id: 'x-1', handle: 'ada', followers: 1200 },
    publishedAt: '2026-03-05T15:30:00Z',
    observedAt,
    counters,
  });

const planned = (current: PostState | undefined, observations: Observation[]): PostState => {
  const plan = planPostUpdate(current, observations, index, options);
  if (plan.kind !== 'write') throw new Error(`expected a write, got ${plan.kind}`);
  return plan.next;
};

/** What DynamoDB gives back: the stored form through a JSON round trip, parsed as the aggregator parses it. */
const roundTrip = (state: PostState): PostState =>
  fromStoredState(StoredPostStateSchema.parse(JSON.parse(JSON.stringify(toStoredState(state)))));

describe('Module: outbox-codec', () => {
  it('stores KOL, week, voice, total and hourly changes without their attributes and rebuilds them exactly', () => {
    const first = planned(undefined, [obs('2026-03-05T16:30:00Z', { likes: 3, views: 10 })]);
    const second = planned(first, [obs('2026-03-06T09:00:00Z', { likes: 40, views: 900 })]);
    for (const state of [first, second]) {
      const kinds = new Set(state.outbox?.changes.map((c) => c.attrs.kind));
      expect(kinds).toEqual(new Set(['kol', 'kolWeek', 'voice', 'total', 'kolHour', 'campaignHour']));
      const stored = toStoredState(state);
      expect(stored.outbox?.changes.every((c) => c.attrs === undefined && c.k !== undefined)).toBe(true);
      expect(roundTrip(state)).toEqual(state);
    }
  });

  it('makes the state item smaller by the attributes it leaves out', () => {
    const state = planned(undefined, [obs('2026-03-05T16:30:00Z', { likes: 3 })]);
    const full = itemSize(state as unknown as Record<string, unknown>);
    const compact = itemSize(toStoredState(state) as unknown as Record<string, unknown>);
    expect(compact).toBeLessThan(full * 0.7);
  });

  it('keeps the attributes of a change the builders would not reproduce, and reads them back as they were', () => {
    const state = planned(undefined, [obs('2026-03-05T16:30:00Z', { likes: 3 })]);
    const [firstChange, ...others] = state.outbox?.changes ?? [];
    if (!firstChange) throw new Error('expected changes');
    const odd: PostState = {
      ...state,
      outbox: {
        rev: state.rev,
        changes: [{ ...firstChange, attrs: { ...firstChange.attrs, handle: 'x' } }, ...others],
      },
    };
    expect(toStoredState(odd).outbox?.changes[0]?.attrs).toEqual({ ...firstChange.attrs, handle: 'x' });
    expect(roundTrip(odd)).toEqual(odd);
  });

  it('reads an outbox written before the compact form (every change with its attributes) unchanged', () => {
    const state = planned(undefined, [obs('2026-03-05T16:30:00Z', { likes: 3 })]);
    const legacy = StoredPostStateSchema.parse(JSON.parse(JSON.stringify(state)));
    expect(fromStoredState(legacy)).toEqual(state);
  });

  it('refuses a compact change whose association is gone, naming the change', () => {
    const state = planned(undefined, [obs('2026-03-05T16:30:00Z', { likes: 3 })]);
    const stored = StoredPostStateSchema.parse(JSON.parse(JSON.stringify(toStoredState(state))));
    const broken = { ...stored, associations: [] };
    expect(() => fromStoredState(broken)).toThrow(
      /outbox change C#.* has neither attributes nor an association/,
    );
  });
});
