/**
 * Campaign events on the dashboard: the recent-events list and the spike markers on the charts, both from
 * `GET /campaigns/{id}/events/recent` (docs/events.md). A marker sits on the day (campaign time zone) of a
 * spike's hour, on the chart's mentions line; the marked days are also on the canvas as `data-spike-days`.
 */
import type { ChartConfiguration } from 'chart.js';
import type { RecentEvent, RecentEventsResponse } from '../schemas';
import { fetchJson, urlFor } from './api';
import { $, formatFigure, showCsvLink } from './dom';
import { campaignPath } from './state';

let recent: RecentEvent[] = [];

const scopeLabel = (e: RecentEvent): string =>
  e.scope.kind === 'campaign'
    ? 'the campaign'
    : e.scope.kind === 'kol'
      ? `KOL ${e.scope.kolId}`
      : `voice ${e.scope.handle} (${e.scope.platform})`;

export const loadEvents = async (): Promise<void> => {
  const path = `${campaignPath()}/events/recent`;
  recent = (await fetchJson<RecentEventsResponse>(path, { limit: '20' })).items;
  const list = $('events');
  list.replaceChildren(
    ...recent.map((e) => {
      const li = document.createElement('li');
      li.dataset.eventId = e.eventId;
      li.textContent =
        `${e.hour.replace('T', ' ').slice(0, 16)} UTC: ${e.metric} of ${scopeLabel(e)} ` +
        `${formatFigure(e.value)} in the hour, ${e.factor}× above its ${e.baselineHours}-hour baseline ` +
        `(${e.baseline.toFixed(1)} per hour)`;
      return li;
    }),
  );
  $('events-empty').hidden = recent.length > 0;
  showCsvLink('events-csv', urlFor(path, { limit: '20', format: 'csv' }));
};

/** Spikes of the campaign (`kolId` undefined) or of one KOL. */
const spikeDays = (kolId?: string): Set<string> =>
  new Set(
    recent
      .filter((e) =>
        kolId ? e.scope.kind === 'kol' && e.scope.kolId === kolId : e.scope.kind === 'campaign',
      )
      .map((e) => e.day),
  );

/** Adds a triangle on each spike day of the chart's mentions line; records the days on the canvas. */
export const withSpikeMarkers = (
  canvasId: string,
  config: ChartConfiguration,
  kolId?: string,
): ChartConfiguration => {
  const days = spikeDays(kolId);
  const labels = (config.data.labels ?? []) as string[];
  const marked = labels.filter((d) => days.has(d));
  $(canvasId).dataset.spikeDays = marked.join(',');
  if (marked.length === 0) return config;
  const mentions = config.data.datasets.find((d) => d.label === 'Mentions') as
    | { data: (number | null)[]; yAxisID?: string }
    | undefined;
  const marker = {
    type: 'line' as const,
    label: 'Spike',
    data: labels.map((d, i) => (days.has(d) ? (mentions?.data[i] ?? 0) : null)),
    showLine: false,
    pointStyle: 'triangle' as const,
    pointRadius: 9,
    borderColor: '#000000',
    backgroundColor: '#F0E442',
    ...(mentions?.yAxisID ? { yAxisID: mentions.yAxisID } : {}),
  };
  return {
    ...config,
    data: { ...config.data, datasets: [...config.data.datasets, marker] },
  } as ChartConfiguration;
};
