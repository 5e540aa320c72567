import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { trackPartition, unescapeKeyPart } from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import { addDays, type Day, dayOf } from '../../shared/time';
import { topology } from '../../shared/topology';

export const DAY_MS = 86_400_000;
const TRACK_INDEX = topology.tables.state.globalIndexes[0].indexName;

export interface TrackedPost {
  postId: string;
  publishedAt: string;
  publishedMs: number;
}

/** UTC publish days whose posts may still be inside the tracking period at `now`. */
export const trackedDays = (now: number, trackingDays: number): Day[] => {
  const today = dayOf(now, 'UTC');
  const days: Day[] = [];
  for (let d = dayOf(now - trackingDays * DAY_MS, 'UTC'); d <= today; d = addDays(d, 1)) days.push(d);
  return days;
};

/**
 * Posts of the platform published within `trackingDays` of `now`, read from the state table's
 * `byTrackDay` index (one partition per UTC publish day), newest first.
 */
export const listTrackedPosts = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  platform: Platform,
  now: number,
  trackingDays: number,
): Promise<TrackedPost[]> => {
  const cutoff = now - trackingDays * DAY_MS;
  const perDay = await Promise.all(
    trackedDays(now, trackingDays).map(async (day) => {
      const posts: TrackedPost[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: TRACK_INDEX,
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': trackPartition(platform, day) },
            ProjectionExpression: 'postId, gsi1sk',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const post = toTrackedPost(item);
          if (post && post.publishedMs >= cutoff && post.publishedMs <= now) posts.push(post);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return posts;
    }),
  );
  return perDay.flat().sort((a, b) => b.publishedMs - a.publishedMs);
};

/** gsi1sk is `{publishedAt}#{escaped postId}`; the projected `postId` is preferred when present. */
const toTrackedPost = (item: Record<string, unknown>): TrackedPost | undefined => {
  const sortKey = typeof item.gsi1sk === 'string' ? item.gsi1sk : '';
  const hash = sortKey.indexOf('#');
  if (hash < 0) return undefined;
  const publishedAt = sortKey.slice(0, hash);
  const publishedMs = Date.parse(publishedAt);
  const postId = typeof item.postId === 'string' ? item.postId : unescapeKeyPart(sortKey.slice(hash + 1));
  if (!postId || Number.isNaN(publishedMs)) return undefined;
  return { postId, publishedAt, publishedMs };
};

/**
 * Refresh policy. Hot posts (published less than 24 h ago) are refreshed every cycle. A post aged d whole
 * days is refreshed every 2^d cycles, capped so every tracked post is refreshed at least once per
 * `maxIntervalMs` (the interval stays a power of two). Which cycle a post gets is fixed by a hash of its id
 * (a slot), so the older posts are spread evenly over the cycles instead of all coming due together.
 * Cycles are numbered by wall time (`floor(now / period)`), so the policy needs no stored state.
 */
export interface RefreshPolicy {
  /** The platform's schedule period. */
  periodMs: number;
  /** Upper bound on the time between two refreshes of one tracked post. */
  maxIntervalMs: number;
}

/** The number of the cycle running at `now`: wall time (the clock's) over the schedule's period. */
export const cycleIndexAt = (now: number, periodMs: number): number => Math.floor(now / periodMs);

export const refreshIntervalCycles = (ageMs: number, policy: RefreshPolicy): number => {
  const ageDays = Math.max(0, Math.floor(ageMs / DAY_MS));
  const capCycles = Math.max(1, Math.floor(policy.maxIntervalMs / policy.periodMs));
  const capExponent = Math.floor(Math.log2(capCycles));
  return 2 ** Math.min(ageDays, capExponent, 30);
};

/** A post's fixed place among the cycles of its interval: a hash of its id. */
export const slotOf = (postId: string): number => createHash('sha1').update(postId).digest().readUInt32BE(0);

export const isDue = (post: TrackedPost, now: number, policy: RefreshPolicy): boolean => {
  const interval = refreshIntervalCycles(now - post.publishedMs, policy);
  if (interval === 1) return true;
  const cycle = cycleIndexAt(now, policy.periodMs);
  return slotOf(post.postId) % interval === cycle % interval;
};

/** Due posts, hot ones first (newest first), so a short budget goes where counters move fastest. */
export const duePosts = (posts: readonly TrackedPost[], now: number, policy: RefreshPolicy): TrackedPost[] =>
  posts.filter((p) => isDue(p, now, policy)).sort((a, b) => b.publishedMs - a.publishedMs);
