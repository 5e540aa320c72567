import { describe, expect, it } from 'vitest';
import { planPlatform } from '../../../scripts/plan';
import { parseConfig } from '../../../shared/config';

describe('npm run plan', () => {
  const config = parseConfig({
    campaigns: [{ id: 'launch', name: 'Launch', hashtags: ['#launch'], start: '2025-01-01' }],
    platforms: {
      x: { schedule: 'rate(5 minutes)', budget: { usdPerMonth: 300 } },
      youtube: { schedule: 'rate(5 minutes)' },
    },
  });

  it('X at $300 a month: 2,000 reads a day afforded, and an unpaced poller would run out on day 8', () => {
    const settings = config.platforms.x;
    if (!settings) throw new Error('no x');
    const plan = planPlatform('x', settings, 1, 1000);
    expect(plan.wanted).toMatchObject({ reads: 8000, usd: 40 });
    expect(plan.afforded).toMatchObject({ reads: 2000, usd: 10 });
    expect(plan.runsOutOnDay).toBe(8);
    expect(plan.hotRefreshMinutes).toBe(5); // read by its search today: refreshing it again is free
    expect(plan.oldRefreshMinutes).toBe(6 * 1440); // 6,000 old posts on 1,000 reads a day
  });

  it('YouTube default quota: search capped at 100 calls a day, refresh gets the rest of the units', () => {
    const settings = config.platforms.youtube;
    if (!settings) throw new Error('no youtube');
    const plan = planPlatform('youtube', settings, 1, 1000);
    expect(plan.afforded.searchCalls).toBe(100);
    expect(plan.afforded.refreshCalls).toBe(9_900);
    expect(plan.searchMinutes).toBe(14);
    expect(plan.runsOutOnDay).toBeUndefined();
  });
});
