import { createHash } from 'node:crypto';
import type { Platform } from './platform';
import type { Day } from './time';

/**
 * Key design for both tables (see docs/data-model.md). Every free-form value (post ids, handles,
 * queries) goes through `keyPart`, so '#' inside it cannot forge another key and no key outgrows DynamoDB's
 * key size limits.
 * Campaign and KOL ids are restricted by the config schema to [a-z0-9_-].
 */
export const escapeKeyPart = (value: string): string => value.replace(/%/g, '%25').replace(/#/g, '%23');
export const unescapeKeyPart = (value: string): string => value.replace(/%23/g, '#').replace(/%25/g, '%');

/**
 * DynamoDB caps a partition key at 2,048 bytes and a sort key (also an index's) at 1,024 bytes of UTF-8.
 * Free-form parts are bounded after normalisation and escaping, so no post id, handle or query can make a
 * write fail for good: the largest key built here (a voice's partition key) stays under 400 bytes.
 */
export const MAX_KEY_PART_BYTES = 256;
const HASHED_MARK = '%h';
const HASH_CHARS = 43; // SHA-256 in base64url

/**
 * `escapeKeyPart`, and for a value whose escaped form exceeds MAX_KEY_PART_BYTES: its longest prefix that
 * fits with `%h` + SHA-256 of the whole value. `%h` never occurs in an escaped value (every `%` there
 * starts `%25` or `%23`), so a hashed part cannot equal an unhashed one. The original is kept as an
 * attribute of the item (postId, handle, query), never parsed back from a hashed key.
 */
export const isHashedKeyPart = (part: string): boolean => part.includes(HASHED_MARK);
export const keyPart = (value: string): string => {
  const escaped = escapeKeyPart(value);
  if (Buffer.byteLength(escaped, 'utf8') <= MAX_KEY_PART_BYTES) return escaped;
  const budget = MAX_KEY_PART_BYTES - HASHED_MARK.length - HASH_CHARS;
  let prefix = '';
  let bytes = 0;
  for (const char of escaped) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > budget) break;
    prefix += char;
    bytes += size;
  }
  return `${prefix}${HASHED_MARK}${createHash('sha256').update(value).digest('base64url')}`;
};

/** Number of shards a campaign's daily total is split over, so no single total item grows too large. */
export const TOTAL_SHARDS = 4;

// ---- State table ---------------------------------------------------------------------------------

export const postStateKey = (platform: Platform, postId: string) => ({
  pk: `POST#${platform}#${keyPart(postId)}`,
  sk: 'STATE',
});

/** GSI `byTrackDay`: posts to refresh, by platform and UTC publish day. */
export const trackIndexKey = (platform: Platform, publishedAt: string, postId: string) => ({
  gsi1pk: `TRACK#${platform}#${publishedAt.slice(0, 10)}`,
  gsi1sk: `${publishedAt}#${keyPart(postId)}`,
});
export const trackPartition = (platform: Platform, utcDay: Day) => `TRACK#${platform}#${utcDay}`;

export const cursorKey = (platform: Platform, query: string) => ({
  pk: `CURSOR#${platform}`,
  sk: keyPart(query),
});

export const rejectKey = (day: Day, id: string) => ({ pk: `REJECT#${day}`, sk: id });

/** A platform's budget ledger: one item per quota and period (`{quota}#{period id}`), plus its summary. */
export const budgetPartition = (platform: Platform) => `BUDGET#${platform}`;
export const budgetKey = (platform: Platform, quota: string, periodId: string) => ({
  pk: budgetPartition(platform),
  sk: `${keyPart(quota)}#${periodId}`,
});
export const BUDGET_SUMMARY_SK = 'SUMMARY';

/**
 * The poller's own records of tracked posts (last counters it sent, when they last changed), per platform
 * and UTC publish day like `byTrackDay`, spread over POST_RECORD_SHARDS partitions: a cycle can write
 * thousands of records of one publish day at once, more than one partition's 1,000 WCU/s. Records are
 * packed: a post's record is one attribute of its group item (`G#{group}`, POST_RECORD_GROUPS groups per
 * platform and publish day by a hash of the post id), so one write saves every changed post of a group
 * (docs/data-model.md, "Post records"). A cycle reads a day's records with one Query per shard, and the
 * day's unsharded partition, where records written before the spread live until their TTL; the sharded
 * partitions also hold the one-item-per-post records written before the packing (sort key: the post id).
 */
export const POST_RECORD_SHARDS = 8;
/**
 * How records are packed (docs/data-model.md, "Post records"): a platform's posts of one UTC publish day are
 * split by publish time into `slots` slots, each slot by a hash of the post id into `perSlot` groups
 * (a multiple of POST_RECORD_SHARDS, so a group lives in the shard its posts' one-item records had). Posts
 * published close together age, and so change, together: a group's records tend to change in the same
 * cycles, and one write saves them all. Chosen from the bench's post-record model.
 */
