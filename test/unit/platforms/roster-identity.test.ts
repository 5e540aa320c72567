import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';

/** Roster accounts on platforms whose handle is not a unique id must carry the platform's stable id. */

const configWith = (account: { platform: Platform; handle: string; userId?: string }) => ({
  campaigns: [
    {
      id: 'launch',
      name: 'Launch',
      hashtags: ['Launch'],
      start: '2026-12-01',
      kols: [
        { id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'ada' }] },
        { id: 'lin', name: 'Lin', accounts: [{ platform: 'x', handle: 'lin' }, account] },
      ],
    },
  ],
});

const errorOf = (input: unknown): string => {
  try {
    parseConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return '';
};

describe('YouTube roster accounts', () => {
  it('need userId, and the error names the field and says what to put there', () => {
    const message = errorOf(configWith({ platform: 'youtube', handle: 'Lin Wei Tech' }));
    expect(message).toMatch(/campaigns\[0\]\.kols\[1\]\.accounts\[1\]\.userId: required on YouTube/);
    expect(message).toMatch(/put the channel id here \("UC" and 22 more characters/);
  });

  it('refuse a userId that is not a channel id (the title, a handle)', () => {
    for (const userId of ['Lin Wei Tech', '@linweitech', 'UCtooShort'])
      expect(errorOf(configWith({ platform: 'youtube', handle: 'Lin Wei Tech', userId }))).toMatch(
        /accounts\[1\]\.userId: not a channel id/,
      );
  });

  it('accept the channel id', () => {
    const config = parseConfig(
      configWith({ platform: 'youtube', handle: 'Lin Wei Tech', userId: 'UC_x5XG1OV2P6uZZ5FSM9Ttw' }),
    );
    expect(config.campaigns[0]?.kols[1]?.accounts[1]?.userId).toBe('UC_x5XG1OV2P6uZZ5FSM9Ttw');
  });
});

describe('Roster accounts on platforms with unique handles', () => {
  it.each([
    ['x', 'linwei_tech'],
    ['mastodon', 'lin@mastodon.social'],
    ['bluesky', 'linwei.bsky.social'],
    ['reddit', 'linwei'],
    ['instagram', 'linwei.tech'],
  ] as const)('%s accepts a handle alone', (platform, handle) => {
    expect(errorOf(configWith({ platform, handle }))).toBe('');
  });
});
