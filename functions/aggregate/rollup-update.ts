import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { markerAttribute, postStateKey, rollupBucketSk } from '../../shared/keys';
import { STORED_METRICS } from '../../shared/metrics';
import type { Platform } from '../../shared/platform';
import type { Delta } from './planner';
import type { Outbox, RollupChange } from './post-state';

/**
 * One conditional UpdateItem of a rollup bucket (docs/data-model.md, "Bucket chains"): ADD the summed
 * deltas, set every contributing post's marker to its revision, count the marker writes in `mk`, and
 * accept the write only while no marker is at or past its revision and the bucket is open
 * (`mk <= mkOpen`; `mkOpen` is fixed by the bucket's first write, so fullness is a property of the item).
 */

export interface Contribution {
  postKey: string;
  rev: number;
  delta: Delta;
  /** The outbox changes summed into this contribution (one post's changes to one bucket). */
  changes: RollupChange[];
}

export interface ItemUpdate {
  pk: string;
  /** The bucket's sort key (`rollupBucketSk`). */
  sk: string;
  attrs: RollupChange['attrs'];
  /** Marker writes after which the bucket closes, set on its first write. */
  open: number;
  /** By marker attribute name. */
  contributions: Map<string, Contribution>;
}

export const MARKER_COUNT = 'mk';
export const MARKER_OPEN = 'mkOpen';

/** A bucket that took more than `mkOpen` marker writes accepts no write ever again (mk only grows). */
export const isClosedBucket = (item: Record<string, unknown> | undefined): boolean =>
  typeof item?.[MARKER_COUNT] === 'number' &&
  typeof item[MARKER_OPEN] === 'number' &&
  item[MARKER_COUNT] > item[MARKER_OPEN];

/** True when the bucket holds the contribution's marker at or past its revision: it is applied. */
export const isApplied = (contribution: { rev: number }, marker: string, item?: Record<string, unknown>) => {
  const applied = item?.[marker];
  return typeof applied === 'number' && applied >= contribution.rev;
};

/** Removes the contributions whose marker on the rollup item shows them applied already. */
export const dropContributionsApplied = (
  contributions: Map<string, Contribution>,
  rollupItem: Record<string, unknown> | undefined,
): void => {
  for (const [marker, contribution] of [...contributions])
    if (isApplied(contribution, marker, rollupItem)) contributions.delete(marker);
};

export const sumDeltas = (deltas: readonly Delta[]): Delta => {
  const out: Delta = {};
  for (const d of deltas) {
    for (const metric of STORED_METRICS) {
      const v = d[metric];
      if (v !== undefined) out[metric] = (out[metric] ?? 0) + v;
    }
  }
  return out;
};

/** Counters every rollup item carries as numbers; views only once a known value contributed. */
const ALWAYS_PRESENT: readonly string[] = ['mentions', 'likes', 'shares', 'comments'];

export const rollupUpdate = (
  table: string,
  unit: Omit<ItemUpdate, 'contributions'>,
  contributions: ReadonlyMap<string, Pick<Contribution, 'rev' | 'delta'>>,
) => {
  const names: Record<string, string> = { '#mk': MARKER_COUNT, '#mkOpen': MARKER_OPEN };
  const values: Record<string, unknown> = { ':k': contributions.size, ':open': unit.open };
  const sets: string[] = ['#mkOpen = if_not_exists(#mkOpen, :open)'];
  const adds: string[] = ['#mk :k'];
  const conditions: string[] = ['(attribute_not_exists(#mk) OR #mk <= #mkOpen)'];
  Object.entries(unit.attrs).forEach(([attr, value], i) => {
    names[`#a${i}`] = attr;
    values[`:a${i}`] = value;
    sets.push(`#a${i} = if_not_exists(#a${i}, :a${i})`);
  });
  [...contributions].forEach(([marker, c], i) => {
    names[`#m${i}`] = marker;
    values[`:r${i}`] = c.rev;
    sets.push(`#m${i} = :r${i}`);
    conditions.push(`(attribute_not_exists(#m${i}) OR #m${i} < :r${i})`);
  });
  const total = sumDeltas([...contributions.values()].map((c) => c.delta));
  for (const metric of STORED_METRICS) {
    if (total[metric] === undefined && !ALWAYS_PRESENT.includes(metric)) continue;
    names[`#${metric}`] = metric;
    values[`:${metric}`] = total[metric] ?? 0;
    adds.push(`#${metric} :${metric}`);
  }
  return {
    TableName: table,
    Key: { pk: unit.pk, sk: unit.sk },
    UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
};

/** Consistent GetItem input reading only the given markers and the bucket's fullness. */
export const markersRead = (table: string, key: { pk: string; sk: string }, markers: readonly string[]) => {
  const names = [...markers, MARKER_COUNT, MARKER_OPEN];
  return {
    TableName: table,
    Key: key,
    ConsistentRead: true,
    ProjectionExpression: names.map((_, i) => `#n${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(names.map((m, i) => [`#n${i}`, m])),
  };
};

export const isValidationError = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationException';

export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

export const itemKey = (pk: string, sk: string) => `${pk}\u0000${sk}`;

/** Groups the changes of all outboxes by bucket, one contribution per post (its changes summed). */
export const groupByBucket = (
  applications: readonly { post: { platform: Platform; postId: string }; outbox: Outbox }[],
  open: number,
): Map<string, ItemUpdate> => {
  const byItem = new Map<string, ItemUpdate>();
  for (const { post, outbox } of applications) {
    for (const change of outbox.changes) {
      const sk = rollupBucketSk(change.sk, change.bucket ?? 0);
      const key = itemKey(change.pk, sk);
      let item = byItem.get(key);
      if (!item) {
        item = { pk: change.pk, sk, attrs: change.attrs, open, contributions: new Map() };
        byItem.set(key, item);
      }
      const marker = markerAttribute(post.platform, post.postId);
      const existing = item.contributions.get(marker);
      item.contributions.set(marker, {
        postKey: postStateKey(post.platform, post.postId).pk,
        rev: outbox.rev,
        delta: existing ? sumDeltas([existing.delta, change.delta]) : { ...change.delta },
        changes: [...(existing?.changes ?? []), change],
      });
    }
  }
  return byItem;
};

/** A unit's chain and bucket, as its contributions' changes name them (all name the same bucket). */
export const chainOfUnit = (unit: ItemUpdate): RollupChange => {
  const [first] = unit.contributions.values();
  const change = first?.changes[0];
  if (!change) throw new Error(`rollup item ${unit.pk} ${unit.sk}: a unit without changes`);
  return change;
};
