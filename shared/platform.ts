import { z } from 'zod';

/** Platforms KOL Pulse can poll. Weibo and TikTok need partner access and are on the roadmap. */
export const PLATFORMS = ['x', 'mastodon', 'bluesky', 'youtube', 'reddit', 'instagram'] as const;
export const PlatformSchema = z.enum(PLATFORMS);
export type Platform = z.infer<typeof PlatformSchema>;

export const PLATFORM_LABELS: Record<Platform, string> = {
  x: 'X',
  mastodon: 'Mastodon',
  bluesky: 'Bluesky',
  youtube: 'YouTube',
  reddit: 'Reddit',
  instagram: 'Instagram',
};
