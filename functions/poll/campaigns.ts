import type { Campaign, KolPulseConfig } from '../../shared/config';
import { normalizeHashtag } from '../../shared/hashtags';
import type { Platform } from '../../shared/platform';
import { addDays, dayOf, startOfDay } from '../../shared/time';

/**
 * Days a campaign keeps being searched after its last day: posts published on the last day can show up
 * in search results late, and the campaign's own time zone may lag UTC.
 */
export const GRACE_DAYS = 1;

/** Campaigns whose window (start .. end + grace, in their own time zone) contains `now`. */
export const activeCampaigns = (config: KolPulseConfig, now: number, graceDays = GRACE_DAYS): Campaign[] =>
  config.campaigns.filter((c) => {
    const today = dayOf(now, c.timeZone);
    return c.start <= today && (c.end === undefined || today <= addDays(c.end, graceDays));
  });

/** Normalised, de-duplicated hashtags of the campaigns, in a stable order (so queries are stable too). */
export const campaignHashtags = (campaigns: readonly Campaign[]): string[] =>
  [...new Set(campaigns.flatMap((c) => c.hashtags.map(normalizeHashtag)))].sort();

/** Earliest instant any of the campaigns is interested in: the first campaign start. */
export const earliestStart = (campaigns: readonly Campaign[]): string | undefined => {
  const starts = campaigns.map((c) => startOfDay(c.start, c.timeZone));
  return starts.length > 0 ? new Date(Math.min(...starts)).toISOString() : undefined;
};

/** The roster's handles on a platform (Instagram attributes posts through them). */
export const rosterHandles = (campaigns: readonly Campaign[], platform: Platform): string[] =>
  [
    ...new Set(
      campaigns.flatMap((c) =>
        c.kols.flatMap((k) =>
          k.accounts.filter((a) => a.platform === platform).map((a) => a.handle.replace(/^@/, '')),
        ),
      ),
    ),
  ].sort();
