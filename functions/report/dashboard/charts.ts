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
import type { ReportFigures, SeriesResponse, TotalsResponse } from '../schemas';
import { $, formatMetric } from './dom';
import { METRICS } from './state';

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

// Okabe-Ito colours: distinguishable with common colour-vision deficiencies.
const COLORS = {
  mentions: '#D55E00',
  likes: '#0072B2',
  shares: '#009E73',
  comments: '#CC79A7',
  reach: '#E69F00',
  engagementRate: '#56B4E9',
} as const;

/** Reach (followers of the day's mentions) on its own axis: it is orders of magnitude above engagement. */
const reachLine = (days: readonly ReportFigures[]) => ({
  type: 'line' as const,
  label: 'Reach',
  data: days.map((d) => d.reach),
  borderColor: COLORS.reach,
  backgroundColor: COLORS.reach,
  borderDash: [6, 3],
  yAxisID: 'reach',
});
const reachAxis = {
  position: 'right' as const,
  beginAtZero: true,
  grid: { drawOnChartArea: false },
  title: { display: true, text: 'Reach' },
};

/** Fills a summary block (a <dl>) with one figure per metric, creating its entries on first use. */
export const renderSummary = (dl: HTMLElement, figures: ReportFigures) => {
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
    dd.textContent = formatMetric(key, figures[key]);
    dd.dataset.value = figures[key] === null ? '' : String(figures[key]);
  }
};

const charts = new Map<string, Chart>();
export const drawChart = (canvasId: string, config: ChartConfiguration) => {
  charts.get(canvasId)?.destroy();
  charts.set(canvasId, new Chart($<HTMLCanvasElement>(canvasId), config));
};

export const totalsChart = (t: TotalsResponse): ChartConfiguration => ({
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
      reachLine(t.days),
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
      reach: reachAxis,
    },
  },
});

export const seriesChart = (s: SeriesResponse): ChartConfiguration => ({
  type: 'line',
  data: {
    labels: s.days.map((d) => d.day),
    datasets: [
      ...(['mentions', 'likes', 'shares', 'comments'] as const).map((m) => ({
        type: 'line' as const,
        label: m[0]?.toUpperCase() + m.slice(1),
        data: s.days.map((d) => d[m]),
        borderColor: COLORS[m],
        backgroundColor: COLORS[m],
        yAxisID: 'y',
      })),
      reachLine(s.days),
      {
        type: 'line' as const,
        label: 'Engagement rate (%)',
        data: s.days.map((d) => (d.engagementRate === null ? null : d.engagementRate * 100)),
        borderColor: COLORS.engagementRate,
        backgroundColor: COLORS.engagementRate,
        borderDash: [2, 2],
        yAxisID: 'rate',
      },
    ],
  },
  options: {
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'index', intersect: false },
    scales: {
      reach: reachAxis,
      rate: { ...reachAxis, position: 'left', title: { display: true, text: 'Engagement rate (%)' } },
    },
  },
});
