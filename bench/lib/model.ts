import type { KolPulseConfig } from '../../shared/config';
import { totalShardOf } from '../../shared/keys';
import { STORED_METRICS, type StoredMetric } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import { postRollups, type RollupRow, type RollupTable, rowKey } from '../../test/support/oracle';

/**
 * The write lower bound of a replay, batch by batch: the posts whose rollup contribution changed and the
 * rollup items whose values changed. What a post contributes comes from the project's oracle
 * (`postRollups`, the metric rules of the design brief); this module only follows those rows from batch to
 * batch and maps campaign-total rows onto the shard item a post writes to.
 */

/** A rollup item in the oracle's row terms, with a count of contributing posts that know views. */
export interface ModelItem extends Omit<RollupRow, 'views'> {
  views: number;
  /** Posts contributing a known views reading: views is absent from the item when zero. */
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

interface PostState {
  shard: number;
  observations: Observation[];
  rows: RollupTable;
}

/** A change to one item: figure deltas and the change in posts that know its views. */
interface ItemChange {
  row: RollupRow;
  delta: Partial<Record<StoredMetric, number>>;
  viewsKnown: number;
}

const emptyBound = (): BatchBound => ({
  observations: 0,
  changedPosts: 0,
  newPosts: 0,
  changedKolOrVoiceItems: 0,
  changedTotalItems: 0,
  changedKolWeekItems: 0,
  writes: 0,
  writeUnits: 0,
});

/** Campaign-total rows are sharded: a post's total contribution goes to the one shard its id hashes to. */
const itemIdOf = (row: RollupRow, shard: number): string =>
  row.kind === 'total' ? `${rowKey(row)}|${shard}` : rowKey(row);

const figureOf = (row: RollupRow | undefined, metric: StoredMetric): number => row?.[metric] ?? 0;

export class WriteBoundModel {
  private readonly posts = new Map<string, PostState>();
  readonly items = new Map<string, ModelItem>();

  constructor(private readonly config: KolPulseConfig) {}

  /** Applies one delivered batch (observations of every message of one invocation). */
  applyBatch(observations: readonly Observation[]): BatchBound {
    const touched = new Map<PostState, { before: RollupTable; isNew: boolean }>();
    for (const o of observations) {
      const key = `${o.platform}\u0000${o.postId}`;
      let post = this.posts.get(key);
      const isNew = !post;
      if (!post) {
        post = { shard: totalShardOf(o.platform, o.postId), observations: [], rows: {} };
        this.posts.set(key, post);
      }
      if (!touched.has(post)) touched.set(post, { before: post.rows, isNew });
      post.observations.push(o);
    }
    const bound = emptyBound();
    bound.observations = observations.length;
    const changes = new Map<string, ItemChange>();
    for (const [post, { before, isNew }] of touched) {
      post.rows = postRollups(this.config, post.observations);
      const postChanged = this.collectChanges(post, before, changes) || isNew;
      if (postChanged) {
        bound.changedPosts++;
        bound.writeUnits += isNew ? 2 : 1;
      }
      if (isNew) bound.newPosts++;
    }
    for (const [id, change] of changes) if (this.applyChange(id, change)) this.countItem(bound, change.row);
    bound.writes =
      bound.changedPosts + bound.changedKolOrVoiceItems + bound.changedKolWeekItems + bound.changedTotalItems;
    return bound;
  }

  /** Adds the post's row changes since `before` to `changes`; true when any figure or views knowledge moved. */
  private collectChanges(post: PostState, before: RollupTable, changes: Map<string, ItemChange>): boolean {
    let changed = false;
    for (const key of new Set([...Object.keys(before), ...Object.keys(post.rows)])) {
      const b = before[key];
      const a = post.rows[key];
      const row = a ?? b;
      if (!row) continue;
      const id = itemIdOf(row, post.shard);
      let change = changes.get(id);
      if (!change) {
        change = { row, delta: {}, viewsKnown: 0 };
        changes.set(id, change);
      }
      for (const m of STORED_METRICS) {
        const d = figureOf(a, m) - figureOf(b, m);
        if (d === 0) continue;
        change.delta[m] = (change.delta[m] ?? 0) + d;
        changed = true;
      }
      const v = (a?.views !== undefined ? 1 : 0) - (b?.views !== undefined ? 1 : 0);
      if (v !== 0) {
        change.viewsKnown += v;
        changed = true;
      }
    }
    return changed;
  }

  /** Applies a change to its item; true when the item's stored values changed (a write is needed). */
  private applyChange(id: string, { row, delta, viewsKnown }: ItemChange): boolean {
    let item = this.items.get(id);
    if (!item) {
      const { campaignId, kind, subject, day, platform } = row;
      const figures = { mentions: 0, likes: 0, shares: 0, comments: 0, views: 0 };
      item = { campaignId, kind, subject, day, platform, ...figures, viewsKnown: 0 };
      this.items.set(id, item);
    }
    const hadViews = item.viewsKnown > 0;
    let changed = false;
    for (const [m, d] of Object.entries(delta) as [StoredMetric, number][]) {
      if (d === 0) continue;
      item[m] += d;
      changed = true;
    }
    item.viewsKnown += viewsKnown;
    return changed || hadViews !== item.viewsKnown > 0;
  }

  private countItem(bound: BatchBound, row: RollupRow): void {
    if (row.kind === 'total') bound.changedTotalItems++;
    else if (row.kind === 'kolWeek') bound.changedKolWeekItems++;
    else bound.changedKolOrVoiceItems++;
    bound.writeUnits += 2;
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
    emptyBound(),
  );
