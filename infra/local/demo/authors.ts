import type { Campaign } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';
import type { SeededRandom } from '../../../shared/random';

/** Someone who posts in the demo: a KOL of the campaign roster or one of the demo voices. */
export interface Author {
  platform: Platform;
  handle: string;
  id?: string;
  name: string;
  kol: boolean;
}

const VOICE_NAMES = [
  'mei_ling',
  'techfan88',
  'devopsdan',
  'ana_builds',
  'quietcoder',
  'rita_reviews',
  'hugo_bikes',
  'june_writes',
  'omar_ai',
  'pixelpete',
  'nora_cycles',
  'samuel_k',
];
const MASTODON_INSTANCES = ['mastodon.social', 'fosstodon.org', 'hachyderm.io'];

const voiceHandle = (platform: Platform, name: string, rng: SeededRandom): string => {
  switch (platform) {
    case 'mastodon':
      return `${name}@${rng.pick(MASTODON_INSTANCES)}`;
    case 'bluesky':
      return `${name.replace(/_/g, '-')}.bsky.social`;
    case 'instagram':
      return name.replace(/_/g, '.');
    case 'youtube':
      return name
        .split('_')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(' ');
    default:
      return name;
  }
};

const bareHandle = (handle: string): string => handle.replace(/^@/, '');

/** The roster's KOLs on the demo's platforms (each account once), then the demo voices on every platform. */
export const demoAuthors = (
  campaigns: readonly Campaign[],
  platforms: readonly Platform[],
  rng: SeededRandom,
): Author[] => {
  const authors: Author[] = [];
  const seen = new Set<string>();
  for (const campaign of campaigns)
    for (const kol of campaign.kols)
      for (const account of kol.accounts) {
        if (!platforms.includes(account.platform)) continue;
        const handle = bareHandle(account.handle);
        const key = `${account.platform}:${handle.toLowerCase()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        authors.push({
          platform: account.platform,
          handle,
          ...(account.userId ? { id: account.userId } : {}),
          name: kol.name,
          kol: true,
        });
      }
  for (const platform of platforms)
    for (const name of VOICE_NAMES) {
      const handle = voiceHandle(platform, name, rng);
      authors.push({ platform, handle, name: `${name} (demo voice)`, kol: false });
    }
  return authors;
};

/** Roster KOLs write a third of the posts on their platform; the rest come from other voices. */
export const pickAuthor = (authors: readonly Author[], platform: Platform, rng: SeededRandom): Author => {
  const candidates = authors.filter((a) => a.platform === platform);
  const kols = candidates.filter((a) => a.kol);
  return kols.length > 0 && rng.chance(0.35) ? rng.pick(kols) : rng.pick(candidates.filter((a) => !a.kol));
};

/** KOLs post for a campaign they are on; voices for any campaign. */
export const pickCampaign = (author: Author, campaigns: readonly Campaign[], rng: SeededRandom): Campaign => {
  const theirs = author.kol
    ? campaigns.filter((c) =>
        c.kols.some((k) =>
          k.accounts.some(
            (a) =>
              a.platform === author.platform &&
              bareHandle(a.handle).toLowerCase() === author.handle.toLowerCase(),
          ),
        ),
      )
    : [];
  return rng.pick(theirs.length > 0 ? theirs : campaigns);
};
