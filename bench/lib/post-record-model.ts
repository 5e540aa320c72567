import { sentFilterInputs } from '../../functions/poll/budget-cycle';
import { encodeRecord, planGroupWrites, recordAttributeName } from '../../functions/poll/post-record-groups';
import { groupExpiresAt } from '../../functions/poll/post-record-store';
import { type PostRecord, SentFilter } from '../../functions/poll/post-records';
import { DEFAULT_TUNING } from '../../functions/poll/tuning';
import { type KolPulseConfig, parseConfig } from '../../shared/config';
import { POST_RECORD_LAYOUT, type PostRecordLayout } from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import { itemSize, valueSize, writeUnitsFor } from './item-size';
import { sum } from './stats';
import { type WeekOptions, type WeekPoll, weekCycles } from './week';

/**
 * The poller's post-record writes, modelled on the week replay's polls with the poller's own code: the
 * real SentFilter decides, per poll, which observations go out and which records change (X: also a post's
 * first read of a UTC day), committed twice per cycle as the poller checkpoints (after the searches, then
 * after the refreshes); the real `planGroupWrites` turns each commit into group writes, and each write is
 * charged 1 WRU per started KB of the larger of its group item's images, sized by DynamoDB's rules from the
 * real attribute encoding (`recordAttributeName`, `encodeRecord`) plus the item's key and TTL. Conflicts
 * between overlapping invocations are not modelled (they are rare and cost a re-read and one more write).
 *
 * At scale s the model splits each publish-time slot into POST_RECORD_LAYOUT.perSlot x s groups, so a group
 * holds as many posts and takes as many changes per cycle as at scale 1: its units per observation carry
 * to scale 1 (exactly at scale 1; at scales where perSlot x s is a few groups, roughly).
 */

export interface PostRecordModelResult {
  layout: PostRecordLayout;
  /** Reads fed to the filter, observations it let through, records saved, group writes, their units. */
  reads: number;
  sent: number;
  recordsSaved: number;
  writes: number;
  writeUnits: number;
  /** Writes per started KB of their larger image (index 0: 1 KB). */
  writesByUnits: number[];
  largestGroupBytes: number;
  largestGroupRecords: number;
  /** Saves (checkpoints) that wrote anything. */
  saves: number;
}

/** The product's layout with its groups per slot scaled to the model's scale. */
export const modelLayout = (scale: number, layout = POST_RECORD_LAYOUT): PostRecordLayout => ({
  slots: layout.slots,
  perSlot: Math.max(1, Math.round(layout.perSlot * Math.min(1, scale))),
});

export class PostRecordWriteModel {
  private readonly records = new Map<Platform, Map<string, PostRecord>>();
  /** Current size of each group item, and of each record's attribute in it. */
  private readonly groupBytes = new Map<string, number>();
  private readonly groupRecords = new Map<string, number>();
  private readonly recordBytes = new Map<string, number>();
  private readonly result: PostRecordModelResult;

  constructor(
    private readonly config: KolPulseConfig,
    readonly layout: PostRecordLayout,
  ) {
    this.result = {
      layout,
      reads: 0,
      sent: 0,
      recordsSaved: 0,
      writes: 0,
      writeUnits: 0,
      writesByUnits: [],
      largestGroupBytes: 0,
      largestGroupRecords: 0,
      saves: 0,
    };
  }

  /** Filters one poll's reads and saves its two checkpoints; returns what each checkpoint saved. */
  applyPoll(poll: WeekPoll): PostRecord[][] {
    const records = this.records.get(poll.platform) ?? new Map<string, PostRecord>();
    this.records.set(poll.platform, records);
    const { campaignsKey, roster } = sentFilterInputs(
      this.config,
      poll.platform,
      poll.at,
      DEFAULT_TUNING.graceDays,
    );
    const filter = new SentFilter(records, campaignsKey, roster, poll.platform === 'x');
    return [poll.searched, poll.refreshed].map((phase) => {
      this.result.reads += phase.length;
      this.result.sent += filter.filter(phase, poll.at).length;
      const saved = filter.commit();
      this.save(poll.platform, saved);
      return saved;
    });
  }