export interface PostRecordLayout {
  slots: number;
  perSlot: number;
}
export const POST_RECORD_LAYOUT: PostRecordLayout = { slots: 48, perSlot: 24 };
export const POST_RECORD_GROUP_PREFIX = 'G#';
export const postRecordPartition = (platform: Platform, utcDay: Day, shard?: number) =>
  shard === undefined ? `PREC#${platform}#${utcDay}` : `PREC#${platform}#${utcDay}#${shard}`;
/** Every partition holding records of one platform and UTC publish day: the legacy one, then the shards. */
export const postRecordPartitions = (platform: Platform, utcDay: Day): string[] => [
  postRecordPartition(platform, utcDay),
  ...Array.from({ length: POST_RECORD_SHARDS }, (_, shard) => postRecordPartition(platform, utcDay, shard)),
];
/** The one-item-per-post record key written before the packing (still read, never written). */
export const legacyPostRecordKey = (platform: Platform, publishedAt: string, postId: string) => ({
  pk: postRecordPartition(
    platform,
    publishedAt.slice(0, 10),
    postShardOf(platform, postId, POST_RECORD_SHARDS),
  ),
  sk: keyPart(postId),
});
/**
 * The group item holding a post's record, by its publish time and id (the bench models other layouts; the
 * product uses POST_RECORD_LAYOUT).
 */
export const postRecordGroupKey = (
  platform: Platform,
  publishedAt: string,
  postId: string,
  layout: PostRecordLayout = POST_RECORD_LAYOUT,
) => {
  const ms = Date.parse(publishedAt);
  const msOfDay = Number.isFinite(ms) ? ((ms % DAY_MS) + DAY_MS) % DAY_MS : 0;
  const slot = Math.min(layout.slots - 1, Math.floor((msOfDay * layout.slots) / DAY_MS));
  const sub = postShardOf(platform, postId, layout.perSlot);
  return {
    pk: postRecordPartition(platform, publishedAt.slice(0, 10), sub % POST_RECORD_SHARDS),
    sk: `${POST_RECORD_GROUP_PREFIX}${slot}#${sub}`,
  };
};
const DAY_MS = 86_400_000;

// ---- Rollups table -------------------------------------------------------------------------------

/** A roster KOL's figures for one day on one platform. Query pk for a KOL's series (all platforms). */
export const kolDayKey = (campaignId: string, kolId: string, day: Day, platform: Platform) => ({
  pk: `C#${campaignId}#K#${kolId}`,
  sk: `${day}#${platform}`,
  gsi1pk: `C#${campaignId}#KD#${day}`,
  gsi1sk: `${kolId}#${platform}`,
});

/**
 * A roster KOL's figures for one week (Monday to Sunday, campaign days) on one platform: the sum of its
 * day items, kept beside them so a leaderboard over a long range reads one index partition per whole
 * week instead of seven.
 */
export const kolWeekKey = (campaignId: string, kolId: string, week: Day, platform: Platform) => ({
  pk: `C#${campaignId}#W#${kolId}`,
  sk: `${week}#${platform}`,
  gsi1pk: `C#${campaignId}#KW#${week}`,
  gsi1sk: `${kolId}#${platform}`,
});

/**
 * A discovered voice's (author outside the roster) figures for one day, keyed by the platform's user id:
 * handles and display names are not unique (two YouTube channels can share a title) and can change.
 */
export const voiceDayKey = (campaignId: string, platform: Platform, userId: string, day: Day) => ({
  pk: `C#${campaignId}#V#${platform}#${keyPart(userId)}`,
  sk: day,
  gsi1pk: `C#${campaignId}#VD#${day}`,
  gsi1sk: `${platform}#${keyPart(userId)}`,
});

/**
 * One shard of a campaign's total for one day on one platform. Reports Query its byDay index entry
 * (gsi1pk, gsi1sk between days), which projects the counters without the item's per-post markers.
 * The partition key is per (platform, shard) and the index partition per platform, so no single key takes
 * the campaign's whole write rate (docs/data-model.md, "Hot partitions"); the sort keys are the same as
 * under the legacy single-partition layout, so a shard-day's index entry keeps its sort key in both.
 */
export const totalDayKey = (campaignId: string, day: Day, platform: Platform, shard: number) => ({
  pk: totalPartition(campaignId, platform, shard),
  sk: `${day}#${platform}#${shard}`,
  gsi1pk: totalIndexPartition(campaignId, platform),
  gsi1sk: `${day}#${platform}#${shard}`,
});

/**
 * Hourly figures (UTC hours `YYYY-MM-DDTHH`) for spike detection, kept only for campaigns with spike
 * alerts and expired by TTL (docs/data-model.md, "Hourly items"). Not in the byDay index.
 */
