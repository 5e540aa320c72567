import { describe, expect, it } from 'vitest';
import { HOURLY_WINDOW_HOURS, hourOf } from '../../../functions/aggregate/hourly';
import { buildCampaignIndex } from '../../../functions/aggregate/matching';
import { planPostUpdate } from '../../../functions/aggregate/planner';
import type { PostState } from '../../../functions/aggregate/post-state';
import { detectSpikes, type HourFigures } from '../../../functions/aggregate/spikes';
import { parseConfig } from '../../../shared/config';
import { campaignHourPartition, totalShardOf } from '../../../shared/keys';
import type { Observation } from '../../../shared/observation';
import { SeededRandom } from '../../../shared/random';
import { makeObservation } from '../../support/observations';

const ALERT = { factor: 3, minCount: 5, baselineHours: 24, metrics: ['mentions', 'engagement'] as const };
const H = '2026-03-06T12';
const HOUR = 3_600_000;
const hourAt = (offset: number) => hourOf(Date.parse(`${H}:00:00Z`) + offset * HOUR);

const series = (perHour: (offset: number) => HourFigures) =>
  new Map(Array.from({ length: 25 }, (_, i) => [hourAt(i - 24), perHour(i - 24)] as const));

describe('Function: detectSpikes', () => {
  it('finds a generated spike: the hour above factor × its trailing mean', () => {
    const s = series((o) => (o === 0 ? { mentions: 40, engagement: 50 } : { mentions: 4, engagement: 20 }));
    expect(detectSpikes(s, H, { ...ALERT, metrics: [...ALERT.metrics] })).toEqual([
      { metric: 'mentions', value: 40, baseline: 4 },
    ]);
  });

  it('finds nothing on a flat series, nor below minCount, nor at exactly factor × baseline', () => {
    const alert = { ...ALERT, metrics: [...ALERT.metrics] };
    expect(
      detectSpikes(
        series(() => ({ mentions: 7, engagement: 70 })),
        H,
        alert,
      ),
    ).toEqual([]);
    expect(
      detectSpikes(
        series((o) => ({ mentions: o === 0 ? 4 : 0, engagement: 0 })),
        H,
        alert,
      ),
    ).toEqual([]);
    expect(
      detectSpikes(
        series((o) => ({ mentions: o === 0 ? 30 : 10, engagement: 0 })),
        H,
        alert,
      ),
    ).toEqual([]);
  });

  it('a campaign taking off from silence spikes once it reaches minCount', () => {
    const s = series((o) => ({ mentions: o === 0 ? 5 : 0, engagement: 0 }));
    expect(detectSpikes(s, H, { ...ALERT, metrics: ['mentions'] })).toEqual([
      { metric: 'mentions', value: 5, baseline: 0 },
    ]);
  });
});

const config = parseConfig({
  campaigns: [
    {
      id: 'launch',
      name: 'Launch',
      hashtags: ['#NextIdea'],
      start: '2026-03-01',
      kols: [{ id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'ada' }] }],
      alerts: { spike: {} },
    },
  ],
});
const index = buildCampaignIndex(config);
const options = { maxHistoryDays: 120, hourlyCampaigns: new Set(['launch']) };

/** Snapshots of a few posts with growing (and once decreasing) counters over two days. */
const generated = (): Observation[] => {
  const random = new SeededRandom(7);
  const out: Observation[] = [];
  for (let p = 0; p < 6; p++) {
    const published = Date.parse('2026-03-06T08:00:00Z') + p * 37 * 60_000;
    let likes = 0;
    for (let k = 0; k < 14; k++) {
      likes += random.int(0, 20) - (k === 5 ? 8 : 0);
      out.push(
        makeObservation({
          postId: `p${p}`,
          author: { id: p % 2 ? 'u-ada' : `u-${p}`, handle: p % 2 ? 'ada' : `voice${p}` },
          publishedAt: new Date(published).toISOString(),
          observedAt: new Date(published + k * 2.5 * HOUR + random.int(0, 600_000)).toISOString(),
          counters: { likes: Math.max(0, likes), shares: k, comments: random.int(0, 3) },
        }),
      );
    }
  }
  return out;
};

/** Applies batches through the planner like the aggregate does; returns the hourly figures per item. */
const hourlyTotals = (batches: readonly Observation[][]): Map<string, number> => {
  const states = new Map<string, PostState | undefined>();
  const totals = new Map<string, number>();
  for (const batch of batches) {
    const byPost = new Map<string, Observation[]>();
    for (const o of batch) byPost.set(o.postId, [...(byPost.get(o.postId) ?? []), o]);
    for (const [postId, observations] of byPost) {
      const plan = planPostUpdate(states.get(postId), observations, index, options);
      if (plan.kind !== 'write') continue;
      states.set(postId, plan.next);
      for (const c of plan.next.outbox?.changes ?? []) {
        if (!String(c.attrs.kind).endsWith('Hour')) continue;
        for (const [metric, v] of Object.entries(c.delta)) {
          const key = `${c.pk}|${c.sk.slice(0, 13)}|${metric}`;
          totals.set(key, (totals.get(key) ?? 0) + v);
        }
      }
    }
  }
  for (const [k, v] of totals) if (v === 0) totals.delete(k);
  return totals;
};

describe('Hourly figures: the same under duplicates, reordering and any batching', () => {
  it('shuffled, duplicated and re-batched deliveries give the in-order figures', () => {
    const observations = generated();
    const inOrder = [...observations].sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt));
    const expected = hourlyTotals(inOrder.map((o) => [o]));
    expect(expected.size).toBeGreaterThan(20);
    const random = new SeededRandom(11);
    for (let trial = 0; trial < 5; trial++) {
      const delivered = random.shuffle([...observations, ...observations.filter(() => random.next() < 0.3)]);
      const batches: Observation[][] = [];
      for (let i = 0, size = 1; i < delivered.length; i += size, size = 1 + random.int(0, 9))
        batches.push(delivered.slice(i, i + size));
      expect(hourlyTotals(batches)).toEqual(expected);
    }
  });

  it('counts mentions on the publish hour and ignores readings after the hourly window', () => {
    const first = makeObservation({ observedAt: '2026-03-06T10:30:00Z', counters: { likes: 5 } });
    const late = makeObservation({
      observedAt: new Date(Date.parse(first.publishedAt) + (HOURLY_WINDOW_HOURS + 1) * HOUR).toISOString(),
      counters: { likes: 50 },
    });
    const totals = hourlyTotals([[first], [late]]);
    // The campaign's hour lives in the partition of the post's shard (one per shard: no hot key).
    const campaignHour = campaignHourPartition('launch', totalShardOf(first.platform, first.postId));
    expect(campaignHour).toBe(`C#launch#H#${totalShardOf(first.platform, first.postId)}`);
    expect(totals.get(`${campaignHour}|2026-03-06T10|mentions`)).toBe(1);
    expect(totals.get(`${campaignHour}|2026-03-06T10|likes`)).toBe(5);
    expect([...totals.keys()].filter((k) => k.includes('2026-03-07T11'))).toEqual([]);
  });
});
