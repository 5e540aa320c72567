import { campaignHourKey, kolHourKey, totalShardOf, voiceHourKey } from '../../shared/keys';
import type { Counters } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { dailyCounters, emptyHistory, mergeSnapshot, type ZoneHistory } from './history';
import type { Association } from './matching';
import { type Delta, diffDailyCounters } from './planner';
import type { RollupChange } from './post-state';

/**
 * Hourly figures for spike detection (docs/data-model.md, "Hourly items"), only for campaigns with
 * `alerts.spike`. Same definitions as the daily figures with UTC hours as the calendar unit: mentions on the
 * publish hour; likes, shares, comments = the net increase observed during the hour. The post keeps a
 * second history (`hourly`, hours instead of days) for readings observed in the first HOURLY_WINDOW_HOURS
 * after publishing, so its size is bounded; later readings count in the daily figures only. The hourly
 * deltas travel in the same outbox as the daily ones, under the same per-post markers: exactly once.
 */
export const HOURLY_WINDOW_HOURS = 24;
/** Hourly items expire this long after their hour (DynamoDB TTL): spike baselines look back ≤ 7 days. */
export const HOURLY_ITEM_TTL_SECONDS = 8 * 86_400;
const HOUR_MS = 3_600_000;

/** The UTC hour of an instant as used in keys: `2026-11-30T14`. */
export const hourOf = (instant: number | string): string => new Date(instant).toISOString().slice(0, 13);
export const hourStartMs = (hour: string): number => Date.parse(`${hour}:00:00Z`);

const SPIKE_COUNTERS = ['likes', 'shares', 'comments'] as const;

export interface HourlyInput {
  platform: Platform;
  postId: string;
  publishedAt: string;
  associations: readonly Association[];
  hourly?: ZoneHistory;
}

export interface HourlyPlan {
  /** The post's next hourly history (undefined: the post has none). */
  hourly?: ZoneHistory;
  changed: boolean;
  changes: RollupChange[];
}

/** Merges the batch's readings into the post's hourly history and returns the hourly rollup changes. */
export const planHourly = (
  post: HourlyInput,
  isNew: boolean,
  sorted: readonly Observation[],
  campaigns: ReadonlySet<string>,
): HourlyPlan => {
  const associations = post.associations.filter((a) => campaigns.has(a.campaignId));
  if (associations.length === 0)
    return { ...(post.hourly ? { hourly: post.hourly } : {}), changed: false, changes: [] };
  const history = structuredClone(post.hourly ?? emptyHistory());
  const before = dailyCounters(history);
  const published = Date.parse(post.publishedAt);
  let changed = false;
  for (const o of sorted) {
    const at = Date.parse(o.observedAt);
    if (at < published - HOUR_MS || at >= published + HOURLY_WINDOW_HOURS * HOUR_MS) continue;
    const counters: Counters = {};
    for (const c of SPIKE_COUNTERS) if (o.counters[c] !== undefined) counters[c] = o.counters[c];
    changed = mergeSnapshot(history, 'UTC', { observedAtMs: at, counters }, hourOf) || changed;
  }
  const deltas = changed ? diffDailyCounters(before, dailyCounters(history)) : new Map<string, Delta>();
  if (isNew) {
    const hour = hourOf(published);
    deltas.set(hour, { ...deltas.get(hour), mentions: 1 });
  }
  const changes = [...deltas]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([hour, delta]) => associations.flatMap((a) => hourlyChangesFor(post, a, hour, delta)));
  return { hourly: history, changed: changed || isNew, changes };
};

export const hourlyChangesFor = (
  post: Pick<HourlyInput, 'platform' | 'postId'>,
  association: Association,
  hour: string,
  delta: Delta,
): RollupChange[] => {
  const { campaignId } = association;
  const expiresAt = Math.floor(hourStartMs(hour) / 1000) + HOURLY_ITEM_TTL_SECONDS;
  const common = { campaignId, hour, expiresAt };
  const change = (key: { pk: string; sk: string }, attrs: RollupChange['attrs']): RollupChange => ({
    ...key,
    attrs: { ...common, ...attrs },
    delta: { ...delta },
  });
  const shard = totalShardOf(post.platform, post.postId);
  const campaign = change(campaignHourKey(campaignId, hour, shard), { kind: 'campaignHour', shard });
  if (association.target === 'kol')
    return [
      change(kolHourKey(campaignId, association.kolId, hour), { kind: 'kolHour', kolId: association.kolId }),
      campaign,
    ];
  const { userId, handle } = association;
  return [
    change(voiceHourKey(campaignId, post.platform, userId, hour), {
      kind: 'voiceHour',
      platform: post.platform,
      userId,
      handle,
    }),
    campaign,
  ];
};

/** Rollup item kinds that hold hourly figures (readers of daily figures skip them). */
export const HOURLY_KINDS: ReadonlySet<string> = new Set(['kolHour', 'voiceHour', 'campaignHour']);