export const kolHourKey = (campaignId: string, kolId: string, hour: string) => ({
  pk: `C#${campaignId}#KH#${kolId}`,
  sk: hour,
});
export const voiceHourKey = (campaignId: string, platform: Platform, userId: string, hour: string) => ({
  pk: `C#${campaignId}#VH#${platform}#${keyPart(userId)}`,
  sk: hour,
});
/**
 * The campaign's hour, sharded like its daily total (`totalShardOf`), one partition per shard so the
 * campaign's hourly write rate is spread over TOTAL_SHARDS keys; the sort key is the legacy one.
 */
export const campaignHourKey = (campaignId: string, hour: string, shard: number) => ({
  pk: campaignHourPartition(campaignId, shard),
  sk: `${hour}#${shard}`,
});
export const campaignHourPartition = (campaignId: string, shard: number) => `C#${campaignId}#H#${shard}`;
/** A detected spike, kept for the dashboard's markers and recent-events list. */
export const spikeRecordPartition = (campaignId: string) => `C#${campaignId}#EV`;
export const spikeRecordKey = (campaignId: string, hour: string, eventId: string) => ({
  pk: spikeRecordPartition(campaignId),
  sk: `${hour}#${eventId}`,
});

/** When a campaign's figures were last observed, one item per platform (functions/aggregate/freshness.ts). */
export const freshnessPartition = (campaignId: string) => `C#${campaignId}#FRESH`;

export const kolSeriesPartition = (campaignId: string, kolId: string) => `C#${campaignId}#K#${kolId}`;
export const kolDayPartition = (campaignId: string, day: Day) => `C#${campaignId}#KD#${day}`;
export const kolWeekPartition = (campaignId: string, week: Day) => `C#${campaignId}#KW#${week}`;
export const voiceDayPartition = (campaignId: string, day: Day) => `C#${campaignId}#VD#${day}`;
export const totalPartition = (campaignId: string, platform: Platform, shard: number) =>
  `C#${campaignId}#T#${platform}#${shard}`;
export const totalIndexPartition = (campaignId: string, platform: Platform) =>
  `C#${campaignId}#TD#${platform}`;

/**
 * The layout before the campaign's totals and hours were spread (docs/data-model.md, "Hot partitions"):
 * every total shard under one partition key and one index partition, every campaign hour under one key.
 * No new change is placed there; an outbox written by an earlier version names its own keys and still
 * finishes there (its bucket chain included), and readers read these partitions too, so nothing is lost.
 */
export const legacyTotalPartition = (campaignId: string) => `C#${campaignId}#T`;
export const legacyTotalIndexPartition = (campaignId: string) => `C#${campaignId}#TD`;
export const legacyCampaignHourPartition = (campaignId: string) => `C#${campaignId}#H`;
/** Every partition holding a campaign's hours: one per shard, then the legacy one. */
export const campaignHourPartitions = (campaignId: string): string[] => [
  ...Array.from({ length: TOTAL_SHARDS }, (_, shard) => campaignHourPartition(campaignId, shard)),
  legacyCampaignHourPartition(campaignId),
];

const digest = (value: string) => createHash('sha1').update(value).digest();

/** Stable shard of a post among `shards`. */
const postShardOf = (platform: Platform, postId: string, shards: number): number =>
  digest(`${platform}#${postId}`).readUInt32BE(0) % shards;

/** Stable shard of a post among TOTAL_SHARDS. */
export const totalShardOf = (platform: Platform, postId: string): number =>
  postShardOf(platform, postId, TOTAL_SHARDS);

/**
 * Name of the per-post marker attribute on a rollup item: the latest post-state revision applied to it.
 * 72 bits of SHA-1 keep names short (item size is write cost) with negligible collision odds per item.
 */
export const MARKER_PREFIX = 'm_';
export const markerAttribute = (platform: Platform, postId: string): string =>
  `${MARKER_PREFIX}${digest(`${platform}#${postId}`).subarray(0, 9).toString('base64url')}`;

/**
 * A rollup item's bucket: bucket 0 is the base item itself, bucket n >= 1 sorts right after it
 * (`{sk}#b{n}` stays below `{day}#~`, so every day range that holds the base holds its buckets). Buckets
 * keep the base's index keys, so readers that sum rows per index key sum the buckets too.
 */
export const rollupBucketSk = (baseSk: string, bucket: number): string =>
  bucket === 0 ? baseSk : `${baseSk}#b${bucket}`;

/** Quarantined rollup changes (writes DynamoDB rejects for good), one partition: they are rare. */
export const QUARANTINE_PARTITION = 'QUARANTINE';
export const quarantineKey = (
  platform: Platform,
  postId: string,
  rev: number,
  item: { pk: string; sk: string },
) => ({
  pk: QUARANTINE_PARTITION,
  sk: `${platform}#${keyPart(postId)}#${rev}#${digest(`${item.pk}\u0000${item.sk}`).subarray(0, 9).toString('base64url')}`,
});

/** The marker a quarantine replay leaves on the rollup item it applied the quarantined change to. */
export const replayMarkerAttribute = (quarantineSk: string): string =>
  `${MARKER_PREFIX}${digest(`replay#${quarantineSk}`).subarray(0, 9).toString('base64url')}`;
