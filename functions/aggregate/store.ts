import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { chunk, forEachLimited } from '../../shared/batches';
import { type BatchRetry, batchGetItems, batchPutItems } from '../../shared/dynamo-batch';
import { postStateKey, trackIndexKey } from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import { BucketChains } from './buckets';
import { ChainFolder } from './fold';
import { toStoredState } from './outbox-codec';
import { type Outbox, type PostState, type RollupChange, stateAttributesOf } from './post-state';
import { quarantineRecord } from './quarantine';
import {
  type Contribution,
  chainOfUnit,
  dropContributionsApplied,
  groupByBucket,
  type ItemUpdate,
  isClosedBucket,
  isConditionalCheckFailed,
  isValidationError,
  itemKey,
  markersRead,
  rollupUpdate,
} from './rollup-update';

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
  /**
   * Marker writes a rollup bucket takes at most: it closes after `bucketMarkerLimit - postsPerUpdate`
   * (fixed on the bucket by its first write). 500 markers of ~17 bytes keep a bucket under 10 KB, so a
   * write costs at most 10 write units; closed buckets are folded (fold.ts), so readers do not pay for more.
   */
  bucketMarkerLimit: number;
}

export const DEFAULT_STORE_TUNING: StoreTuning = {
  unprocessedAttempts: 8,
  backoffMs: 25,
  itemAttempts: 10,
  postsPerUpdate: 40,
  concurrency: 16,
  bucketMarkerLimit: 500,
};

export { isConditionalCheckFailed } from './rollup-update';

