import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { chunk, forEachLimited } from '../../shared/batches';
import { type BatchRetry, batchGetItems, batchPutItems } from '../../shared/dynamo-batch';
import { markerAttribute, postStateKey, trackIndexKey } from '../../shared/keys';
import { STORED_METRICS } from '../../shared/metrics';
import type { Platform } from '../../shared/platform';
import type { Delta } from './planner';
import { type Outbox, POST_STATE_ATTRIBUTES, type PostState, type RollupChange } from './post-state';

/** DynamoDB access of the aggregator: single-item conditional writes only (dynalite has no transactions). */

const STATE_RETENTION_SECONDS = 90 * 24 * 3600;

export interface StoreTuning {
  /** Attempts for BatchGet/BatchWrite unprocessed items before giving up on them. */
  unprocessedAttempts: number;
  /** Ceiling of the first backoff for unprocessed items (full jitter), doubled per attempt. */
  backoffMs: number;
  /** Conditional-update rounds per rollup item before its posts are reported as failed. */
  itemAttempts: number;
  /** Posts per rollup UpdateItem (expression size stays far below DynamoDB's 4 KB limit). */
  postsPerUpdate: number;
  /** Concurrent requests in flight. */
  concurrency: number;
}

export const DEFAULT_STORE_TUNING: StoreTuning = {
  unprocessedAttempts: 8,
  backoffMs: 25,
  itemAttempts: 10,
  postsPerUpdate: 40,
  concurrency: 16,
};

export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

export const postKeyString = (platform: Platform, postId: string): string =>
  postStateKey(platform, postId).pk;

export interface PostRef {
  platform: Platform;
  postId: string;
}

/** One post's pending outbox, ready to apply. */
export interface OutboxApplication {
  post: PostRef;
  outbox: Outbox;
}

