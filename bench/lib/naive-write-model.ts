import type { KolPulseConfig } from '../../shared/config';
import { COUNTERS, type Counters } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import { dayOf } from '../../shared/time';
import { mondayOf } from '../../test/support/oracle';
import { targetsOf } from './naive-aggregator';

/**
 * The naive aggregator's writes (bench/lib/naive-aggregator.ts) modelled without a database, for volumes
 * its metered run cannot reach: per observation one GetItem and one unconditional PutItem of the post's
 * last counters, and per rollup item it feeds one ADD of the delta (and one of a mention on first sight).
 * Its items carry no markers, so every write is 1 WRU; a KOL or voice item also writes its byDay index
 * entry (1 WRU) when the write changes a projected figure (a first write, or a non-zero delta).
 */
export interface NaiveWriteModelResult {
  observations: number;
  writeUnits: number;
  readUnits: number;
  unitsByKind: Record<string, number>;
}

export class NaiveWriteModel {
  private readonly last = new Map<string, { counters: Counters; publishedMs: number }>();
  private readonly out: NaiveWriteModelResult = {
    observations: 0,
    writeUnits: 0,
    readUnits: 0,
    unitsByKind: {},
  };

  private readonly days = new Map<string, string>();

  constructor(private readonly config: KolPulseConfig) {}

  /** `dayOf`, memoised per zone and quarter hour (every zone's offset is a multiple of 15 minutes). */
  private dayOf(instant: string, zone: string): string {
    const ms = Date.parse(instant);
    const key = `${zone}|${Math.floor(ms / 900_000)}`;
    const day = this.days.get(key) ?? dayOf(ms, zone);
    this.days.set(key, day);
    return day;
  }

  applyBatch(observations: readonly Observation[], _cycleStartMs: number): void {
    for (const o of observations) this.apply(o);
  }

  dropPostsPublishedBefore(ms: number): void {
    for (const [key, p] of this.last) if (p.publishedMs < ms) this.last.delete(key);
  }

  result(): NaiveWriteModelResult {
    return { ...this.out, unitsByKind: { ...this.out.unitsByKind } };
  }

  private add(kind: string, units: number) {
    this.out.writeUnits += units;
    this.out.unitsByKind[kind] = (this.out.unitsByKind[kind] ?? 0) + units;
  }

  private apply(o: Observation) {
    this.out.observations++;
    const key = `${o.platform}\u0000${o.postId}`;
    const previous = this.last.get(key);
    this.out.readUnits += 1;
    this.add('state:POST', 1);
    this.last.set(key, { counters: o.counters, publishedMs: Date.parse(o.publishedAt) });
    let moved = false;
    for (const c of COUNTERS)
      if (o.counters[c] !== undefined && o.counters[c] !== (previous?.counters[c] ?? 0)) moved = true;
    for (const { campaign, targets } of targetsOf(this.config, o)) {
      for (const target of targets) {
        const indexed = target.kind === 'kol' || target.kind === 'voice';
        const itemOf = (day: string) => `${target.kind}|${target.kind === 'kolWeek' ? mondayOf(day) : day}`;
        const writes = [itemOf(this.dayOf(o.observedAt, campaign.timeZone))];
        if (!previous) writes.push(itemOf(this.dayOf(o.publishedAt, campaign.timeZone)));
        writes.forEach((_, i) => {
          this.add(`rollups:${target.kind}`, 1);
          // The mention write always moves a figure; the delta write only when a counter moved.
          if (indexed && (i === 1 || moved || !previous)) this.add(`rollups.byDay:${target.kind}`, 1);
        });
      }
    }
  }
}
