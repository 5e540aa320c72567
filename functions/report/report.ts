import type { Campaign, Kol, KolPulseConfig } from '../../shared/config';
import type { Metric } from '../../shared/metrics';
import type { Platform } from '../../shared/platform';
import { type Day, daysBetween } from '../../shared/time';
import { notFound } from './errors';
import type { DayRange } from './params';
import type { DayRow, RollupReader } from './queries';
import type {
  CampaignDetail,
  CampaignSummary,
  DailyFigures,
  LeaderboardEntry,
  ReportFigures,
  SeriesResponse,
  TotalsResponse,
  VoiceEntry,
} from './schemas';
import { addTally, emptyTally, figuresOf, type Tally } from './tally';

/** Report use cases: plain functions over the config and a RollupReader, knowing nothing of HTTP. */

export const findCampaign = (config: KolPulseConfig, campaignId: string): Campaign => {
  const campaign = config.campaigns.find((c) => c.id === campaignId);
  if (!campaign) throw notFound('campaign_not_found', `No campaign with id "${campaignId}"`);
  return campaign;
};

export const findKol = (campaign: Campaign, kolId: string): Kol => {
  const kol = campaign.kols.find((k) => k.id === kolId);
  if (!kol) throw notFound('kol_not_found', `Campaign "${campaign.id}" has no KOL with id "${kolId}"`);
  return kol;
};

const platformsOf = (kol: Kol): Platform[] => [...new Set(kol.accounts.map((a) => a.platform))];

export const campaignSummary = (c: Campaign): CampaignSummary => ({
  id: c.id,
  name: c.name,
  hashtags: [...c.hashtags],
  timeZone: c.timeZone,
  start: c.start,
  end: c.end ?? null,
  kolCount: c.kols.length,
});

export const campaignDetail = (c: Campaign): CampaignDetail => ({
  ...campaignSummary(c),
  kols: c.kols.map((k) => ({ id: k.id, name: k.name, platforms: platformsOf(k) })),
});

/** Every day of the range, zero-filled, with the per-platform breakdown, plus the range summary. */
const dailyFigures = (rows: readonly DayRow[], range: DayRange, platform: Platform | undefined) => {
  const byDay = new Map<Day, Map<Platform, Tally>>();
  for (const row of rows) {
    if (platform && row.platform !== platform) continue;
    const platforms = byDay.get(row.day) ?? new Map<Platform, Tally>();
    byDay.set(row.day, platforms);
    const tally = platforms.get(row.platform) ?? emptyTally();
    platforms.set(row.platform, addTally(tally, row.tally));
  }
  const summary = emptyTally();
  const days: DailyFigures[] = daysBetween(range.from, range.to).map((day) => {
    const dayTotal = emptyTally();
    const breakdown: Partial<Record<Platform, ReportFigures>> = {};
    for (const [p, tally] of byDay.get(day) ?? []) {
      addTally(dayTotal, tally);
      breakdown[p] = figuresOf(tally);
    }
    addTally(summary, dayTotal);
    return { day, ...figuresOf(dayTotal), platforms: breakdown };
  });
  return { summary: figuresOf(summary), days };
};

const scope = (c: Campaign, range: DayRange, platform: Platform | undefined) => ({
  campaignId: c.id,
  timeZone: c.timeZone,
  from: range.from,
  to: range.to,
  platform: platform ?? null,
});

export const totalsReport = async (
  reader: RollupReader,
  c: Campaign,
  range: DayRange,
  platform: Platform | undefined,
): Promise<Omit<TotalsResponse, 'observed'>> => {
  const rows = await reader.totals(c.id, range.from, range.to, platform);
  return { ...scope(c, range, platform), ...dailyFigures(rows, range, platform) };
};

export const seriesReport = async (
  reader: RollupReader,
  c: Campaign,
  kol: Kol,
  range: DayRange,
  platform: Platform | undefined,
): Promise<Omit<SeriesResponse, 'observed'>> => {
  const rows = await reader.kolSeries(c.id, kol.id, range.from, range.to);
  return {
    ...scope(c, range, platform),
    kolId: kol.id,
    name: kol.name,
    ...dailyFigures(rows, range, platform),
  };
};

/** Descending by metric; unknown views, reach or engagementRate rank below every known figure; ties by id ascending. */
export const compareByMetric =
  <T extends ReportFigures>(metric: Metric, idOf: (entry: T) => string) =>
  (a: T, b: T): number => {
    const av = a[metric] ?? Number.NEGATIVE_INFINITY;
    const bv = b[metric] ?? Number.NEGATIVE_INFINITY;
    if (av !== bv) return bv > av ? 1 : -1;
    const ai = idOf(a);
    const bi = idOf(b);
    return ai < bi ? -1 : ai > bi ? 1 : 0;
  };

/**
 * Roster KOLs ranked over the range. With a platform filter, the KOLs that have an account on it (or
 * figures on it); KOL ids in the data that are no longer on the roster are left out.
 */
export const rankKols = async (
  reader: RollupReader,
  c: Campaign,
  range: DayRange,
  platform: Platform | undefined,
  metric: Metric,
): Promise<LeaderboardEntry[]> => {
  const rows = await reader.kolRange(c.id, range.from, range.to);
  const tallies = new Map<string, Tally>();
  for (const row of rows) {
    if (platform && row.platform !== platform) continue;
    tallies.set(row.kolId, addTally(tallies.get(row.kolId) ?? emptyTally(), row.tally));
  }
  const entries = c.kols
    .filter((k) => !platform || tallies.has(k.id) || k.accounts.some((a) => a.platform === platform))
    .map((k) => ({
      kolId: k.id,
      name: k.name,
      platforms: platformsOf(k),
      ...figuresOf(tallies.get(k.id) ?? emptyTally()),
    }))
    .sort(compareByMetric(metric, (e) => e.kolId));
  return entries.map((e, i) => ({ rank: i + 1, ...e }));
};

const voiceId = (v: { platform: string; handle: string; userId: string | null }) =>
  `${v.platform}\u0000${v.userId ?? ''}\u0000${v.handle}`;

/** Discovered voices (authors outside the roster) ranked over the range. */
export const rankVoices = async (
  reader: RollupReader,
  c: Campaign,
  range: DayRange,
  platform: Platform | undefined,
  metric: Metric,
): Promise<VoiceEntry[]> => {
  const rows = await reader.voiceDays(c.id, daysBetween(range.from, range.to), platform);
  const voices = new Map<
    string,
    { platform: Platform; handle: string; userId: string | null; tally: Tally }
  >();
  for (const row of rows) {
    const id = row.voiceKey;
    const voice = voices.get(id) ?? {
      platform: row.platform,
      handle: row.handle,
      userId: row.userId ?? null,
      tally: emptyTally(),
    };
    addTally(voice.tally, row.tally);
    voices.set(id, voice);
  }
  const entries = [...voices.values()]
    .map((v) => ({ platform: v.platform, handle: v.handle, userId: v.userId, ...figuresOf(v.tally) }))
    .sort(compareByMetric<Omit<VoiceEntry, 'rank'>>(metric, voiceId));
  return entries.map((e, i) => ({ rank: i + 1, ...e }));
};
