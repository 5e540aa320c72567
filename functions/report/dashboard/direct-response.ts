import type { ChartConfiguration } from 'chart.js';
import type { z } from 'zod';
import type { DirectLeaderboardSchema, DirectResponse, TrackedLinks } from '../direct-response/schemas';
import { fetchJson, urlFor } from './api';
import { drawChart } from './charts';
import { $, cell, formatFigure, showCsvLink } from './dom';
import { campaignPath, state } from './state';

/**
 * The dashboard's direct-response panel: summary cards (clicks, conversions, revenue per currency, ROI), a
 * daily chart, and a KOL table with ROI and each KOL's tracked links to copy. Figures come from the API as is.
 */

type Leaderboard = z.infer<typeof DirectLeaderboardSchema>;

const SECTION_HTML = `
  <div class="section-head">
    <h2 id="dr-heading">Direct response</h2>
    <a id="dr-csv" class="csv" href="campaigns?format=csv" hidden>Download CSV</a>
  </div>
  <p class="hint">Clicks, leads, conversions and sales from signed shop/CRM events, by tracking code. ROI = (revenue − fee) / fee, in the fee's currency.</p>
  <dl id="dr-summary" class="summary"></dl>
  <div class="chart"><canvas id="dr-chart" role="img" aria-label="Daily conversions (bars) and clicks (line)"></canvas></div>
  <div class="table-wrap">
    <table id="dr-kols" class="ranking">
      <caption class="visually-hidden">Roster KOLs by direct response, with tracked links</caption>
      <thead><tr><th>KOL</th><th>Code</th><th>Clicks</th><th>Conversions</th><th>Sales</th><th>Revenue</th><th>Fee</th><th>Cost / conversion</th><th>ROI</th><th>Tracked link</th></tr></thead>
      <tbody></tbody>
    </table>
  </div>`;

const section = (): HTMLElement => {
  let el = document.getElementById('direct-response');
  if (!el) {
    el = document.createElement('section');
    el.id = 'direct-response';
    el.setAttribute('aria-labelledby', 'dr-heading');
    el.innerHTML = SECTION_HTML;
    document.querySelector('main')?.append(el);
  }
  return el;
};

export const formatRevenue = (revenue: Record<string, number>): string => {
  const parts = Object.entries(revenue).map(([currency, amount]) =>
    new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount),
  );
  return parts.length > 0 ? parts.join(' + ') : '0';
};

const REASONS: Record<string, string> = {
  no_fee: 'n/a (no fee)',
  currency_mismatch: 'n/a (revenue in another currency than the fee)',
  mixed_fee_currencies: 'n/a (fees in several currencies)',
};
export const formatRoi = (roi: number | null, reason: string | null): string =>
  roi === null ? (REASONS[reason ?? ''] ?? 'n/a') : `${(roi * 100).toFixed(1)} %`;

/** Summary cards, rebuilt on every load: label, shown text and the raw value (data-value, for tests). */
const renderCards = (dl: HTMLElement, cards: [key: string, label: string, text: string, value: string][]) =>
  dl.replaceChildren(
    ...cards.map(([key, label, text, value]) => {
      const wrap = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = label;
      Object.assign(dd.dataset, { metric: key, value });
      dd.textContent = text;
      wrap.append(dt, dd);
      return wrap;
    }),
  );

const chart = (r: DirectResponse): ChartConfiguration => ({
  type: 'bar',
  data: {
    labels: r.days.map((d) => d.day),
    datasets: [
      {
        type: 'bar',
        label: 'Conversions',
        data: r.days.map((d) => d.conversions),
        backgroundColor: '#009E73',
        yAxisID: 'y',
      },
      {
        type: 'line',
        label: 'Clicks',
        data: r.days.map((d) => d.clicks),
        borderColor: '#0072B2',
        backgroundColor: '#0072B2',
        yAxisID: 'clicks',
      },
    ],
  },
  options: {
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'index', intersect: false },
    scales: {
      y: { beginAtZero: true, title: { display: true, text: 'Conversions' } },
      clicks: {
        position: 'right',
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        title: { display: true, text: 'Clicks' },
      },
    },
  },
});

const copyButton = (url: string): HTMLElement => {
  const wrap = document.createElement('span');
  const input = document.createElement('input');
  input.readOnly = true;
  input.value = url;
  input.className = 'link';
  input.setAttribute('aria-label', 'Tracked link');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Copy';
  button.addEventListener('click', () => {
    input.select();
    void navigator.clipboard?.writeText(url).then(() => {
      button.textContent = 'Copied';
    });
  });
  wrap.append(input, button);
  return wrap;
};

const renderTable = (board: Leaderboard, links: TrackedLinks) => {
  const tbody = $('dr-kols').querySelector('tbody');
  if (!tbody) return;
  tbody.replaceChildren(
    ...board.items.map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.id = e.kolId;
      const url = links.items.find((k) => k.kolId === e.kolId)?.links[0]?.url;
      tr.append(
        cell('th', e.name),
        cell('td', e.code),
        cell('td', formatFigure(e.clicks)),
        cell('td', formatFigure(e.conversions)),
        cell('td', formatFigure(e.sales)),
        cell('td', formatRevenue(e.revenue)),
        cell('td', e.fee ? formatRevenue({ [e.fee.currency]: e.fee.amount }) : '–'),
        cell(
          'td',
          e.costPerConversion === null || !e.fee
            ? 'n/a'
            : formatRevenue({ [e.fee.currency]: e.costPerConversion }),
        ),
        cell('td', formatRoi(e.roi, e.roiUnknownReason)),
        cell('td', url ? copyButton(url) : 'no landing URL configured'),
      );
      for (const [i, td] of [...tr.children].entries())
        if (i === 8) (td as HTMLElement).dataset.roi = e.roi === null ? '' : String(e.roi);
      return tr;
    }),
  );
};

/** Loads the panel for the selected campaign and range (platform filters do not apply: events have no platform). */
export const loadDirectResponse = async () => {
  section();
  const range = { from: state.from, to: state.to };
  const [totals, board, links] = await Promise.all([
    fetchJson<DirectResponse>(`${campaignPath()}/direct-response`, range),
    fetchJson<Leaderboard>(`${campaignPath()}/direct-response/kols`, { ...range, metric: 'roi' }),
    fetchJson<TrackedLinks>(`${campaignPath()}/links`),
  ]);
  const s = totals.summary;
  renderCards($('dr-summary'), [
    ['clicks', 'Clicks', formatFigure(s.clicks), String(s.clicks)],
    ['leads', 'Leads', formatFigure(s.leads), String(s.leads)],
    ['conversions', 'Conversions', formatFigure(s.conversions), String(s.conversions)],
    ['revenue', 'Revenue', formatRevenue(s.revenue), JSON.stringify(s.revenue)],
    ['roi', 'ROI', formatRoi(s.roi, s.roiUnknownReason), s.roi === null ? '' : String(s.roi)],
  ]);
  drawChart('dr-chart', chart(totals));
  renderTable(board, links);
  showCsvLink(
    'dr-csv',
    urlFor(`${campaignPath()}/direct-response/kols`, { ...range, metric: 'roi', format: 'csv' }),
  );
};
