import { z } from 'zod';
import { COUNTERS } from '../../shared/metrics';
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

const DeltaSchema = z.partialRecord(z.enum(['mentions', 'likes', 'shares', 'comments', 'views']), z.number());

export const RollupChangeSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  /** Descriptive attributes set (if not already there) on the rollup item: campaignId, kolId, day... */
  attrs: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Non-zero metric deltas; `views: 0` when views became known with no net change. */
  delta: DeltaSchema,
  /** The bucket of (pk, sk) the change is written to (`rollupBucketSk`); absent: bucket 0, the base item. */
  bucket: z.number().int().positive().optional(),
});
export type RollupChange = z.infer<typeof RollupChangeSchema>;

export const OutboxSchema = z.object({
  rev: z.number().int().positive(),
  changes: z.array(RollupChangeSchema),
});
export type Outbox = z.infer<typeof OutboxSchema>;

export const PostStateSchema = z.object({
  platform: PlatformSchema,
  postId: z.string(),
  author: z.object({ id: z.string(), handle: z.string() }),
  /** UTC ISO instant. */
  publishedAt: z.string(),
  associations: z.array(AssociationSchema),
  /** Incremented by every write of this item; the optimistic-concurrency token. */
  rev: z.number().int().nonnegative(),
  snaps: z.record(z.string(), ZoneHistorySchema),
  outbox: OutboxSchema.optional(),
});
export type PostState = z.infer<typeof PostStateSchema>;

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
