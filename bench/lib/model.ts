import { type KolPulseConfig, normalizeHandle } from '../../shared/config';
import { normalizeHashtag } from '../../shared/hashtags';
import { kolDayKey, kolWeekKey, totalDayKey, totalShardOf, voiceDayKey } from '../../shared/keys';
import { COUNTERS, type CounterName, STORED_METRICS, type StoredMetric } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { addDays, type Day, dayOf, startOfDay, weekStartOf } from '../../shared/time';

/**
 * An independent in-memory model of the rollups, written from the metric rules of the design brief (not
 * from the aggregate's code), used for two things:
 * - the write lower bound of a batch: posts whose counters changed plus rollup items whose values changed;
 * - the expected rollups at the end of a replay (a cross-check beside the project's oracle).
 * Rules: mentions(D) counts a post once on its publish day; a counter's figure for day D is the latest
 * reading observed during D minus the latest reading before D (0 before the first), so duplicates and
 * stale snapshots change nothing and the result does not depend on delivery order.
 */

export type ItemKind = 'kol' | 'voice' | 'total' | 'kolWeek';

/**
 * Where an item belongs, in the oracle's row terms (subject: kolId, `platform:handle` or '' for totals;
 * day: the week's Monday for a KOL week item).
 */
export interface ItemIdentity {
  campaignId: string;
  kind: ItemKind;
  subject: string;
  day: Day;
  platform: Platform;
}

export interface ModelItem extends ItemIdentity {
  pk: string;
  sk: string;
  figures: Record<StoredMetric, number>;
  /** Number of contributions with a known views reading: views is absent when zero. */
  viewsKnown: number;
}

export interface BatchBound {
  observations: number;
  changedPosts: number;
  newPosts: number;
  changedKolOrVoiceItems: number;
  changedTotalItems: number;
  changedKolWeekItems: number;
  /** Minimum write requests: one per changed post state and one per changed rollup item. */
  writes: number;
  /**
   * Minimum write units, every item under 1 KB: a changed post (1) plus its byTrackDay index entry when new
   * (1); a KOL/voice, KOL week or total item (1) plus its byDay index entry, which projects the counters (1).
   */
  writeUnits: number;
}

interface Association {
  campaignId: string;
  timeZone: string;
  kolId?: string;
  handle?: string;
}

interface PostState {
  platform: Platform;
  postId: string;
  associations: Association[];
  publishedAt: string;
  /** Per zone and day, per counter, the latest reading [observedAt ms, value]. */
  readings: Map<string, Map<Day, Partial<Record<CounterName, [number, number]>>>>;
  contribution: Map<string, Contribution>;
}

interface Contribution extends ItemIdentity {
  pk: string;
  sk: string;
  figures: Partial<Record<StoredMetric, number>>;
  viewsKnown: boolean;
}

interface IndexedCampaign {
  id: string;
  timeZone: string;
  startMs: number;
  endMs: number;
  tags: Set<string>;
  kolByUser: Map<string, string>;
  kolByHandle: Map<string, string>;
}

const itemId = (pk: string, sk: string) => `${pk}\u0000${sk}`;

export class RollupModel {
  private readonly campaigns: IndexedCampaign[];
  private readonly posts = new Map<string, PostState>();
  readonly items = new Map<string, ModelItem>();

  constructor(config: KolPulseConfig) {
    this.campaigns = config.campaigns.map((c) => {
      const kolByUser = new Map<string, string>();
      const kolByHandle = new Map<string, string>();
      for (const kol of c.kols)
        for (const a of kol.accounts) {
          if (a.userId) kolByUser.set(`${a.platform}:${a.userId}`, kol.id);
          kolByHandle.set(`${a.platform}:${normalizeHandle(a.handle)}`, kol.id);
        }
      return {
        id: c.id,
        timeZone: c.timeZone,
        startMs: startOfDay(c.start, c.timeZone),
        endMs: c.end ? startOfDay(addDays(c.end, 1), c.timeZone) : Number.POSITIVE_INFINITY,
        tags: new Set(c.hashtags.map(normalizeHashtag)),
        kolByUser,
        kolByHandle,
      };
    });
  }