  /** One checkpoint's save, as DynamoPostRecords.save writes it. */
  save(platform: Platform, records: readonly PostRecord[]): void {
    if (records.length === 0) return;
    this.result.saves++;
    for (const write of planGroupWrites(platform, records, this.layout)) {
      const id = `${write.key.pk}\u0000${write.key.sk}`;
      const before = this.groupBytes.get(id) ?? 0;
      let after = before > 0 ? before : itemSize({ ...write.key, expiresAt: groupExpiresAt(write.day) });
      let count = this.groupRecords.get(id) ?? 0;
      for (const r of write.records) {
        const recordId = `${platform}\u0000${r.postId}`;
        const name = recordAttributeName(r.postId);
        const size = Buffer.byteLength(name, 'utf8') + valueSize(encodeRecord(r));
        const old = this.recordBytes.get(recordId);
        if (old === undefined) count++;
        after += size - (old ?? 0);
        this.recordBytes.set(recordId, size);
      }
      this.groupBytes.set(id, after);
      this.groupRecords.set(id, count);
      const units = writeUnitsFor(Math.max(before, after));
      const r = this.result;
      r.writes++;
      r.writeUnits += units;
      r.recordsSaved += write.records.length;
      r.writesByUnits[units - 1] = (r.writesByUnits[units - 1] ?? 0) + 1;
      r.largestGroupBytes = Math.max(r.largestGroupBytes, after);
      r.largestGroupRecords = Math.max(r.largestGroupRecords, count);
    }
  }

  /** Forgets posts published before `t` (their tracking is over), so memory stays bounded at scale 1. */
  dropPostsPublishedBefore(t: number): void {
    const day = new Date(t).toISOString().slice(0, 10);
    for (const [platform, records] of this.records)
      for (const [postId, r] of records)
        if (r.publishedAt.slice(0, 10) < day) {
          records.delete(postId);
          this.recordBytes.delete(`${platform}\u0000${postId}`);
        }
    for (const id of this.groupBytes.keys())
      if ((id.split('#')[2] ?? '') < day) {
        this.groupBytes.delete(id);
        this.groupRecords.delete(id);
      }
  }

  summary(): PostRecordModelResult {
    return {
      ...this.result,
      layout: { ...this.result.layout },
      writesByUnits: [...this.result.writesByUnits],
    };
  }
}

/**
 * The scale of the post-record week: one group per publish-time slot, so a group holds as many posts as
 * the product's layout gives it at scale 1 (the write model's run, at other scales, would not).
 */
export const POST_RECORD_MODEL_SCALE = 1 / POST_RECORD_LAYOUT.perSlot;

export interface PostRecordWeek {
  scale: number;
  days: number;
  seconds: number;
  /** Observations delivered (duplicates included), the cost model's denominator. */
  observations: number;
  records: PostRecordModelResult;
  unitsByDay: number[];
  observationsByDay: number[];
}

/**
 * The post-record model alone over the week replay (every day of it: records of older publish days change
 * seldom, so a first day alone would flatter the packing).
 */
export const modelPostRecordWeek = (options: WeekOptions): PostRecordWeek => {
  const started = performance.now();
  const { configJson, cycles } = weekCycles({ ...options, emitReads: true });
  const model = new PostRecordWriteModel(
    parseConfig(configJson, 'bench week configuration'),
    modelLayout(options.scale),
  );
  const unitsByDay: number[] = [];
  const observationsByDay: number[] = [];
  let firstAt: number | undefined;
  let next = cycles.next();
  while (!next.done) {
    const { at, messages, polls } = next.value;
    firstAt ??= at;
    const day = Math.min(Math.floor((at - firstAt) / 86_400_000), (options.days ?? 7) - 1);
    const before = model.summary().writeUnits;
    for (const poll of polls ?? []) model.applyPoll(poll);
    unitsByDay[day] = (unitsByDay[day] ?? 0) + model.summary().writeUnits - before;
    observationsByDay[day] = (observationsByDay[day] ?? 0) + sum(messages.map((m) => m.observations.length));
    next = cycles.next();
  }
  return {
    scale: options.scale,
    days: options.days ?? 7,
    seconds: (performance.now() - started) / 1000,
    observations: next.value.deliveries,
    records: model.summary(),
    unitsByDay,
    observationsByDay,
  };
};
