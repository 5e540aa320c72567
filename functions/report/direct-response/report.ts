import type { Campaign, Kol } from '../../../shared/config';
import { UNATTRIBUTED } from '../../../shared/direct-response-keys';
import { type Day, daysBetween } from '../../../shared/time';
import { trackedLink, trackingCode, UTM_MEDIUM, UTM_SOURCE } from '../../../shared/tracking';
import type { DayRange } from '../params';
import {
  addDirectTally,
  addRow,
  type DirectTally,
  emptyDirectTally,
  feeMinor,
  figuresOfTally,
  returnFigures,
  sumFees,
} from './figures';
import type { DirectKolEntry, DirectKolSeries, DirectMetric, DirectResponse, TrackedLinks } from './schemas';
import type { DirectResponseStore, EventRow } from './store';

/** Direct-response report use cases: plain functions over the campaign and the store. */

const scope = (c: Campaign, range: DayRange) => ({
  campaignId: c.id,
  timeZone: c.timeZone,
  from: range.from,
  to: range.to,
});

/** Tallies of rows per day and the range total. */
const byDay = (rows: readonly EventRow[], range: DayRange) => {
  const days = new Map<Day, DirectTally>();
  const total = emptyDirectTally();
  for (const row of rows) {
    const t = days.get(row.day) ?? emptyDirectTally();
    days.set(row.day, addRow(t, row));
    addRow(total, row);
  }
  const series = daysBetween(range.from, range.to).map((day) => ({
    day,
    ...figuresOfTally(days.get(day) ?? emptyDirectTally()),
  }));
  return { total, series };
};

const perKol = (rows: readonly EventRow[]): Map<string, DirectTally> => {
  const tallies = new Map<string, DirectTally>();
  for (const row of rows) tallies.set(row.kolKey, addRow(tallies.get(row.kolKey) ?? emptyDirectTally(), row));
  return tallies;
};

export const campaignDirectResponse = async (
  store: DirectResponseStore,
  c: Campaign,
  range: DayRange,
): Promise<DirectResponse> => {
  const rows = await store.rows(c.id, daysBetween(range.from, range.to));
  const { total, series } = byDay(rows, range);
  const kols = perKol(rows);
  const feed = c.kols.filter((k) => k.fee);
  const feedRevenue = emptyDirectTally();
  for (const k of feed) addDirectTally(feedRevenue, kols.get(k.id) ?? emptyDirectTally());
  // Cost per conversion over the KOLs that have a fee: their fees over their conversions, like the ROI.
  const ret = returnFigures(feedRevenue, sumFees(feed.map((k) => k.fee)));
  return {
    ...scope(c, range),
    summary: { ...figuresOfTally(total), ...ret },
    unattributed: figuresOfTally(kols.get(UNATTRIBUTED) ?? emptyDirectTally()),
    days: series,
  };
};

const kolEntry = (c: Campaign, k: Kol, t: DirectTally): Omit<DirectKolEntry, 'rank'> => ({
  kolId: k.id,
  name: k.name,
  code: trackingCode(c.id, k.id),
  ...figuresOfTally(t),
  ...returnFigures(t, feeMinor(k.fee)),
});

/** The value an entry ranks by: higher is better, except cost per conversion; unknown ranks last. */
const sortValue = (
  e: Omit<DirectKolEntry, 'rank'>,
  metric: DirectMetric,
  currency: string | undefined,
): number => {
  const v =
    metric === 'revenue'
      ? currency
        ? e.revenue[currency]
        : undefined
      : (e[metric] as number | null | undefined);
  if (v === null || v === undefined) return Number.NEGATIVE_INFINITY;
  return metric === 'costPerConversion' ? -v : v;
};

export const rankDirect = async (
  store: DirectResponseStore,
  c: Campaign,
  range: DayRange,
  metric: DirectMetric,
  currency: string | undefined,
): Promise<DirectKolEntry[]> => {
  const kols = perKol(await store.rows(c.id, daysBetween(range.from, range.to)));
  return c.kols
    .map((k) => kolEntry(c, k, kols.get(k.id) ?? emptyDirectTally()))
    .sort((a, b) => {
      const d = sortValue(b, metric, currency) - sortValue(a, metric, currency);
      if (d !== 0 && !Number.isNaN(d)) return d > 0 ? 1 : -1;
      return a.kolId < b.kolId ? -1 : a.kolId > b.kolId ? 1 : 0;
    })
    .map((e, i) => ({ rank: i + 1, ...e }));
};

export const kolDirectSeries = async (
  store: DirectResponseStore,
  c: Campaign,
  k: Kol,
  range: DayRange,
): Promise<DirectKolSeries> => {
  const rows = await store.rows(c.id, daysBetween(range.from, range.to), k.id);
  const { total, series } = byDay(rows, range);
  const { rank: _r, kolId, name, code, ...summary } = { rank: 0, ...kolEntry(c, k, total) };
  return { ...scope(c, range), kolId, name, code, summary, days: series };
};

export const trackedLinks = (c: Campaign): TrackedLinks => ({
  campaignId: c.id,
  landingUrls: [...(c.landingUrls ?? [])],
  utm: { utm_source: UTM_SOURCE, utm_medium: UTM_MEDIUM, utm_campaign: c.id },
  items: c.kols.map((k) => {
    const code = trackingCode(c.id, k.id);
    return {
      kolId: k.id,
      name: k.name,
      code,
      links: (c.landingUrls ?? []).map((landingUrl) => ({
        landingUrl,
        url: trackedLink(landingUrl, c.id, code),
      })),
    };
  }),
});