export class AggregateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { state: string; rollups: string },
    private readonly tuning: StoreTuning = DEFAULT_STORE_TUNING,
  ) {}

  /**
   * Strongly consistent BatchGetItem of post state items, <= 100 keys per call, retrying UnprocessedKeys
   * with backoff. Returns items by `pk`, and the posts whose read failed with the error.
   */
  async readStates(
    posts: readonly PostRef[],
  ): Promise<{ items: Map<string, Record<string, unknown>>; failed: Map<string, Error> }> {
    const keys = [...new Map(posts.map((p) => [postKeyString(p.platform, p.postId), p])).values()].map((p) =>
      postStateKey(p.platform, p.postId),
    );
    const read = await batchGetItems(this.doc, this.tables.state, keys, {
      consistentRead: true,
      ...this.batchOptions(),
    });
    const items = new Map(read.items.map((item) => [String(item.pk), item]));
    const failed = new Map<string, Error>();
    for (const { entries, error } of read.failures)
      for (const key of entries) failed.set(String(key.pk), error);
    return { items, failed };
  }

  /**
   * Writes the post's next state if nobody moved it since `expectedRev` (0: the post must not exist yet).
   * UpdateItem, not PutItem, so attributes other writers keep on the item survive. Returns false on a
   * conflict; throws on other errors.
   */
  async writeState(next: PostState, expectedRev: number): Promise<boolean> {
    const values: Record<string, unknown> = {
      ...next,
      ...trackIndexKey(next.platform, next.publishedAt, next.postId),
      expiresAt: Math.floor(Date.parse(next.publishedAt) / 1000) + STATE_RETENTION_SECONDS,
    };
    const names: Record<string, string> = {};
    const exprValues: Record<string, unknown> = {};
    const sets: string[] = [];
    for (const attr of [...POST_STATE_ATTRIBUTES, ...(next.outbox ? (['outbox'] as const) : [])]) {
      names[`#${attr}`] = attr;
      exprValues[`:${attr}`] = values[attr];
      sets.push(`#${attr} = :${attr}`);
    }
    let update = `SET ${sets.join(', ')}`;
    if (!next.outbox) {
      names['#outbox'] = 'outbox';
      update += ' REMOVE #outbox';
    }
    let condition = 'attribute_not_exists(pk)';
    if (expectedRev > 0) {
      condition = '#rev = :expectedRev';
      exprValues[':expectedRev'] = expectedRev;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.state,
          Key: postStateKey(next.platform, next.postId),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: exprValues,
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw e;
    }
  }

  /**
   * Applies outboxes to the rollups, coalesced: the changes of all posts are grouped by rollup item and
   * each item gets one UpdateItem that ADDs the summed deltas and sets every contributing post's marker
   * to its outbox revision, conditioned on no marker being at or past that revision already. On a failed
   * condition the item is re-read and the posts already applied are dropped. Returns the posts (by
   * `postKeyString`) whose changes could not all be applied, with the error.
   */
  async applyOutboxes(
    applications: readonly OutboxApplication[],
    options: { verifyFirst?: boolean } = {},
  ): Promise<Map<string, Error>> {
    const byItem = new Map<string, ItemUpdate>();
    for (const { post, outbox } of applications) {
      for (const change of outbox.changes) {
        const itemKey = `${change.pk}\u0000${change.sk}`;
        let item = byItem.get(itemKey);
        if (!item) {
          item = { pk: change.pk, sk: change.sk, attrs: change.attrs, contributions: new Map() };
          byItem.set(itemKey, item);
        }
        const marker = markerAttribute(post.platform, post.postId);
        const existing = item.contributions.get(marker);
        item.contributions.set(marker, {
          postKey: postKeyString(post.platform, post.postId),
          rev: outbox.rev,
          delta: existing ? sumDeltas([existing.delta, change.delta]) : { ...change.delta },
        });
      }
    }
    const failed = new Map<string, Error>();
    if (options.verifyFirst) await this.dropApplied(byItem);
    const units: ItemUpdate[] = [];
    for (const item of byItem.values()) {
      if (item.contributions.size === 0) continue;
      for (const part of chunk([...item.contributions], this.tuning.postsPerUpdate)) {
        units.push({ ...item, contributions: new Map(part) });
      }
    }
    await forEachLimited(units, this.tuning.concurrency, async (unit) => {
      try {
        await this.applyToItem(unit);
      } catch (e) {
        for (const c of unit.contributions.values()) failed.set(c.postKey, e as Error);
      }
    });
    return failed;
  }

  /**
   * Outboxes are never cleared by a write of their own: the post's next state write replaces them. So an
   * outbox found on a post may be applied already; one read of its rollup items (eventually consistent is
   * enough: markers only grow, so a stale read can only under-report, and then the conditional update
   * decides) drops the contributions already applied instead of spending a failing conditional write.
   */
  private async dropApplied(byItem: Map<string, ItemUpdate>): Promise<void> {
    const keys = [...byItem.values()].map((i) => ({ pk: i.pk, sk: i.sk }));
    // Keys left unread are not fatal: the conditional updates still apply each change at most once.
    const read = await batchGetItems(this.doc, this.tables.rollups, keys, this.batchOptions());
    for (const current of read.items) {
      const item = byItem.get(`${String(current.pk)}\u0000${String(current.sk)}`);
      if (item) dropContributionsApplied(item.contributions, current);
    }
  }

  private async applyToItem(unit: ItemUpdate): Promise<void> {
    const pending = new Map(unit.contributions);
    for (let attempt = 0; pending.size > 0; attempt++) {
      if (attempt >= this.tuning.itemAttempts)
        throw new Error(`rollup item ${unit.pk} ${unit.sk}: markers kept moving after ${attempt} attempts`);
      try {
        await this.doc.send(new UpdateCommand(rollupUpdate(this.tables.rollups, unit, pending)));
        return;
      } catch (e) {
        if (!isConditionalCheckFailed(e)) throw e;
      }
      const markers = [...pending.keys()];
      const current = await this.doc.send(
        new GetCommand({
          TableName: this.tables.rollups,
          Key: { pk: unit.pk, sk: unit.sk },
          ConsistentRead: true,
          ProjectionExpression: markers.map((_, i) => `#m${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(markers.map((m, i) => [`#m${i}`, m])),
        }),
      );
      dropContributionsApplied(pending, current.Item);
    }
  }

  /** Idempotent reject records (deterministic keys), BatchWriteItem in chunks of 25. Throws when some fail. */
  async writeRejects(items: readonly Record<string, unknown>[]): Promise<void> {
    const unique = [...new Map(items.map((i) => [`${String(i.pk)}\u0000${String(i.sk)}`, i])).values()];
    const { failures } = await batchPutItems(this.doc, this.tables.state, unique, {
      retry: this.batchOptions().retry,
    });
    if (failures[0]) throw failures[0].error;
  }

  private batchOptions(): { retry: Partial<BatchRetry>; concurrency: number } {
    return {
      retry: { attempts: this.tuning.unprocessedAttempts, baseDelayMs: this.tuning.backoffMs },
      concurrency: this.tuning.concurrency,
    };
  }
}

interface Contribution {
  postKey: string;
  rev: number;
  delta: Delta;
}

interface ItemUpdate {
  pk: string;
  sk: string;
  attrs: RollupChange['attrs'];
  /** By marker attribute name. */
  contributions: Map<string, Contribution>;
}

/** Removes the contributions whose marker on the rollup item shows them applied already. */
const dropContributionsApplied = (
  contributions: Map<string, Contribution>,
  rollupItem: Record<string, unknown> | undefined,
): void => {
  for (const [marker, contribution] of [...contributions]) {
    const applied = rollupItem?.[marker];
    if (typeof applied === 'number' && applied >= contribution.rev) contributions.delete(marker);
  }
};

const sumDeltas = (deltas: readonly Delta[]): Delta => {
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
const ALWAYS_PRESENT = ['mentions', 'likes', 'shares', 'comments'] as const;

const rollupUpdate = (table: string, unit: ItemUpdate, contributions: ReadonlyMap<string, Contribution>) => {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const adds: string[] = [];
  const conditions: string[] = [];
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
    const known = total[metric] !== undefined;
    if (!known && !(ALWAYS_PRESENT as readonly string[]).includes(metric)) continue;
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