  private associate(o: Observation): Association[] {
    const published = Date.parse(o.publishedAt);
    const tags = o.hashtags.map(normalizeHashtag);
    return this.campaigns
      .filter((c) => published >= c.startMs && published < c.endMs && tags.some((t) => c.tags.has(t)))
      .map((c) => {
        const kolId =
          c.kolByUser.get(`${o.platform}:${o.author.id}`) ??
          c.kolByHandle.get(`${o.platform}:${normalizeHandle(o.author.handle)}`);
        return kolId
          ? { campaignId: c.id, timeZone: c.timeZone, kolId }
          : { campaignId: c.id, timeZone: c.timeZone, handle: normalizeHandle(o.author.handle) };
      });
  }

  /** Records the snapshot; true when it changed the post's readings. */
  private record(post: PostState, o: Observation): boolean {
    const at = Date.parse(o.observedAt);
    let changed = false;
    const zones = new Set(post.associations.map((a) => a.timeZone));
    for (const zone of zones) {
      let days = post.readings.get(zone);
      if (!days) {
        days = new Map();
        post.readings.set(zone, days);
      }
      const day = dayOf(at, zone);
      let latest = days.get(day);
      for (const counter of COUNTERS) {
        const value = o.counters[counter];
        if (value === undefined) continue;
        const current = latest?.[counter];
        if (current && (at < current[0] || (at === current[0] && value <= current[1]))) continue;
        if (!latest) {
          latest = {};
          days.set(day, latest);
        }
        latest[counter] = [at, value];
        changed = true;
      }
    }
    return changed;
  }

  private contributionOf(post: PostState): Map<string, Contribution> {
    const out = new Map<string, Contribution>();
    const shard = totalShardOf(post.platform, post.postId);
    const add = (
      a: Association,
      day: Day,
      figures: Partial<Record<StoredMetric, number>>,
      views: boolean,
    ) => {
      const targets: { key: { pk: string; sk: string }; kind: ItemKind; subject: string; day?: Day }[] = [
        a.kolId
          ? { key: kolDayKey(a.campaignId, a.kolId, day, post.platform), kind: 'kol', subject: a.kolId }
          : {
              key: voiceDayKey(a.campaignId, post.platform, a.handle ?? '', day),
              kind: 'voice',
              subject: `${post.platform}:${a.handle ?? ''}`,
            },
        { key: totalDayKey(a.campaignId, day, post.platform, shard), kind: 'total', subject: '' },
      ];
      if (a.kolId) {
        const week = weekStartOf(day);
        targets.push({
          key: kolWeekKey(a.campaignId, a.kolId, week, post.platform),
          kind: 'kolWeek',
          subject: a.kolId,
          day: week,
        });
      }
      for (const { key, kind, subject, day: itemDay = day } of targets) {
        const id = itemId(key.pk, key.sk);
        let c = out.get(id);
        if (!c) {
          c = {
            pk: key.pk,
            sk: key.sk,
            campaignId: a.campaignId,
            kind,
            subject,
            day: itemDay,
            platform: post.platform,
            figures: {},
            viewsKnown: false,
          };
          out.set(id, c);
        }
        for (const [m, v] of Object.entries(figures) as [StoredMetric, number][])
          c.figures[m] = (c.figures[m] ?? 0) + v;
        c.viewsKnown ||= views;
      }
    };
    for (const a of post.associations) {
      add(a, dayOf(post.publishedAt, a.timeZone), { mentions: 1 }, false);
      const days = [...(post.readings.get(a.timeZone) ?? new Map()).entries()].sort(([x], [y]) =>
        x < y ? -1 : x > y ? 1 : 0,
      );
      const previous: Partial<Record<CounterName, number>> = {};
      for (const [day, latest] of days) {
        const figures: Partial<Record<StoredMetric, number>> = {};
        for (const counter of COUNTERS) {
          const reading = latest[counter];
          if (!reading) continue;
          figures[counter] = reading[1] - (previous[counter] ?? 0);
          previous[counter] = reading[1];
        }
        add(a, day, figures, latest.views !== undefined);
      }
    }
    return out;
  }

