import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { rollupBucketSk } from '../../shared/keys';
import type { ChainFolder } from './fold';
import type { RollupChange } from './post-state';
import { isClosedBucket, MARKER_COUNT, MARKER_OPEN } from './rollup-update';

/**
 * Where rollup changes go in a bucket chain. Placement never decides exactness (every bucket guards each
 * post's revision with its marker); it only keeps writes off closed buckets. A closed bucket stays closed
 * and buckets close in order (a bucket is only written once the one before it was seen closed), so the
 * closed buckets of a chain are a prefix, and the per-process "first bucket not known closed" is safe to
 * remember. Finding it again after a cold start takes O(log n) reads (gallop, then bisect).
 */
export class BucketChains {
  private readonly firstOpen = new Map<string, number>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly folder?: ChainFolder,
  ) {}

  /** A fresh change goes to the first bucket of its chain not known closed (bucket 0 when unknown). */
  place(change: RollupChange): RollupChange {
    const bucket = this.firstOpen.get(chainOf(change)) ?? 0;
    const { bucket: _previous, ...base } = change;
    return bucket === 0 ? base : { ...base, bucket };
  }

  /** Records that `bucket` of the change's chain is closed. */
  closed(change: RollupChange, bucket: number): void {
    const chain = chainOf(change);
    this.firstOpen.set(chain, Math.max(this.firstOpen.get(chain) ?? 0, bucket + 1));
  }

  /** A change whose bucket closed before it landed moves to the first open bucket after it. */
  async move(change: RollupChange): Promise<RollupChange> {
    const from = change.bucket ?? 0;
    this.closed(change, from);
    const chain = chainOf(change);
    let closedBelow = (this.firstOpen.get(chain) ?? 1) - 1;
    let probe = closedBelow + 1;
    for (let step = 1; await this.isClosed(change.pk, rollupBucketSk(change.sk, probe)); step *= 2) {
      closedBelow = probe;
      probe = closedBelow + step;
    }
    while (probe - closedBelow > 1) {
      const mid = Math.floor((closedBelow + probe) / 2);
      if (await this.isClosed(change.pk, rollupBucketSk(change.sk, mid))) closedBelow = mid;
      else probe = mid;
    }
    this.closed(change, probe - 1);
    // Best effort: exactness never depends on a fold, and the next move on this chain folds again.
    await this.folder?.fold(change, probe - 1).catch(() => undefined);
    return { ...change, bucket: probe };
  }

  /** Eventually consistent is enough: a stale read can only show a closed bucket open (one failed write). */
  private async isClosed(pk: string, sk: string): Promise<boolean> {
    const read = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk, sk },
        ProjectionExpression: '#c, #o',
        ExpressionAttributeNames: { '#c': MARKER_COUNT, '#o': MARKER_OPEN },
      }),
    );
    return isClosedBucket(read.Item);
  }
}

const chainOf = (change: Pick<RollupChange, 'pk' | 'sk'>): string => `${change.pk}\u0000${change.sk}`;
