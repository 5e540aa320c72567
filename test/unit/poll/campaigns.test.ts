import { describe, expect, it } from 'vitest';
import {
  activeCampaigns,
  campaignHashtags,
  earliestStart,
  rosterHandles,
} from '../../../functions/poll/campaigns';
import { parseConfig } from '../../../shared/config';

const config = parseConfig({
  campaigns: [
    {
      id: 'shanghai',
      name: 'Shanghai launch',
      hashtags: ['#NextIdea', '#腾讯NextIdea'],
      timeZone: 'Asia/Shanghai',
      start: '2025-03-10',
      end: '2025-03-12',
      kols: [{ id: 'k1', name: 'K1', accounts: [{ platform: 'x', handle: '@KolOne' }] }],
    },
    {
      id: 'global',
      name: 'Global',
      hashtags: ['#nextidea', '#Other'],
      start: '2025-03-01',
      kols: [
        {
          id: 'k2',
          name: 'K2',
          accounts: [
            { platform: 'x', handle: 'kol_two' },
            { platform: 'mastodon', handle: 'kol@example.social' },
          ],
        },
      ],
    },
    { id: 'later', name: 'Later', hashtags: ['#Later'], start: '2025-04-01' },
  ],
});

describe('active campaigns', () => {
  it('starts a campaign on its first day in its own time zone', () => {
    // 2025-03-09T16:30Z is already 2025-03-10 in Shanghai, still 2025-03-09 in UTC.
    const ids = activeCampaigns(config, Date.parse('2025-03-09T16:30:00Z')).map((c) => c.id);
    expect(ids).toEqual(['shanghai', 'global']);
    expect(activeCampaigns(config, Date.parse('2025-03-09T15:30:00Z')).map((c) => c.id)).toEqual(['global']);
  });

  it('keeps searching for a grace day after the last day, then stops', () => {
    expect(activeCampaigns(config, Date.parse('2025-03-13T12:00:00+08:00')).map((c) => c.id)).toContain(
      'shanghai',
    );
    expect(activeCampaigns(config, Date.parse('2025-03-14T00:30:00+08:00')).map((c) => c.id)).not.toContain(
      'shanghai',
    );
  });

  it('dedupes hashtags across campaigns after normalisation', () => {
    const tags = campaignHashtags(activeCampaigns(config, Date.parse('2025-03-11T00:00:00Z')));
    expect(tags).toHaveLength(3);
    expect(new Set(tags)).toEqual(new Set(['nextidea', '腾讯nextidea', 'other']));
  });

  it('reads back to the earliest campaign start', () => {
    const campaigns = activeCampaigns(config, Date.parse('2025-03-11T00:00:00Z'));
    expect(earliestStart(campaigns)).toBe('2025-03-01T00:00:00.000Z');
    expect(earliestStart([])).toBeUndefined();
  });

  it('collects the roster handles of one platform without the leading @', () => {
    const campaigns = activeCampaigns(config, Date.parse('2025-03-11T00:00:00Z'));
    expect(rosterHandles(campaigns, 'x')).toEqual(['KolOne', 'kol_two']);
    expect(rosterHandles(campaigns, 'mastodon')).toEqual(['kol@example.social']);
  });
});
