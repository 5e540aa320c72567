import type { KolPulseConfig } from '../../shared/config';
import type { Observation } from '../../shared/observation';
import { dayOf } from '../../shared/time';
import {
  addFigures,
  postRollups,
  type RollupTable,
  withoutEmptyRows,
  zeroFigures,
} from '../../test/support/oracle';

/**
 * The project's oracle (test/support/oracle.ts, `computeOracle`) fed one delivery at a time, in memory that
 * grows with posts and observed days rather than with deliveries, so a Next-Idea week (13.7 M deliveries)
 * fits. Per post it keeps the earliest snapshot (it decides campaign, KOL, mentions and reach) and, per
 * observed day, only the latest snapshot: a post's counter on a day adds `value - previous` for each of its
 * snapshots in observation order, which telescopes to the day's last value minus the last value before
 * the day, so the snapshots in between change nothing. That holds per counter only when they define the
 * same counters, so snapshots defining others are kept as they are. The rows are then `postRollups` of the
 * kept snapshots, post by post, exactly as `computeOracle` sums them.
 */
export class StreamingOracle {
  private readonly posts = new Map<string, Observation[]>();
  private readonly zones: string[];
  private readonly days = new Map<string, string>();
  private deliveries = 0;

  constructor(private readonly config: KolPulseConfig) {
    this.zones = [...new Set(config.campaigns.map((c) => c.timeZone))];
  }

  add(o: Observation): void {
    this.deliveries++;
    const key = `${o.platform}\u0000${o.postId}`;
    const kept = this.posts.get(key);
    if (!kept) {
      this.posts.set(key, [o]);
      return;
    }
    const earliest = kept[0] as Observation;
    if (Date.parse(o.observedAt) < Date.parse(earliest.observedAt)) {
      kept.unshift(o);
      return;
    }
    const slot = this.slotOf(o);
    for (let i = 1; i < kept.length; i++) {
      const other = kept[i] as Observation;
      if (this.slotOf(other) !== slot) continue;
      if (Date.parse(o.observedAt) > Date.parse(other.observedAt)) kept[i] = o;
      return;
    }
    kept.push(o);
  }

  /** Posts seen, deliveries added and snapshots kept (the memory the oracle holds). */
  size(): { posts: number; deliveries: number; snapshots: number } {
    let snapshots = 0;
    for (const kept of this.posts.values()) snapshots += kept.length;
    return { posts: this.posts.size, deliveries: this.deliveries, snapshots };
  }

  table(): RollupTable {
    const table: RollupTable = {};
    for (const snapshots of this.posts.values())
      for (const [key, r] of Object.entries(postRollups(this.config, snapshots))) {
        const { campaignId, kind, subject, day, platform } = r;
        table[key] ??= { campaignId, kind, subject, day, platform, ...zeroFigures() };
        addFigures(table[key], r);
      }
    return withoutEmptyRows(table);
  }

  /** Snapshots that may replace each other: same observed day in every campaign zone, same counters defined. */
  private slotOf(o: Observation): string {
    let days = this.days.get(o.observedAt);
    if (days === undefined) {
      days = this.zones.map((zone) => dayOf(o.observedAt, zone)).join(',');
      this.days.set(o.observedAt, days);
    }
    const defined = Object.keys(o.counters)
      .filter((c) => o.counters[c as keyof Observation['counters']] !== undefined)
      .sort()
      .join(',');
    return `${days}|${defined}`;
  }
}
