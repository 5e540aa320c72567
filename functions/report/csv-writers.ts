import type { CsvColumn } from './csv';
import type {
  CampaignDetail,
  CampaignSummary,
  DailyFigures,
  LeaderboardEntry,
  ReportFigures,
  VoiceEntry,
} from './schemas';

const figureColumns = <T extends ReportFigures>(): CsvColumn<T>[] => [
  { header: 'mentions', value: (r) => r.mentions },
  { header: 'likes', value: (r) => r.likes },
  { header: 'shares', value: (r) => r.shares },
  { header: 'comments', value: (r) => r.comments },
  { header: 'views', value: (r) => r.views },
  { header: 'engagement', value: (r) => r.engagement },
  { header: 'reach', value: (r) => r.reach },
  { header: 'reachEngagement', value: (r) => r.reachEngagement },
  { header: 'engagementRate', value: (r) => r.engagementRate },
];

// Column orders are documented in the OpenAPI document (openapi.ts CSV_COLUMNS); a test checks they agree.
export const CSV_WRITERS = {
  campaigns: [
    { header: 'id', value: (c) => c.id },
    { header: 'name', value: (c) => c.name },
    { header: 'timeZone', value: (c) => c.timeZone },
    { header: 'start', value: (c) => c.start },
    { header: 'end', value: (c) => c.end },
    { header: 'hashtags', value: (c) => c.hashtags.join(' ') },
    { header: 'kolCount', value: (c) => c.kolCount },
  ] satisfies CsvColumn<CampaignSummary>[],
  campaign: [
    { header: 'kolId', value: (k) => k.id },
    { header: 'name', value: (k) => k.name },
    { header: 'platforms', value: (k) => k.platforms.join(' ') },
  ] satisfies CsvColumn<CampaignDetail['kols'][number]>[],
  totals: (platform: string) =>
    [
      { header: 'day', value: (d) => d.day },
      { header: 'platform', value: () => platform },
      ...figureColumns<DailyFigures>(),
    ] satisfies CsvColumn<DailyFigures>[],
  series: (kolId: string, platform: string) =>
    [
      { header: 'kolId', value: () => kolId },
      { header: 'day', value: (d) => d.day },
      { header: 'platform', value: () => platform },
      ...figureColumns<DailyFigures>(),
    ] satisfies CsvColumn<DailyFigures>[],
  leaderboard: [
    { header: 'rank', value: (e) => e.rank },
    { header: 'kolId', value: (e) => e.kolId },
    { header: 'name', value: (e) => e.name },
    { header: 'platforms', value: (e) => e.platforms.join(' ') },
    ...figureColumns<LeaderboardEntry>(),
  ] satisfies CsvColumn<LeaderboardEntry>[],
  voices: [
    { header: 'rank', value: (e) => e.rank },
    { header: 'platform', value: (e) => e.platform },
    { header: 'handle', value: (e) => e.handle },
    { header: 'userId', value: (e) => e.userId ?? '' },
    ...figureColumns<VoiceEntry>(),
  ] satisfies CsvColumn<VoiceEntry>[],
};

/** `a_b_c.csv` from the parts that are set. */
export const csvFilename = (parts: readonly (string | null | undefined)[]): string =>
  `${parts.filter((p): p is string => !!p).join('_')}.csv`;