/** Marker writes after which a new bucket closes: room is left for one more full update. */
export const bucketOpenOf = (tuning: Pick<StoreTuning, 'bucketMarkerLimit' | 'postsPerUpdate'>): number =>
  tuning.bucketMarkerLimit - tuning.postsPerUpdate;

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
  private readonly chains: BucketChains;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { state: string; rollups: string },
    private readonly tuning: StoreTuning = DEFAULT_STORE_TUNING,
  ) {
    if (tuning.bucketMarkerLimit <= tuning.postsPerUpdate)
      throw new Error('bucketMarkerLimit must exceed postsPerUpdate');
    const folder = new ChainFolder(doc, tables.rollups);
    this.chains = new BucketChains(doc, tables.rollups, bucketOpenOf(tuning), folder);
  }

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
      ...toStoredState(next),
      ...trackIndexKey(next.platform, next.publishedAt, next.postId),
      expiresAt: Math.floor(Date.parse(next.publishedAt) / 1000) + STATE_RETENTION_SECONDS,
    };
    const names: Record<string, string> = {};
    const exprValues: Record<string, unknown> = {};
    const sets: string[] = [];
    for (const attr of stateAttributesOf(next)) {
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
   * Applies outboxes to the rollups, coalesced: the changes of all posts are grouped by rollup bucket and
   * each bucket gets one UpdateItem per `postsPerUpdate` posts (`rollupUpdate`). On a failed condition the
   * bucket is re-read: posts already applied are dropped; when the bucket closed, the posts left are
   * `moved` (their changes can never land there). A write DynamoDB rejects for good (ValidationException)
   * is retried post by post, and the posts it still rejects are `rejected`. Everything else is `failed`.
   * The chains whose buckets these writes closed are folded once every write returned.
   */
  async applyOutboxes(
    applications: readonly OutboxApplication[],
    options: { verifyFirst?: boolean } = {},
  ): Promise<ApplyOutcome> {
    const byItem = groupByBucket(applications, bucketOpenOf(this.tuning));
    const outcome: ApplyOutcome = { failed: new Map(), moved: new Map(), rejected: new Map() };
    if (options.verifyFirst) await this.dropApplied(byItem);
    const units: ItemUpdate[] = [];
    for (const item of byItem.values()) {
      for (const part of chunk([...item.contributions], this.tuning.postsPerUpdate)) {
        units.push({ ...item, contributions: new Map(part) });
      }
    }
    const closing = new Map<string, RollupChange>();
    await forEachLimited(units, this.tuning.concurrency, async (unit) => {
      const chain = chainOfUnit(unit);
      try {
        const result = await this.applyToItem(unit);
        if (result.closedIt) closing.set(itemKey(chain.pk, chain.sk), chain);
        for (const c of result.closed) {
          const moved = outcome.moved.get(c.postKey) ?? [];
          moved.push(...c.changes);
          outcome.moved.set(c.postKey, moved);
        }
        for (const r of result.rejected) {
          const rejected = outcome.rejected.get(r.contribution.postKey) ?? [];
          rejected.push({ item: { pk: unit.pk, sk: unit.sk }, ...r });
          outcome.rejected.set(r.contribution.postKey, rejected);
        }
      } catch (e) {
        for (const c of unit.contributions.values()) outcome.failed.set(c.postKey, e as Error);
      } finally {
        for (const c of unit.contributions.values()) this.chains.landed(c.postKey, chain, chain.bucket ?? 0);
      }
    });
    for (const chain of closing.values()) await this.chains.foldClosed(chain);
    return outcome;
  }

  /** The next bucket of each of a post's moved changes: the first open one with room after the closed one. */
  async moveChanges(post: string, changes: readonly RollupChange[]): Promise<RollupChange[]> {
    const moves = await Promise.allSettled(changes.map((c) => this.chains.move(post, c)));
    const moved = moves.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
    const failed = moves.find((m) => m.status === 'rejected');
    if (!failed) return moved;
    this.chains.unplace(post, moved);
    throw failed.reason;
  }

  /** A post's fresh changes go to the first bucket of their chain with room (`BucketChains.place`). */
  placeChanges(post: string, changes: readonly RollupChange[]): RollupChange[] {
    return this.chains.place(post, changes);
  }

  /** The post's placed changes will not be written (its state write lost or failed). */
  unplaceChanges(post: string, changes: readonly RollupChange[]): void {
    this.chains.unplace(post, changes);
  }

  /**
   * Outboxes are never cleared by a write of their own: the post's next state write replaces them. So an
   * outbox found on a post may be applied already: one read of its rollup buckets (eventually consistent is
   * enough: markers only grow, so a stale read can only under-report, and then the conditional update
   * decides) drops the contributions already applied instead of spending a failing conditional write.
   */
  private async dropApplied(byItem: Map<string, ItemUpdate>): Promise<void> {
    const keys = [...byItem.values()].map((i) => ({ pk: i.pk, sk: i.sk }));
    // Keys left unread are not fatal: the conditional updates still apply each change at most once.
    const read = await batchGetItems(this.doc, this.tables.rollups, keys, this.batchOptions());
    for (const current of read.items) {
      const key = itemKey(String(current.pk), String(current.sk));
      const item = byItem.get(key);
      if (!item) continue;
      dropContributionsApplied(item.contributions, current);
      if (item.contributions.size === 0) byItem.delete(key);
    }
  }

  private async applyToItem(unit: ItemUpdate): Promise<ItemOutcome> {
    const pending = new Map(unit.contributions);
    const chain = chainOfUnit(unit);
    const bucket = chain.bucket ?? 0;
    for (let attempt = 0; pending.size > 0; attempt++) {
      if (attempt >= this.tuning.itemAttempts)
        throw new Error(`rollup item ${unit.pk} ${unit.sk}: markers kept moving after ${attempt} attempts`);
      try {
        const written = await this.doc.send(
          new UpdateCommand({
            ...rollupUpdate(this.tables.rollups, unit, pending),
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        // Exactly one write takes a bucket past mkOpen: the one that closed it.
        const closedIt = this.chains.observed(chain, bucket, written.Attributes);
        return { closed: [], rejected: [], ...(closedIt ? { closedIt } : {}) };
      } catch (e) {
        if (isValidationError(e)) return this.applyOneByOne(unit, pending, e as Error);
        if (!isConditionalCheckFailed(e)) throw e;
      }
      const current = await this.doc.send(
        new GetCommand(markersRead(this.tables.rollups, { pk: unit.pk, sk: unit.sk }, [...pending.keys()])),
      );
      dropContributionsApplied(pending, current.Item);
      this.chains.observed(chain, bucket, current.Item);
      if (pending.size > 0 && isClosedBucket(current.Item)) {
        this.chains.closed(chain, bucket);
        return { closed: [...pending.values()], rejected: [] };
      }
    }
    return { closed: [], rejected: [] };
  }

  /** A rejected coalesced write is split, so one post's bad change cannot hold back the others. */
  private async applyOneByOne(unit: ItemUpdate, pending: Map<string, Contribution>, error: Error) {
    if (pending.size === 1) {
      const [contribution] = pending.values();
      return { closed: [], rejected: contribution ? [{ contribution, error }] : [] };
    }
    const outcome: ItemOutcome = { closed: [], rejected: [] };
    for (const [marker, contribution] of pending) {
      const one = await this.applyToItem({ ...unit, contributions: new Map([[marker, contribution]]) });
      outcome.closed.push(...one.closed);
      outcome.rejected.push(...one.rejected);
      if (one.closedIt) outcome.closedIt = true;
    }
    return outcome;
  }

  /** Idempotent reject records (deterministic keys), BatchWriteItem in chunks of 25. Throws when some fail. */
  async writeRejects(items: readonly Record<string, unknown>[]): Promise<void> {
    await this.putStateItems(items);
  }

  /** Quarantine records of rejected changes (deterministic keys: a redelivery rewrites the same ones). */
  async quarantine(
    post: PostRef,
    rev: number,
    rejected: readonly RejectedChange[],
    now: number,
  ): Promise<void> {
    await this.putStateItems(rejected.map((r) => quarantineRecord(post, rev, r, now)));
  }

  private async putStateItems(items: readonly Record<string, unknown>[]): Promise<void> {
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

interface ItemOutcome {
  /** Contributions the bucket closed on before they landed. */
  closed: Contribution[];
  rejected: { contribution: Contribution; error: Error }[];
  /** A write of this unit closed the bucket. */
  closedIt?: boolean;
}

export interface RejectedChange {
  /** The bucket that rejected the write. */
  item: { pk: string; sk: string };
  contribution: Contribution;
  error: Error;
}

/** What `applyOutboxes` could not apply, by post (`postKeyString`). */
export interface ApplyOutcome {
  /** Transient failures: the post's records are redelivered. */
  failed: Map<string, Error>;
  /** Changes whose bucket closed first: they go to the next open bucket under a new revision. */
  moved: Map<string, RollupChange[]>;
  /** Changes DynamoDB rejects for good: quarantined. */
  rejected: Map<string, RejectedChange[]>;
}
