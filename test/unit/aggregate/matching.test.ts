import { describe, expect, it } from 'vitest';
import { associate, buildCampaignIndex } from '../../../functions/aggregate/matching';
import { parseConfig } from '../../../shared/config';
import { makeObservation } from '../../support/observations';

const index = buildCampaignIndex(
  parseConfig({
    campaigns: [
      {
        id: 'launch',
        name: 'Launch',
        hashtags: ['#腾讯NextIdea', 'NextIdea'],
        timeZone: 'Asia/Shanghai',
        start: '2026-03-05',
        end: '2026-03-07',
        kols: [
          { id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: '@AdaTech', userId: 'x-100' }] },
          { id: 'bo', name: 'Bo', accounts: [{ platform: 'mastodon', handle: 'bo@social.example' }] },
        ],
      },
      { id: 'always', name: 'Always', hashtags: ['nextidea'], start: '2026-01-01' },
    ],
  }),
);

const post = (overrides: Parameters<typeof makeObservation>[0]) =>
  makeObservation({ hashtags: ['NextIdea'], publishedAt: '2026-03-06T00:00:00Z', ...overrides });

describe('Function: associate', () => {
  it('matches hashtags after normalisation on both sides, sorted by campaign id', () => {
    const matched = associate(
      index,
      post({ hashtags: ['＃ＮｅｘｔＩｄｅａ'], author: { id: 'x-100', handle: 'whoever' } }),
    );
    expect(matched.map((a) => a.campaignId)).toEqual(['always', 'launch']);
    expect(associate(index, post({ hashtags: ['腾讯nextidea'] })).map((a) => a.campaignId)).toEqual([
      'launch',
    ]);
    expect(associate(index, post({ hashtags: ['other', 'NextIdeas'] }))).toEqual([]);
  });

  it('uses the campaign zone for the window: start of the first day to the end of the last day', () => {
    const launch = (publishedAt: string) =>
      associate(index, post({ publishedAt })).some((a) => a.campaignId === 'launch');
    // Asia/Shanghai is UTC+8: 2026-03-05 starts at 2026-03-04T16:00Z, 2026-03-07 ends at 2026-03-07T16:00Z.
    expect(launch('2026-03-04T15:59:59.999Z')).toBe(false);
    expect(launch('2026-03-04T16:00:00Z')).toBe(true);
    expect(launch('2026-03-07T15:59:59Z')).toBe(true);
    expect(launch('2026-03-07T16:00:00Z')).toBe(false);
    expect(associate(index, post({ publishedAt: '2030-01-01T00:00:00Z' })).map((a) => a.campaignId)).toEqual([
      'always',
    ]);
  });

  it('finds the roster KOL by user id where the roster gives one, else by handle on the same platform', () => {
    const target = (author: { id: string; handle: string }, platform: 'x' | 'mastodon' = 'x') =>
      associate(index, post({ platform, author })).find((a) => a.campaignId === 'launch');
    expect(target({ id: 'x-100', handle: 'renamed' })).toMatchObject({ target: 'kol', kolId: 'ada' });
    // Another account that took Ada's handle is not Ada: her roster entry names her user id.
    expect(target({ id: 'x-999', handle: 'ADATECH' })).toMatchObject({ target: 'voice', userId: 'x-999' });
    expect(target({ id: '7', handle: '@Bo@Social.example' }, 'mastodon')).toMatchObject({ kolId: 'bo' });
    // Same handle, other platform: not the KOL.
    expect(target({ id: '7', handle: 'AdaTech' }, 'mastodon')).toEqual({
      campaignId: 'launch',
      timeZone: 'Asia/Shanghai',
      target: 'voice',
      userId: '7',
      handle: 'adatech',
    });
  });

  it('keeps authors outside the roster as discovered voices keyed by user id, with the normalised handle', () => {
    expect(associate(index, post({ author: { id: 'x-5', handle: '@Fan_Page' } }))[0]).toEqual({
      campaignId: 'always',
      timeZone: 'UTC',
      target: 'voice',
      userId: 'x-5',
      handle: 'fan_page',
    });
  });

  it('keeps two channels with the same title apart: a voice is one account, never a handle', () => {
    const [first] = associate(
      index,
      post({ platform: 'youtube', author: { id: 'UCaaa', handle: 'Tech Daily' } }),
    );
    const [second] = associate(
      index,
      post({ platform: 'youtube', author: { id: 'UCbbb', handle: 'Tech Daily' } }),
    );
    expect(first).toMatchObject({ target: 'voice', userId: 'UCaaa' });
    expect(second).toMatchObject({ target: 'voice', userId: 'UCbbb' });
  });
});
