import { z } from 'zod';
import { COUNTERS, STORED_METRICS } from '../../shared/metrics';
import { PlatformSchema } from '../../shared/platform';

/**
 * The post state item of the state table (`postStateKey`): everything the aggregator needs to turn the
 * next snapshot of a post into exact rollup deltas, plus the outbox of the one delta not yet known to be
 * applied to the rollups. See docs/data-model.md.
 */

const ReadingSchema = z.tuple([z.number(), z.number()]);
const DaySnapshotSchema = z.object({
  d: z.string(),
  c: z.partialRecord(z.enum(COUNTERS), ReadingSchema),
});
const ZoneHistorySchema = z.object({ days: z.array(DaySnapshotSchema), floor: DaySnapshotSchema.optional() });

const AssociationSchema = z.discriminatedUnion('target', [
  z.object({ campaignId: z.string(), timeZone: z.string(), target: z.literal('kol'), kolId: z.string() }),
  z.object({
    campaignId: z.string(),
    timeZone: z.string(),
    target: z.literal('voice'),
    userId: z.string(),
    handle: z.string(),
  }),
]);

const DeltaSchema = z.partialRecord(z.enum(STORED_METRICS), z.number());

export const RollupChangeSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  /** Descriptive attributes set (if not already there) on the rollup item: campaignId, kolId, day... */
  attrs: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Non-zero metric deltas; `views: 0` / `reach: 0` when the figure became known with no net change. */
  delta: DeltaSchema,
  /** The bucket of (pk, sk) the change is written to (`rollupBucketSk`); absent: bucket 0, the base item. */
  bucket: z.number().int().positive().optional(),
});
export type RollupChange = z.infer<typeof RollupChangeSchema>;

/**
 * A change as stored in the post state: its descriptive attributes are left out when they can be rebuilt
 * from the post's associations (`a`: index, `k`: the item's kind, `u`: its day, week or hour), which keeps
 * most post states under 1 KB, one write unit (outbox-codec.ts). Outboxes written before carry `attrs`.
 */
export const StoredRollupChangeSchema = RollupChangeSchema.extend({
  attrs: RollupChangeSchema.shape.attrs.optional(),
  a: z.number().int().nonnegative().optional(),
  k: z.string().optional(),
  u: z.string().optional(),
});
export type StoredRollupChange = z.infer<typeof StoredRollupChangeSchema>;

export const OutboxSchema = z.object({
  rev: z.number().int().positive(),
  changes: z.array(RollupChangeSchema),
});
export type Outbox = z.infer<typeof OutboxSchema>;

export const PostStateSchema = z.object({
  platform: PlatformSchema,
  postId: z.string(),
  /**
   * `followers`: the author's follower count carried by the observation that created this state (the
   * earliest-observed one of that batch), fixed for good: later observations never change it,
   * so duplicates and reordering cannot change reach. Absent: unknown, the post adds nothing to reach.
   */
  author: z.object({
    id: z.string(),
    handle: z.string(),
    followers: z.number().int().nonnegative().optional(),
  }),
  /** UTC ISO instant. */
  publishedAt: z.string(),
  associations: z.array(AssociationSchema),
  /** Incremented by every write of this item; the optimistic-concurrency token. */
  rev: z.number().int().nonnegative(),
  snaps: z.record(z.string(), ZoneHistorySchema),
  /** UTC-hour history of the first hours after publishing, for spike detection (hourly.ts). */
  hourly: ZoneHistorySchema.optional(),
  outbox: OutboxSchema.optional(),
});
export type PostState = z.infer<typeof PostStateSchema>;

/** The post state item as stored: outbox changes may be in their compact form. */
export const StoredPostStateSchema = PostStateSchema.extend({
  outbox: OutboxSchema.extend({ changes: z.array(StoredRollupChangeSchema) }).optional(),
});
export type StoredPostState = z.infer<typeof StoredPostStateSchema>;

/** Attribute names the aggregator owns on the post state item (other writers' attributes are left alone). */
export const POST_STATE_ATTRIBUTES = [
  'platform',
  'postId',
  'author',
  'publishedAt',
  'associations',
  'rev',
  'snaps',
  'gsi1pk',
  'gsi1sk',
  'expiresAt',
] as const;

/** The attributes a state write sets: the aggregator's own, plus the optional ones the state holds. */
export const stateAttributesOf = (state: PostState) => [
  ...POST_STATE_ATTRIBUTES,
  ...(state.hourly ? (['hourly'] as const) : []),
  ...(state.outbox ? (['outbox'] as const) : []),
];
