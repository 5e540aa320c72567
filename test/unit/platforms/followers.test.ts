import { describe, expect, it } from 'vitest';
import { PermanentPlatformError, TransientPlatformError } from '../../../shared/platforms/adapter';
import {
  attachFollowers,
  FollowerCache,
  FollowerCountSchema,
  followersField,
} from '../../../shared/platforms/followers';
import { makeObservation } from '../../support/observations';

const DAY_MS = 24 * 3600 * 1000;
const obs = (authorId: string) =>
  makeObservation({ postId: `p-${authorId}`, author: { id: authorId, handle: authorId } });

describe('FollowerCountSchema', () => {
  it.each([
    [0, 0],
    [52_000, 52_000],
    [-1, undefined],
    [1.5, undefined],
    ['12', undefined],
    [undefined, undefined],
  ])('reads %j as %j (a malformed count is unknown, not a rejected post)', (input, expected) => {
    expect(FollowerCountSchema.parse(input)).toBe(expected);
  });

  it('spreads a known count, and nothing for an unknown one', () => {
    expect(followersField(0)).toEqual({ followers: 0 });
    expect(followersField(undefined)).toEqual({});
  });
});

describe('FollowerCache', () => {
  it('keeps a count (or "none") for a day, then asks again', () => {
    let now = 0;
    const cache = new FollowerCache(() => now);
    cache.set('a', 10);
    cache.set('b', undefined);
    expect(cache.stale(['a', 'b', 'c', 'a'])).toEqual(['c']);
    expect(cache.get('a')).toBe(10);
    expect(cache.get('b')).toBeUndefined();
    now = DAY_MS - 1;
    expect(cache.stale(['a', 'b'])).toEqual([]);
    now = DAY_MS;
    expect(cache.stale(['a', 'b'])).toEqual(['a', 'b']);
    expect(cache.get('a')).toBeUndefined();
  });

  it('holds at most maxAuthors, dropping the oldest fetched first', () => {
    const cache = new FollowerCache(() => 0, DAY_MS, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3); // refetched: now the newest
    cache.set('c', 4);
    expect(cache.size).toBe(2);
    expect(cache.stale(['a', 'b', 'c'])).toEqual(['b']);
  });
});

describe('attachFollowers', () => {
  it('looks only stale authors up, in batches, and sets followers from the cache', async () => {
    const cache = new FollowerCache(() => 0);
    cache.set('known', 7);
    const batches: string[][] = [];
    const observations = ['known', 'a', 'b', 'c', 'a'].map(obs);
    await attachFollowers(cache, observations, 2, async (ids) => {
      batches.push(ids);
      return new Map(ids.filter((id) => id !== 'c').map((id) => [id, id === 'a' ? 0 : 100]));
    });
    expect(batches).toEqual([['a', 'b'], ['c']]);
    expect(observations.map((o) => o.author.followers)).toEqual([7, 0, 100, undefined, 0]);
    // 'c' was left out of the answer: not settled, asked again next time.
    expect(cache.stale(['a', 'b', 'c'])).toEqual(['c']);
  });

  it('leaves authors unknown on a permanent failure but lets transient ones through to the caller', async () => {
    const cache = new FollowerCache(() => 0);
    const observations = [obs('a')];
    await attachFollowers(cache, observations, 25, async () => {
      throw new PermanentPlatformError('bluesky', 'bad request', 400);
    });
    expect(observations[0]?.author).not.toHaveProperty('followers');
    expect(cache.stale(['a'])).toEqual(['a']);
    await expect(
      attachFollowers(cache, observations, 25, async () => {
        throw new TransientPlatformError('bluesky', 'bad gateway', 502);
      }),
    ).rejects.toBeInstanceOf(TransientPlatformError);
  });
});
