import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KolPulseConfig, parseConfig } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';

/**
 * A small two-campaign configuration for the black-box tests: one campaign in Asia/Shanghai with a
 * `#腾讯NextIdea`-style tag, one in UTC, roster KOLs on every platform under test.
 */
export const e2eConfig = (platforms: readonly Platform[]): unknown => ({
  campaigns: [
    {
      id: 'e2e-nextidea',
      name: 'NextIdea (demo e2e)',
      hashtags: ['#腾讯NextIdea', '#NextIdea'],
      timeZone: 'Asia/Shanghai',
      start: '2025-06-01',
      kols: [
        {
          id: 'lin-wei',
          name: 'Lin Wei (demo)',
          accounts: [
            { platform: 'x', handle: '@linwei_tech' },
            { platform: 'bluesky', handle: 'linwei.bsky.social' },
            { platform: 'youtube', handle: 'Lin Wei Tech', userId: 'UCdemoLinWeiTech00000001' },
          ],
        },
        {
          id: 'ada-chen',
          name: 'Ada Chen (demo)',
          accounts: [
            { platform: 'x', handle: '@adachen_ai' },
            { platform: 'mastodon', handle: 'ada@mastodon.social' },
            { platform: 'reddit', handle: 'ada_chen' },
          ],
        },
      ],
    },
    {
      id: 'e2e-green',
      name: 'Green Commute (demo e2e)',
      hashtags: ['#GreenCommute'],
      timeZone: 'UTC',
      start: '2025-06-01',
      kols: [
        {
          id: 'lena-berg',
          name: 'Lena Berg (demo)',
          accounts: [
            { platform: 'mastodon', handle: 'lena@fosstodon.org' },
            { platform: 'bluesky', handle: 'lenaberg.bsky.social' },
            { platform: 'instagram', handle: 'lena.berg' },
          ],
        },
      ],
    },
  ],
  platforms: Object.fromEntries(
    platforms.map((p) => [p, { schedule: 'rate(1 minute)', overlapMinutes: 10 }]),
  ),
});

export const writeE2eConfig = (
  dir: string,
  platforms: readonly Platform[],
): { file: string; config: KolPulseConfig } => {
  const raw = e2eConfig(platforms);
  const file = join(dir, 'campaigns.json');
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return { file, config: parseConfig(raw) };
};
