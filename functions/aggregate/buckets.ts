import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { rollupBucketSk } from '../../shared/keys';
import type { ChainFolder, OpenBucketMet } from './fold';
import type { RollupChange } from './post-state';
import { isClosedBucket, MARKER_COUNT, MARKER_OPEN } from './rollup-update';

/**
 * Where rollup changes go in a bucket chain (docs/data-model.md, "Bucket chains"). Placement never decides
 * exactness (every bucket guards each post's revision with its marker); it only keeps writes off closed
 * buckets. The process counts, per bucket, the marker writes it last saw (`mk`, returned by every write) and
 * the posts it placed there whose write has not returned, and places a post on the first bucket where both
 * together stay within `mkOpen + 1` writes: a batch fills a bucket exactly to closing with writes that all
 * succeed, and only then spills onto the next one. So the closed buckets of a chain stay a prefix (folding
 * relies on it) unless a placed write never happens; the next placement on the chain, or the next fold
 * (which stops at an open bucket), finds that bucket and fills it first. Finding the first open bucket
 * after a cold start takes O(log n) reads (gallop, then bisect).
 */

type Chain = Pick<RollupChange, 'pk' | 'sk'>;
type Item = Record<string, unknown>;

/** What this process knows of one bucket at or after its chain's closed prefix. */
interface BucketView {
  /** `mk` as last seen. */
  writes: number;
  /** `mkOpen` once seen (the process's own until then). */
  open?: number;
  closed: boolean;
  /** Posts placed on the bucket whose write has not returned yet. */
  placed: Set<string>;
}

interface ChainView {
  /** Every bucket below it is closed (seen closed, or by the prefix rule). */
  firstOpen: number;
  buckets: Map<number, BucketView>;
}

export class BucketChains {
  private readonly chains = new Map<string, ChainView>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** Marker writes after which a bucket this process creates closes (`bucketOpenOf`). */
    private readonly open: number,
    private readonly folder?: ChainFolder,
  ) {}

  /** One post's fresh changes, each on its chain's first bucket with room (one per chain and post). */
  place(post: string, changes: readonly RollupChange[]): RollupChange[] {
    const chosen = new Map<string, number>();
    return changes.map((change) => {
      const key = chainKey(change);
      const bucket = chosen.get(key) ?? this.reserve(post, change);
      chosen.set(key, bucket);
      return onBucket(change, bucket);
    });
  }

  /** Forgets placements whose write will not happen (the post's state write lost or failed). */
  unplace(post: string, changes: readonly RollupChange[]): void {
    for (const change of changes) this.landed(post, change, change.bucket ?? 0);
  }

  /** The write of `post` to `bucket` returned (applied, refused or failed): its placement is over. */
  landed(post: string, chain: Chain, bucket: number): void {
    this.chains.get(chainKey(chain))?.buckets.get(bucket)?.placed.delete(post);
  }

  /** Learns a bucket's `mk` and `mkOpen` (a write's returned values or a read); true when it is closed. */
  observed(chain: Chain, bucket: number, item: Item | undefined): boolean {
    const view = this.view(chain);
    // Known closed already. An open image here is an older write's reply arriving after the closing one's.
    if (bucket < view.firstOpen) return isClosedBucket(item);
    const known = this.bucketView(view, bucket);
    const writes = item?.[MARKER_COUNT];
    const open = item?.[MARKER_OPEN];
    if (typeof writes === 'number') known.writes = Math.max(known.writes, writes);
    if (typeof open === 'number') known.open = open;
    if (!isClosedBucket(item)) return false;
    known.closed = true;
    advance(view);
    return true;
  }

  /** Records that `bucket` of the chain is closed, and (prefix rule) every bucket before it. */
  closed(chain: Chain, bucket: number): void {
    const view = this.view(chain);
    if (bucket >= view.firstOpen) view.firstOpen = bucket + 1;
    advance(view);
  }

  /** Folds the chain through its last bucket known closed (best effort, as every fold). */
  async foldClosed(change: RollupChange): Promise<void> {
    await this.foldThrough(change, this.view(change).firstOpen - 1);
  }

  /** A change whose bucket closed before it landed moves to the first open bucket with room after it. */
  async move(post: string, change: RollupChange): Promise<RollupChange> {
    this.closed(change, change.bucket ?? 0);
    let closedBelow = this.view(change).firstOpen - 1;
    let probe = closedBelow + 1;
    for (let step = 1; await this.isClosed(change, probe); step *= 2) {
      closedBelow = probe;
      probe = closedBelow + step;
    }
    while (probe - closedBelow > 1) {
      const mid = Math.floor((closedBelow + probe) / 2);
      if (await this.isClosed(change, mid)) closedBelow = mid;
      else probe = mid;
    }
    this.closed(change, probe - 1);
    await this.foldThrough(change, probe - 1);
    return onBucket(change, this.reserve(post, change));
  }

  private reserve(post: string, chain: Chain): number {
    const view = this.view(chain);
    for (let bucket = view.firstOpen; ; bucket++) {
      const known = this.bucketView(view, bucket);
      if (known.closed) continue;
      if (known.placed.has(post) || known.writes + known.placed.size <= (known.open ?? this.open)) {
        known.placed.add(post);
        return bucket;
      }
    }
  }

  private async foldThrough(change: RollupChange, through: number): Promise<void> {
    // Best effort: exactness never depends on a fold, and the next closure of the chain folds again.
    const met = await this.folder?.fold(change, through).catch(() => undefined);
    if (met) this.reopen(change, met);
  }

  /** A fold met an open bucket the prefix rule took for closed (a placed write never happened): fill it. */
  private reopen(chain: Chain, met: OpenBucketMet): void {
    const view = this.view(chain);
    if (met.bucket >= view.firstOpen) return;
    for (let bucket = met.bucket + 1; bucket < view.firstOpen; bucket++)
      this.bucketView(view, bucket).closed = true;
    view.firstOpen = met.bucket;
    this.observed(chain, met.bucket, met.item);
  }

  /** Eventually consistent is enough: a stale read shows a bucket emptier than it is (failed writes at worst). */
  private async isClosed(chain: Chain, bucket: number): Promise<boolean> {
    const read = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: chain.pk, sk: rollupBucketSk(chain.sk, bucket) },
        ProjectionExpression: '#c, #o',
        ExpressionAttributeNames: { '#c': MARKER_COUNT, '#o': MARKER_OPEN },
      }),
    );
    return this.observed(chain, bucket, read.Item);
  }

  private view(chain: Chain): ChainView {
    const key = chainKey(chain);
    let view = this.chains.get(key);
    if (!view) {
      view = { firstOpen: 0, buckets: new Map() };
      this.chains.set(key, view);
    }
    return view;
  }

  private bucketView(view: ChainView, bucket: number): BucketView {
    let known = view.buckets.get(bucket);
    if (!known) {
      known = { writes: 0, closed: false, placed: new Set() };
      view.buckets.set(bucket, known);
    }
    return known;
  }
}

/** Moves `firstOpen` past the buckets known closed and forgets them. */
const advance = (view: ChainView): void => {
  while (view.buckets.get(view.firstOpen)?.closed) view.firstOpen++;
  for (const bucket of view.buckets.keys()) if (bucket < view.firstOpen) view.buckets.delete(bucket);
};

const onBucket = (change: RollupChange, bucket: number): RollupChange => {
  const { bucket: _previous, ...base } = change;
  return bucket === 0 ? base : { ...base, bucket };
};

const chainKey = (chain: Chain): string => `${chain.pk}\u0000${chain.sk}`;
