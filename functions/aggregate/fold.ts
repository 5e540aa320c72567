import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { rollupBucketSk } from '../../shared/keys';
import { STORED_METRICS } from '../../shared/metrics';
import { chainPositionOf, rollupFoldSk } from '../../shared/rollup-chains';
import type { Delta } from './planner';
import type { RollupChange } from './post-state';
import {
  isClosedBucket,
  isConditionalCheckFailed,
  MARKER_COUNT,
  MARKER_OPEN,
  sumDeltas,
} from './rollup-update';

/**
 * Folding closed buckets (docs/data-model.md, "Folding closed buckets"). A closed bucket never changes
 * again, so the sum of buckets 0..n of a chain, once they are all closed, is a fixed value: the fold row
 * `{sk}#f{n}`, written once (conditional write of a deterministic item, so racing folders agree). Readers keep
 * the highest fold and the buckets after it (`visibleRollupItems`), so they never count a row twice. The
 * next fold takes the folded buckets and the older folds out of the byDay index, so an index Query reads
 * about one row per chain however many buckets a busy day grew. Best effort: exactness never depends on it.
 */

type Item = Record<string, unknown>;
/** The previous fold a fold was built on (-1: none): the buckets after it are the ones it took in. */
const FOLDED_FROM = 'foldedFrom';

/** An open bucket a fold stopped on before the bucket it was asked to fold through (absent: never written). */
export interface OpenBucketMet {
  bucket: number;
  item?: Item;
}

export class ChainFolder {
  /** The last bucket this process knows folded, per chain. */
  private readonly folded = new Map<string, number>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** A fold under way per chain: moves of one batch often find the same bucket closed at once. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /**
   * Folds the closed buckets 0..through of the change's chain (index-read chains only). Returns the open
   * bucket it stopped on before `through`, if it read one.
   */
  async fold(change: RollupChange, through: number): Promise<OpenBucketMet | undefined> {
    if (typeof change.attrs.gsi1pk !== 'string' || through < 0) return;
    const chain = `${change.pk}\u0000${change.sk}`;
    for (let running = this.inFlight.get(chain); running; running = this.inFlight.get(chain))
      await running.catch(() => undefined);
    if ((this.folded.get(chain) ?? -1) >= through) return;
    const run = this.foldChain(chain, change, through);
    this.inFlight.set(chain, run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(chain);
    }
  }

  private async foldChain(
    chain: string,
    change: RollupChange,
    through: number,
  ): Promise<OpenBucketMet | undefined> {
    const folds = await this.readFolds(change);
    const latest = folds[0];
    const from = latest ? chainPositionOf(String(latest.sk)).n : -1;
    if (latest) await this.retire(change, folds, from);
    let last = from;
    const rows: Item[] = latest ? [latest] : [];
    let met: OpenBucketMet | undefined;
    for (let bucket = from + 1; bucket <= through; bucket++) {
      const row = await this.read(change.pk, rollupBucketSk(change.sk, bucket));
      if (!row || !isClosedBucket(row)) {
        met = row ? { bucket, item: row } : { bucket };
        break;
      }
      rows.push(row);
      last = bucket;
    }
    if (last > from) await this.putFold(change, last, from, sumDeltas(rows as Delta[]));
    this.folded.set(chain, last);
    return met;
  }

  /** The chain's two latest folds, newest first (consistent): the one to build on, and the one before it. */
  private async readFolds(change: RollupChange): Promise<Item[]> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': change.pk, ':prefix': `${change.sk}#f` },
        ConsistentRead: true,
        ScanIndexForward: false,
        Limit: 2,
      }),
    );
    return (page.Items ?? []).filter((i) => chainPositionOf(String(i.sk)).chainSk === change.sk);
  }

  /**
   * The latest fold is durable, so the buckets it took in and the folds before it leave the byDay index:
   * readers skip them anyway, this keeps index Queries small. Idempotent. (UpdateItem only: the aggregate
   * is granted no PutItem or DeleteItem on rollups.)
   */
  private async retire(change: RollupChange, folds: readonly Item[], latest: number): Promise<void> {
    const [newest, previous] = folds;
    const start = typeof newest?.[FOLDED_FROM] === 'number' ? newest[FOLDED_FROM] + 1 : 0;
    const keys = [
      ...Array.from({ length: Math.max(0, latest - start + 1) }, (_, i) =>
        rollupBucketSk(change.sk, start + i),
      ),
      // Folds before the previous one were retired when the previous one was the latest.
      ...(previous?.gsi1pk !== undefined ? [String(previous.sk)] : []),
    ];
    for (const sk of keys)
      await this.doc
        .send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: change.pk, sk },
            UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
            ConditionExpression: 'attribute_exists(gsi1pk)',
          }),
        )
        .catch((e: unknown) => {
          if (!isConditionalCheckFailed(e)) throw e;
        });
  }

  private async read(pk: string, sk: string): Promise<Item | undefined> {
    const names = [MARKER_COUNT, MARKER_OPEN, ...STORED_METRICS];
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk, sk },
        ConsistentRead: true,
        ProjectionExpression: names.map((_, i) => `#n${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#n${i}`, n])),
      }),
    );
    return out.Item;
  }

  private async putFold(change: RollupChange, through: number, from: number, sum: Delta): Promise<void> {
    const values: Item = {
      mentions: 0,
      likes: 0,
      shares: 0,
      comments: 0,
      ...change.attrs,
      ...sum,
      [FOLDED_FROM]: from,
    };
    const names = Object.keys(values);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: change.pk, sk: rollupFoldSk(change.sk, through) },
          UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
          ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:a${i}`, values[n]])),
        }),
      );
    } catch (e) {
      // Another folder wrote the same row: its content follows from the same closed buckets.
      if (!isConditionalCheckFailed(e)) throw e;
    }
  }
}