  /** Applies one delivered batch (observations of every message of one invocation). */
  applyBatch(observations: readonly Observation[]): BatchBound {
    const touched = new Map<PostState, { before: Map<string, Contribution>; isNew: boolean }>();
    for (const o of observations) {
      const key = `${o.platform}\u0000${o.postId}`;
      let post = this.posts.get(key);
      let isNew = false;
      if (!post) {
        post = {
          platform: o.platform,
          postId: o.postId,
          associations: this.associate(o),
          publishedAt: o.publishedAt,
          readings: new Map(),
          contribution: new Map(),
        };
        this.posts.set(key, post);
        isNew = true;
      }
      if (!touched.has(post)) touched.set(post, { before: post.contribution, isNew });
      this.record(post, o);
    }

    const bound: BatchBound = {
      observations: observations.length,
      changedPosts: 0,
      newPosts: 0,
      changedKolOrVoiceItems: 0,
      changedTotalItems: 0,
      changedKolWeekItems: 0,
      writes: 0,
      writeUnits: 0,
    };
    const itemDelta = new Map<
      string,
      { c: Contribution; delta: Partial<Record<StoredMetric, number>>; views: number }
    >();
    for (const [post, { before, isNew }] of touched) {
      const after = this.contributionOf(post);
      post.contribution = after;
      let postChanged = isNew;
      for (const id of new Set([...before.keys(), ...after.keys()])) {
        const b = before.get(id);
        const a = after.get(id);
        const c = a ?? b;
        if (!c) continue;
        let entry = itemDelta.get(id);
        if (!entry) {
          entry = { c, delta: {}, views: 0 };
          itemDelta.set(id, entry);
        }
        for (const m of STORED_METRICS) {
          const d = (a?.figures[m] ?? 0) - (b?.figures[m] ?? 0);
          if (d !== 0) {
            entry.delta[m] = (entry.delta[m] ?? 0) + d;
            postChanged = true;
          }
        }
        const v = (a?.viewsKnown ? 1 : 0) - (b?.viewsKnown ? 1 : 0);
        if (v !== 0) {
          entry.views += v;
          postChanged = true;
        }
      }
      if (postChanged) {
        bound.changedPosts++;
        bound.writeUnits += isNew ? 2 : 1;
      }
      if (isNew) bound.newPosts++;
    }
    for (const [id, { c, delta, views }] of itemDelta) {
      let item = this.items.get(id);
      const hadViews = (item?.viewsKnown ?? 0) > 0;
      if (!item) {
        item = {
          pk: c.pk,
          sk: c.sk,
          campaignId: c.campaignId,
          kind: c.kind,
          subject: c.subject,
          day: c.day,
          platform: c.platform,
          figures: { mentions: 0, likes: 0, shares: 0, comments: 0, views: 0 },
          viewsKnown: 0,
        };
        this.items.set(id, item);
      }
      let changed = false;
      for (const [m, d] of Object.entries(delta) as [StoredMetric, number][]) {
        if (d === 0) continue;
        item.figures[m] += d;
        changed = true;
      }
      item.viewsKnown += views;
      if (hadViews !== item.viewsKnown > 0) changed = true;
      if (!changed) continue;
      if (c.kind === 'total') bound.changedTotalItems++;
      else if (c.kind === 'kolWeek') bound.changedKolWeekItems++;
      else bound.changedKolOrVoiceItems++;
      bound.writeUnits += 2;
    }
    bound.writes =
      bound.changedPosts + bound.changedKolOrVoiceItems + bound.changedKolWeekItems + bound.changedTotalItems;
    return bound;
  }
}

export const sumBounds = (bounds: readonly BatchBound[]): BatchBound =>
  bounds.reduce<BatchBound>(
    (acc, b) => ({
      observations: acc.observations + b.observations,
      changedPosts: acc.changedPosts + b.changedPosts,
      newPosts: acc.newPosts + b.newPosts,
      changedKolOrVoiceItems: acc.changedKolOrVoiceItems + b.changedKolOrVoiceItems,
      changedTotalItems: acc.changedTotalItems + b.changedTotalItems,
      changedKolWeekItems: acc.changedKolWeekItems + b.changedKolWeekItems,
      writes: acc.writes + b.writes,
      writeUnits: acc.writeUnits + b.writeUnits,
    }),
    {
      observations: 0,
      changedPosts: 0,
      newPosts: 0,
      changedKolOrVoiceItems: 0,
      changedTotalItems: 0,
      changedKolWeekItems: 0,
      writes: 0,
      writeUnits: 0,
    },
  );
