import { type KolPulseConfig, normalizeHandle } from '../../shared/config';
import { normalizeHashtag } from '../../shared/hashtags';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { addDays, startOfDay } from '../../shared/time';

/**
 * Who a post counts for in one campaign: a roster KOL, or a discovered voice keyed by the platform's user id
 * (its normalised handle is kept for display).
 */
export type Association =
  | { campaignId: string; timeZone: string; target: 'kol'; kolId: string }
  | { campaignId: string; timeZone: string; target: 'voice'; userId: string; handle: string };

interface IndexedCampaign {
  id: string;
  timeZone: string;
  /** Publish window [startMs, endMs) in epoch ms; endMs is Infinity for an open-ended campaign. */
  startMs: number;
  endMs: number;
  kolByUserId: Map<string, string>;
  kolByHandle: Map<string, string>;
}

/** Lookup structure built once from the configuration: hashtag -> campaigns, account -> KOL. */
export interface CampaignIndex {
  byHashtag: ReadonlyMap<string, readonly IndexedCampaign[]>;
}

const accountKey = (platform: Platform, value: string) => `${platform}\u0000${value}`;

export const buildCampaignIndex = (config: KolPulseConfig): CampaignIndex => {
  const byHashtag = new Map<string, IndexedCampaign[]>();
  for (const campaign of config.campaigns) {
    const indexed: IndexedCampaign = {
      id: campaign.id,
      timeZone: campaign.timeZone,
      startMs: startOfDay(campaign.start, campaign.timeZone),
      endMs: campaign.end
        ? startOfDay(addDays(campaign.end, 1), campaign.timeZone)
        : Number.POSITIVE_INFINITY,
      kolByUserId: new Map(),
      kolByHandle: new Map(),
    };
    for (const kol of campaign.kols) {
      for (const account of kol.accounts) {
        // An account with a user id is that account only: anyone can take a free handle or title.
        if (account.userId) indexed.kolByUserId.set(accountKey(account.platform, account.userId), kol.id);
        else indexed.kolByHandle.set(accountKey(account.platform, normalizeHandle(account.handle)), kol.id);
      }
    }
    for (const tag of new Set(campaign.hashtags.map(normalizeHashtag))) {
      const list = byHashtag.get(tag) ?? [];
      list.push(indexed);
      byHashtag.set(tag, list);
    }
  }
  return { byHashtag };
};

export type PostIdentity = Pick<Observation, 'platform' | 'author' | 'hashtags' | 'publishedAt'>;

/**
 * The campaigns a post counts for (one of their hashtags, published inside their window) and, per
 * campaign, whether its author is a roster KOL (by user id where the roster gives one, else by handle) or a
 * discovered voice.
 * Sorted by campaign id, so the result does not depend on hashtag order.
 */
export const associate = (index: CampaignIndex, post: PostIdentity): Association[] => {
  const publishedMs = Date.parse(post.publishedAt);
  const campaigns = new Map<string, IndexedCampaign>();
  for (const tag of post.hashtags) {
    for (const campaign of index.byHashtag.get(normalizeHashtag(tag)) ?? []) {
      if (publishedMs >= campaign.startMs && publishedMs < campaign.endMs)
        campaigns.set(campaign.id, campaign);
    }
  }
  const handle = normalizeHandle(post.author.handle);
  return [...campaigns.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((campaign): Association => {
      const kolId =
        campaign.kolByUserId.get(accountKey(post.platform, post.author.id)) ??
        campaign.kolByHandle.get(accountKey(post.platform, handle));
      return kolId
        ? { campaignId: campaign.id, timeZone: campaign.timeZone, target: 'kol', kolId }
        : {
            campaignId: campaign.id,
            timeZone: campaign.timeZone,
            target: 'voice',
            userId: post.author.id,
            handle,
          };
    });
};
