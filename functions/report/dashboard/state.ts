import type { CampaignDetail, ReportFigures } from '../schemas';

export type Metric = keyof ReportFigures;

export const METRICS: { key: Metric; label: string }[] = [
  { key: 'mentions', label: 'Mentions' },
  { key: 'likes', label: 'Likes' },
  { key: 'shares', label: 'Shares' },
  { key: 'comments', label: 'Comments' },
  { key: 'views', label: 'Views' },
  { key: 'engagement', label: 'Engagement' },
  { key: 'reach', label: 'Reach' },
  { key: 'engagementRate', label: 'Engagement rate' },
];

/** What the page shows: the campaign, the filters, the sort of each ranking and the selected KOL. */
interface State {
  campaign?: CampaignDetail;
  from?: string;
  to?: string;
  platform?: string;
  leaderboardMetric: Metric;
  voicesMetric: Metric;
  kolId?: string;
}

export const state: State = { leaderboardMetric: 'engagement', voicesMetric: 'engagement' };

export const range = () => ({ from: state.from, to: state.to, platform: state.platform });

export const campaignPath = () => `campaigns/${encodeURIComponent(state.campaign?.id ?? '')}`;
