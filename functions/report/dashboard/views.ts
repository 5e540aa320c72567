import type {
  CampaignDetail,
  LeaderboardEntry,
  SeriesResponse,
  TotalsResponse,
  VoiceEntry,
} from '../schemas';
import { fetchJson, urlFor } from './api';
import { drawChart, renderSummary, seriesChart, totalsChart } from './charts';
import { loadDirectResponse } from './direct-response';
import { $, showCsvLink, showError, status } from './dom';
import { loadEvents, withSpikeMarkers } from './events';
import { loadRanking, type RankingView } from './rankings';
import { campaignPath, range, state } from './state';

const kolButton = (e: LeaderboardEntry): HTMLElement => {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'kol';
  button.textContent = e.name;
  button.dataset.kol = e.kolId;
  button.addEventListener('click', () => void loadSeries(e.kolId).catch(showError));
  return button;
};

const leaderboardView: RankingView<LeaderboardEntry> = {
  tableId: 'leaderboard',
  moreId: 'leaderboard-more',
  csvId: 'leaderboard-csv',
  path: 'leaderboard',
  metric: () => state.leaderboardMetric,
  setMetric: (m) => {
    state.leaderboardMetric = m;
  },
  leadHeaders: ['KOL', 'Platforms'],
  leadCells: (e) => [kolButton(e), e.platforms.join(', ')],
  rowId: (e) => e.kolId,
};

const voicesView: RankingView<VoiceEntry> = {
  tableId: 'voices',
  moreId: 'voices-more',
  csvId: 'voices-csv',
  path: 'voices',
  metric: () => state.voicesMetric,
  setMetric: (m) => {
    state.voicesMetric = m;
  },
  leadHeaders: ['Handle', 'Platform'],
  leadCells: (e) => [e.handle, e.platform],
  rowId: (e) => `${e.platform}:${e.handle}`,
};

const loadTotals = async () => {
  const totals = await fetchJson<TotalsResponse>(`${campaignPath()}/totals`, range());
  // The API resolves default dates; show the range it actually used.
  state.from = totals.from;
  state.to = totals.to;
  $<HTMLInputElement>('from').value = totals.from;
  $<HTMLInputElement>('to').value = totals.to;
  renderSummary($('summary'), totals.summary);
  drawChart('totals-chart', withSpikeMarkers('totals-chart', totalsChart(totals)));
  showCsvLink('totals-csv', urlFor(`${campaignPath()}/totals`, { ...range(), format: 'csv' }));
};

export const loadSeries = async (kolId: string) => {
  state.kolId = kolId;
  const series = await fetchJson<SeriesResponse>(
    `${campaignPath()}/kols/${encodeURIComponent(kolId)}/series`,
    range(),
  );
  $('series-name').textContent = series.name;
  renderSummary($('series-summary'), series.summary);
  drawChart('series-chart', withSpikeMarkers('series-chart', seriesChart(series), kolId));
  const csv = $<HTMLAnchorElement>('series-csv');
  csv.href = urlFor(`${campaignPath()}/kols/${encodeURIComponent(kolId)}/series`, {
    ...range(),
    format: 'csv',
  });
  csv.hidden = false;
  for (const tr of $('leaderboard').querySelectorAll('tbody tr')) {
    tr.classList.toggle('selected', (tr as HTMLElement).dataset.id === kolId);
  }
};

export const loadCampaign = async () => {
  const id = $<HTMLSelectElement>('campaign').value;
  status('Loading…');
  const campaign = await fetchJson<CampaignDetail>(`campaigns/${encodeURIComponent(id)}`);
  if (campaign.id !== state.campaign?.id) state.kolId = undefined;
  state.campaign = campaign;
  $('demo-badge').hidden = !/demo/i.test(`${campaign.id} ${campaign.name}`);
  $('campaign-info').textContent =
    `${campaign.name}: ${campaign.hashtags.join(' ')} · ${campaign.start} to ${campaign.end ?? 'open'} · ` +
    `time zone ${campaign.timeZone} · ${campaign.kolCount} KOLs`;
  await loadEvents();
  await loadTotals();
  location.hash = new URLSearchParams(
    Object.entries({ campaign: campaign.id, ...range() }).filter((e): e is [string, string] => !!e[1]),
  ).toString();
  await Promise.all([
    loadRanking(leaderboardView, (items) => {
      const pick = state.kolId ?? items[0]?.kolId;
      if (pick) void loadSeries(pick).catch(showError);
    }),
    loadRanking(voicesView),
    loadDirectResponse(),
  ]);
  status(`Showing ${state.from} to ${state.to}${state.platform ? ` on ${state.platform}` : ''}.`);
};
