import { kolDayKey, kolWeekKey, totalDayKey, totalShardOf, voiceDayKey } from '../../shared/keys';
import { COUNTERS, type Figures } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { type Day, dayOf, weekStartOf } from '../../shared/time';
import {
  cloneSnaps,
  compactHistory,
  type DailyCounters,
  dailyCounters,
  emptyHistory,
  mergeSnapshot,
  type Snaps,
} from './history';
import { type Association, associate, type CampaignIndex } from './matching';
import type { PostState, RollupChange } from './post-state';

export type Delta = Partial<Figures>;

export interface PlannerOptions {
  /** Days per zone kept in a post's history before the oldest are folded into its floor. */
  maxHistoryDays: number;
}

export type PostPlan =
  /** No campaign matches the post: nothing is stored. */
  | { kind: 'unmatched' }
  /** Every observation was a duplicate or older than what its day already holds: no write at all. */
  | { kind: 'unchanged' }
  /** Write `next` (rev + 1); its outbox holds the rollup changes, absent when only the history moved. */
  | { kind: 'write'; next: PostState };

/** Per-day metric deltas between two versions of a post's figures in one zone. */
export const diffDailyCounters = (before: DailyCounters, after: DailyCounters): Map<Day, Delta> => {
  const out = new Map<Day, Delta>();
  const days = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const day of days) {
    const old = before.get(day) ?? {};
    const now = after.get(day) ?? {};
    const delta: Delta = {};
    for (const counter of COUNTERS) {
      const diff = (now[counter] ?? 0) - (old[counter] ?? 0);
      // views: a known 0 differs from unknown, so it is written even without a net change.
      const becameKnown = counter === 'views' && now[counter] !== undefined && old[counter] === undefined;
      if (diff !== 0 || becameKnown) delta[counter] = diff;
    }
    if (Object.keys(delta).length > 0) out.set(day, delta);
  }
  return out;
};

const addDelta = (into: Map<Day, Delta>, day: Day, add: Delta) => {
  const current = into.get(day) ?? {};
  for (const [metric, value] of Object.entries(add) as [keyof Figures, number][]) {
    current[metric] = (current[metric] ?? 0) + value;
  }
  into.set(day, current);
};

/**
 * The rollup items one association's delta on one day lands on: the KOL or voice item, a total shard and,
 * for a roster KOL, its week item (a post's days of one week all land there; the store sums them under
 * the post's one marker).
 */
export const rollupChangesFor = (
  platform: Platform,
  postId: string,
  association: Association,
  day: Day,
  delta: Delta,
): RollupChange[] => {
  const { campaignId } = association;
  const change = (
    key: { pk: string; sk: string; gsi1pk: string; gsi1sk: string },
    attrs: Record<string, string | number>,
  ): RollupChange => ({
    pk: key.pk,
    sk: key.sk,
    attrs: { campaignId, platform, gsi1pk: key.gsi1pk, gsi1sk: key.gsi1sk, ...attrs },
    delta: { ...delta },
  });
  const shard = totalShardOf(platform, postId);
  const total = change(totalDayKey(campaignId, day, platform, shard), { day, kind: 'total', shard });
  if (association.target === 'voice') {
    const { userId, handle } = association;
    return [
      change(voiceDayKey(campaignId, platform, userId, day), { day, kind: 'voice', userId, handle }),
      total,
    ];
  }
  const { kolId } = association;
  const week = weekStartOf(day);
  return [
    change(kolDayKey(campaignId, kolId, day, platform), { day, kind: 'kol', kolId }),
    total,
    change(kolWeekKey(campaignId, kolId, week, platform), { week, kind: 'kolWeek', kolId }),
  ];
};

const byObservedAt = (a: Observation, b: Observation) => Date.parse(a.observedAt) - Date.parse(b.observedAt);

/**
 * Turns a batch's observations of one post into the post's next state and the exact rollup changes:
 * old versus new per-day figures of its history in every campaign zone, plus one mention on the publish
 * day when the post is first associated. Pure: no I/O, no clock.
 */
export const planPostUpdate = (
  current: PostState | undefined,
  observations: readonly Observation[],
  index: CampaignIndex,
  options: PlannerOptions,
): PostPlan => {
  const sorted = [...observations].sort(byObservedAt);
  const first = sorted[0];
  if (!first) return { kind: 'unchanged' };
  const platform = current?.platform ?? first.platform;
  const postId = current?.postId ?? first.postId;
  const mentions = new Map<string, Map<Day, Delta>>();
  let base: PostState;
  if (current) {
    base = current;
  } else {
    const associations = associate(index, first);
    if (associations.length === 0) return { kind: 'unmatched' };
    const publishedAt = new Date(first.publishedAt).toISOString();
    base = {
      platform,
      postId,
      author: { id: first.author.id, handle: first.author.handle },
      publishedAt,
      associations,
      rev: 0,
      snaps: {},
    };
    for (const a of associations) {
      mentions.set(a.campaignId, new Map([[dayOf(publishedAt, a.timeZone), { mentions: 1 }]]));
    }
  }

  const zones = [...new Set(base.associations.map((a) => a.timeZone))];
  const snaps: Snaps = cloneSnaps(base.snaps);
  const deltasByZone = new Map<string, Map<Day, Delta>>();
  let historyChanged = false;
  for (const zone of zones) {
    const history = snaps[zone] ?? emptyHistory();
    snaps[zone] = history;
    const before = dailyCounters(history);
    let zoneChanged = false;
    for (const o of sorted) {
      zoneChanged =
        mergeSnapshot(history, zone, { observedAtMs: Date.parse(o.observedAt), counters: o.counters }) ||
        zoneChanged;
    }
    if (!zoneChanged) continue;
    historyChanged = true;
    deltasByZone.set(zone, diffDailyCounters(before, dailyCounters(history)));
    compactHistory(history, options.maxHistoryDays);
  }

  const changes: RollupChange[] = [];
  for (const association of base.associations) {
    const perDay = new Map<Day, Delta>();
    for (const [day, delta] of mentions.get(association.campaignId) ?? []) addDelta(perDay, day, delta);
    for (const [day, delta] of deltasByZone.get(association.timeZone) ?? []) addDelta(perDay, day, delta);
    for (const [day, delta] of [...perDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
      changes.push(...rollupChangesFor(platform, postId, association, day, delta));
    }
  }

  if (current && !historyChanged) return { kind: 'unchanged' };
  const rev = base.rev + 1;
  const { outbox: _applied, ...rest } = base;
  const next: PostState = { ...rest, rev, snaps };
  if (changes.length > 0) next.outbox = { rev, changes };
  return { kind: 'write', next };
};
