import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { BucketChains } from '../../../functions/aggregate/buckets';
import type { ChainFolder } from '../../../functions/aggregate/fold';
import type { RollupChange } from '../../../functions/aggregate/post-state';

const OPEN = 4; // a bucket closes after 4 marker writes: placement puts 5 posts on it
const noDb = {} as DynamoDBDocumentClient;
const change = (sk = 'D#2026-03-06'): RollupChange => ({
  pk: 'C#launch#V#x#bot',
  sk,
  attrs: { gsi1pk: 'C#launch#VD#2026-03-06' },
  delta: { likes: 1 },
});
const bucketOf = (c: RollupChange | undefined) => c?.bucket ?? 0;
const placeOne = (chains: BucketChains, post: string, changes = [change()]) =>
  chains.place(post, changes).map(bucketOf);

describe('BucketChains placement', () => {
  it('fills a bucket with exactly the writes that close it, then spills onto the next', () => {
    // Arrange
    const chains = new BucketChains(noDb, 'rollups', OPEN);

    // Act
    const buckets = Array.from({ length: 12 }, (_, i) => placeOne(chains, `p${i}`)[0]);

    // Assert
    expect(buckets).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
  });

  it("puts a post's changes to one chain on one bucket, and other chains on their own", () => {
    const chains = new BucketChains(noDb, 'rollups', OPEN);
    for (let i = 0; i < 4; i++) placeOne(chains, `p${i}`);

    // Two days of one week (one chain) and another chain: one place each.
    const placed = placeOne(chains, 'q', [change('W'), change(), change('W'), change()]);

    expect(placed).toEqual([0, 0, 0, 0]);
    expect(placeOne(chains, 'r')).toEqual([1]);
    expect(placeOne(chains, 'r2', [change('W')])).toEqual([0]);
  });

  it("counts a bucket's returned marker writes, and gives back the places of writes that will not happen", () => {
    // Arrange: bucket 0 returned mk 3 (of another process's writes, say).
    const chains = new BucketChains(noDb, 'rollups', OPEN);
    chains.observed(change(), 0, { mk: 3, mkOpen: OPEN });

    // Act / Assert: room for 2 more on bucket 0, then bucket 1.
    expect([placeOne(chains, 'a'), placeOne(chains, 'b'), placeOne(chains, 'c')].flat()).toEqual([0, 0, 1]);
    // b's state write lost: its place on bucket 0 is free again, and filled before bucket 1.
    chains.unplace('b', [change()]);
    expect(placeOne(chains, 'd')).toEqual([0]);
    // a's write returned closing bucket 0: later posts go past it.
    chains.landed('a', change(), 0);
    chains.landed('d', change(), 0);
    expect(chains.observed(change(), 0, { mk: 5, mkOpen: OPEN })).toBe(true);
    expect(placeOne(chains, 'e')).toEqual([1]);
    // An earlier write's reply arriving after the closing one's shows bucket 0 open: it stays closed.
    expect(chains.observed(change(), 0, { mk: 4, mkOpen: OPEN })).toBe(false);
    expect(placeOne(chains, 'f')).toEqual([1]);
  });

  it('fills an open bucket a fold met below buckets taken for closed, before any later one', async () => {
    // Arrange: the prefix rule took buckets 0..3 for closed; a fold finds bucket 1 open with 2 writes.
    const folder = { fold: async () => ({ bucket: 1, item: { mk: 2, mkOpen: OPEN } }) };
    const chains = new BucketChains(noDb, 'rollups', OPEN, folder as unknown as ChainFolder);
    chains.closed(change(), 3);
    expect(placeOne(chains, 'a')).toEqual([4]);

    // Act
    await chains.foldClosed(change());

    // Assert: bucket 1 takes the 3 writes that close it, then placement goes back to bucket 4 (a is there).
    const next = ['b', 'c', 'd', 'e'].map((p) => placeOne(chains, p)[0]);
    expect(next).toEqual([1, 1, 1, 4]);
    chains.observed(change(), 1, { mk: 5, mkOpen: OPEN });
    expect(placeOne(chains, 'f')).toEqual([4]);
  });
});
