import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type {
  CampaignDetail,
  CampaignsResponse,
  LeaderboardEntry,
  ReportFigures,
  SeriesResponse,
  TotalsResponse,
  VoiceEntry,
} from '../schemas';

/**
 * The dashboard: one page over the same JSON API it documents. All URLs are relative, so the page works
 * wherever the API is mounted. Numbers are rendered from the API's figures, never recomputed here.
 */

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

type Metric = keyof ReportFigures;
const METRICS: { key: Metric; label: string }[] = [
  { key: 'mentions', label: 'Mentions' },
  { key: 'likes', label: 'Likes' },
  { key: 'shares', label: 'Shares' },
  { key: 'comments', label: 'Comments' },
  { key: 'views', label: 'Views' },
  { key: 'engagement', label: 'Engagement' },
];
// Okabe-Ito colours: distinguishable with common colour-vision deficiencies.
const COLORS = { mentions: '#D55E00', likes: '#0072B2', shares: '#009E73', comments: '#CC79A7' } as const;
const PAGE_SIZE = 50;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const numberFormat = new Intl.NumberFormat('en-US');
const formatFigure = (value: number | null): string => (value === null ? 'n/a' : numberFormat.format(value));

class ApiFailure extends Error {}

const fetchJson = async <T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> => {
  const res = await fetch(urlFor(path, params), { headers: { Accept: 'application/json' } });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = (body as { error?: { message?: string } } | undefined)?.error;
    throw new ApiFailure(error?.message ?? `The server answered ${res.status}`);
  }
  return body as T;
};

const urlFor = (path: string, params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const query = search.toString();
  return query ? `${path}?${query}` : path;
};

interface State {
  campaign?: CampaignDetail;
  from?: string;
  to?: string;
  platform?: string;
  leaderboardMetric: Metric;
  voicesMetric: Metric;
  kolId?: string;
}
const state: State = { leaderboardMetric: 'engagement', voicesMetric: 'engagement' };

const range = () => ({ from: state.from, to: state.to, platform: state.platform });
const campaignPath = () => `campaigns/${encodeURIComponent(state.campaign?.id ?? '')}`;

const status = (text: string, isError = false) => {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
};

const showCsvLink = (id: string, href: string) => {
  const link = $<HTMLAnchorElement>(id);
  link.href = href;
  link.hidden = false;
};

// ---- Summary blocks and charts ------------------------------------------------------------------

const renderSummary = (dl: HTMLElement, figures: ReportFigures) => {
  for (const { key, label } of METRICS) {
    let dd = dl.querySelector<HTMLElement>(`dd[data-metric="${key}"]`);
    if (!dd) {
      const wrap = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = label;
      dd = document.createElement('dd');
      dd.dataset.metric = key;
      wrap.append(dt, dd);
      dl.append(wrap);
    }
    dd.textContent = formatFigure(figures[key]);
    dd.dataset.value = figures[key] === null ? '' : String(figures[key]);
  }
};

const charts = new Map<string, Chart>();
const drawChart = (canvasId: string, config: ChartConfiguration) => {
  charts.get(canvasId)?.destroy();
  charts.set(canvasId, new Chart($<HTMLCanvasElement>(canvasId), config));
};

const totalsChart = (t: TotalsResponse): ChartConfiguration => ({
  type: 'bar',
  data: {
    labels: t.days.map((d) => d.day),
    datasets: [
      ...(['likes', 'shares', 'comments'] as const).map((m) => ({
        type: 'bar' as const,
        label: m[0]?.toUpperCase() + m.slice(1),
        data: t.days.map((d) => d[m]),
        backgroundColor: COLORS[m],
        stack: 'engagement',
        yAxisID: 'y',
      })),
      {
        type: 'line' as const,
        label: 'Mentions',
        data: t.days.map((d) => d.mentions),
        borderColor: COLORS.mentions,
        backgroundColor: COLORS.mentions,
        yAxisID: 'mentions',
      },
    ],
  },
  options: {
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'index', intersect: false },
    scales: {
      x: { stacked: true },
      y: { stacked: true, title: { display: true, text: 'Engagement' } },
      mentions: {
        position: 'right',
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        title: { display: true, text: 'Mentions' },
      },
    },
  },
});

const seriesChart = (s: SeriesResponse): ChartConfiguration => ({
  type: 'line',
  data: {
    labels: s.days.map((d) => d.day),
    datasets: (['mentions', 'likes', 'shares', 'comments'] as const).map((m) => ({
      label: m[0]?.toUpperCase() + m.slice(1),
      data: s.days.map((d) => d[m]),
      borderColor: COLORS[m],
      backgroundColor: COLORS[m],
    })),
  },
  options: { maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false } },
});

// ---- Ranking tables ------------------------------------------------------------------------------

interface RankingView<T> {
  tableId: string;
  moreId: string;
  csvId: string;
  path: string;
  metric: () => Metric;
  setMetric: (m: Metric) => void;
  leadHeaders: string[];
  leadCells: (entry: T) => (string | HTMLElement)[];
  rowId: (entry: T) => string;
}

const cell = (tag: 'td' | 'th', content: string | HTMLElement): HTMLTableCellElement => {
  const el = document.createElement(tag);
  if (typeof content === 'string') el.textContent = content;
  else el.append(content);
  return el;
};

