import type { KolPulseConfig } from '../../shared/config';
import type { SpikeAlert } from '../../shared/events/alerts';
import type { SpikeMetric, SpikeScope } from '../../shared/events/schemas';
import type { Observation } from '../../shared/observation';
import { dayOf } from '../../shared/time';
import { HOURLY_WINDOW_HOURS, hourOf, hourStartMs } from './hourly';
import { associate, type CampaignIndex } from './matching';

/**
 * Spike detection (docs/events.md, "Spikes"): a pure function of stored hourly figures. Those figures are
 * exact (same outbox-and-marker protocol as the daily ones), so once a set of observations is applied, every
 * delivery order and every duplicate leaves the same figures and this function gives the same answer.
 */
export interface HourFigures {
  mentions: number;
  engagement: number;
}

export interface SpikeFinding {
  metric: SpikeMetric;
  value: number;
  baseline: number;
}

const HOUR_MS = 3_600_000;

/** The hours [hour - baselineHours, hour - 1] that form an hour's baseline. */
export const baselineHoursOf = (hour: string, baselineHours: number): string[] =>
  Array.from({ length: baselineHours }, (_, i) => hourOf(hourStartMs(hour) - (baselineHours - i) * HOUR_MS));

/** An hour spikes on a metric when its figure ≥ minCount and > factor × the baseline's mean per hour. */
export const detectSpikes = (
  series: ReadonlyMap<string, HourFigures>,
  hour: string,
  alert: SpikeAlert,
): SpikeFinding[] => {
  const baselineHours = baselineHoursOf(hour, alert.baselineHours);
  return alert.metrics.flatMap((metric): SpikeFinding[] => {
    const value = series.get(hour)?.[metric] ?? 0;
    const sum = baselineHours.reduce((n, h) => n + (series.get(h)?.[metric] ?? 0), 0);
    const baseline = sum / alert.baselineHours;
    return value >= alert.minCount && value > alert.factor * baseline ? [{ metric, value, baseline }] : [];
  });
};

/** Hours older than this (behind the batch's clock) are not evaluated: alerts are about the last hour. */
export const RECENT_HOURS = 2;

export interface SpikeTarget {
  campaignId: string;
  scope: SpikeScope;
  hour: string;
}

export interface Touched {
  /** `campaignId`, `kolId`, `day` of every KOL day the batch may have changed. */
  kolDays: Map<string, { campaignId: string; kolId: string; day: string }>;
  spikeTargets: Map<string, SpikeTarget>;
}

const scopeKey = (t: SpikeTarget) => JSON.stringify([t.campaignId, t.scope, t.hour]);

/** What a batch of observations can have changed: KOL days, and the recent hours of alerting scopes. */
export const touchedBy = (
  observations: readonly Observation[],
  index: CampaignIndex,
  config: KolPulseConfig,
  nowMs: number,
): Touched => {
  const alerting = new Set(config.campaigns.filter((c) => c.alerts?.spike).map((c) => c.id));
  const oldest = hourOf(nowMs - RECENT_HOURS * HOUR_MS);
  const touched: Touched = { kolDays: new Map(), spikeTargets: new Map() };
  for (const o of observations) {
    for (const a of associate(index, o)) {
      if (a.target === 'kol')
        for (const day of new Set([dayOf(o.publishedAt, a.timeZone), dayOf(o.observedAt, a.timeZone)]))
          touched.kolDays.set(JSON.stringify([a.campaignId, a.kolId, day]), {
            campaignId: a.campaignId,
            kolId: a.kolId,
            day,
          });
      if (!alerting.has(a.campaignId)) continue;
      const published = Date.parse(o.publishedAt);
      const hours = [hourOf(published)];
      if (Date.parse(o.observedAt) < published + HOURLY_WINDOW_HOURS * HOUR_MS)
        hours.push(hourOf(o.observedAt));
      const scopes: SpikeScope[] = [
        { kind: 'campaign' },
        a.target === 'kol'
          ? { kind: 'kol', kolId: a.kolId }
          : { kind: 'voice', platform: o.platform, userId: a.userId, handle: a.handle },
      ];
      for (const hour of hours.filter((h) => h >= oldest))
        for (const scope of scopes) {
          const target = { campaignId: a.campaignId, scope, hour };
          touched.spikeTargets.set(scopeKey(target), target);
        }
    }
  }
  return touched;
};