const renderHead = <T>(view: RankingView<T>, reload: () => void) => {
  const row = document.createElement('tr');
  for (const h of ['#', ...view.leadHeaders]) {
    const th = cell('th', h);
    th.scope = 'col';
    row.append(th);
  }
  for (const { key, label } of METRICS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.dataset.metric = key;
    button.addEventListener('click', () => {
      view.setMetric(key);
      reload();
    });
    const th = cell('th', button);
    th.scope = 'col';
    if (key === view.metric()) th.setAttribute('aria-sort', 'descending');
    row.append(th);
  }
  $(view.tableId).querySelector('thead')?.replaceChildren(row);
};

const appendRows = <T extends ReportFigures & { rank: number }>(view: RankingView<T>, items: T[]) => {
  const body = $(view.tableId).querySelector('tbody');
  for (const entry of items) {
    const tr = document.createElement('tr');
    tr.dataset.id = view.rowId(entry);
    tr.append(cell('td', String(entry.rank)), ...view.leadCells(entry).map((c) => cell('td', c)));
    for (const { key } of METRICS) {
      const td = cell('td', formatFigure(entry[key]));
      td.dataset.metric = key;
      td.dataset.value = entry[key] === null ? '' : String(entry[key]);
      tr.append(td);
    }
    body?.append(tr);
  }
};

const loadRanking = async <T extends ReportFigures & { rank: number }>(
  view: RankingView<T>,
  after?: (items: T[]) => void,
) => {
  const params = { ...range(), metric: view.metric(), limit: String(PAGE_SIZE) };
  showCsvLink(
    view.csvId,
    urlFor(`${campaignPath()}/${view.path}`, { ...params, limit: '500', format: 'csv' }),
  );
  const reload = () => void loadRanking(view, after).catch(showError);
  renderHead(view, reload);
  $(view.tableId).querySelector('tbody')?.replaceChildren();
  const more = $<HTMLButtonElement>(view.moreId);
  const page = async (next?: string) => {
    const res = await fetchJson<{ items: T[]; next: string | null }>(`${campaignPath()}/${view.path}`, {
      ...params,
      next,
    });
    appendRows(view, res.items);
    more.hidden = res.next === null;
    more.onclick = () => void page(res.next ?? undefined).catch(showError);
    return res.items;
  };
  const first = await page();
  after?.(first);
};

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

// ---- Views ---------------------------------------------------------------------------------------

const loadTotals = async () => {
  const totals = await fetchJson<TotalsResponse>(`${campaignPath()}/totals`, range());
  // The API resolves default dates; show the range it actually used.
  state.from = totals.from;
  state.to = totals.to;
  $<HTMLInputElement>('from').value = totals.from;
  $<HTMLInputElement>('to').value = totals.to;
  renderSummary($('summary'), totals.summary);
  drawChart('totals-chart', totalsChart(totals));
  showCsvLink('totals-csv', urlFor(`${campaignPath()}/totals`, { ...range(), format: 'csv' }));
};

const loadSeries = async (kolId: string) => {
  state.kolId = kolId;
  const series = await fetchJson<SeriesResponse>(
    `${campaignPath()}/kols/${encodeURIComponent(kolId)}/series`,
    range(),
  );
  $('series-name').textContent = series.name;
  renderSummary($('series-summary'), series.summary);
  drawChart('series-chart', seriesChart(series));
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

const showError = (e: unknown) => status(e instanceof Error ? e.message : String(e), true);

const loadCampaign = async () => {
  const id = $<HTMLSelectElement>('campaign').value;
  status('Loading…');
  const campaign = await fetchJson<CampaignDetail>(`campaigns/${encodeURIComponent(id)}`);
  if (campaign.id !== state.campaign?.id) state.kolId = undefined;
  state.campaign = campaign;
  $('demo-badge').hidden = !/demo/i.test(`${campaign.id} ${campaign.name}`);
  $('campaign-info').textContent =
    `${campaign.name}: ${campaign.hashtags.join(' ')} · ${campaign.start} to ${campaign.end ?? 'open'} · ` +
    `time zone ${campaign.timeZone} · ${campaign.kolCount} KOLs`;
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
  ]);
  status(`Showing ${state.from} to ${state.to}${state.platform ? ` on ${state.platform}` : ''}.`);
};

const start = async () => {
  const fromHash = new URLSearchParams(location.hash.slice(1));
  const { items } = await fetchJson<CampaignsResponse>('campaigns');
  const select = $<HTMLSelectElement>('campaign');
  for (const c of items) select.append(new Option(c.name, c.id));
  if (items.length === 0) {
    status('No campaigns are configured.', true);
    return;
  }
  const wanted = fromHash.get('campaign');
  if (wanted && items.some((c) => c.id === wanted)) select.value = wanted;
  state.from = fromHash.get('from') ?? undefined;
  state.to = fromHash.get('to') ?? undefined;
  state.platform = fromHash.get('platform') ?? undefined;
  $<HTMLSelectElement>('platform').value = state.platform ?? '';

  select.addEventListener('change', () => {
    state.from = undefined;
    state.to = undefined;
    void loadCampaign().catch(showError);
  });
  $<HTMLFormElement>('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    state.from = $<HTMLInputElement>('from').value || undefined;
    state.to = $<HTMLInputElement>('to').value || undefined;
    state.platform = $<HTMLSelectElement>('platform').value || undefined;
    void loadCampaign().catch(showError);
  });
  await loadCampaign();
};

if (document.readyState === 'loading')
  document.addEventListener('DOMContentLoaded', () => void start().catch(showError));
else void start().catch(showError);
