import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeHandle } from '../../../shared/config';
import {
  campaignHourKey,
  campaignHourPartitions,
  cursorKey,
  escapeKeyPart,
  keyPart,
  MAX_KEY_PART_BYTES,
  postStateKey,
  rollupBucketSk,
  TOTAL_SHARDS,
  totalDayKey,
  totalIndexPartition,
  totalPartition,
  trackIndexKey,
  voiceDayKey,
} from '../../../shared/keys';
import { PLATFORMS } from '../../../shared/platform';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
// DynamoDB: partition key values up to 2,048 bytes, sort key values (base table and index) up to 1,024.
const PARTITION_KEY_LIMIT = 2_048;
const SORT_KEY_LIMIT = 1_024;
const longestCampaignId = 'c'.repeat(64);

describe('keyPart: free-form key parts are bounded in UTF-8 bytes', () => {
  it('leaves a short value exactly as escapeKeyPart does', () => {
    expect(keyPart('AdaTech')).toBe('AdaTech');
    expect(keyPart('a#b%c')).toBe(escapeKeyPart('a#b%c'));
  });

  it('hashes a handle that NFKC normalisation expands past the limit (31 "ﷺ" became a 1,031-byte index key)', () => {
    const handle = normalizeHandle('ﷺ'.repeat(62));
    expect(bytes(`C#${longestCampaignId}#V#youtube#${escapeKeyPart(handle)}`)).toBeGreaterThan(2_048);
    const key = voiceDayKey(longestCampaignId, 'youtube', handle, '2026-12-01');
    expect(bytes(key.pk)).toBeLessThanOrEqual(PARTITION_KEY_LIMIT);
    expect(bytes(key.gsi1sk)).toBeLessThanOrEqual(SORT_KEY_LIMIT);
    expect(key.pk).toMatch(/%h[A-Za-z0-9_-]{43}$/);
  });

  it('bounds a 512-character post id full of escapes (was a 1,561-byte index key)', () => {
    const postId = '#%'.repeat(256);
    expect(bytes(trackIndexKey('x', '2026-12-01T00:00:00.000Z', postId).gsi1sk)).toBeLessThanOrEqual(
      SORT_KEY_LIMIT,
    );
    expect(bytes(postStateKey('x', postId).pk)).toBeLessThanOrEqual(PARTITION_KEY_LIMIT);
  });

  it('keeps every part within MAX_KEY_PART_BYTES, every key within its limit, and distinct values distinct', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLATFORMS),
        fc.string({ unit: 'binary', maxLength: 700 }),
        fc.string({ unit: 'binary', maxLength: 700 }),
        (platform, a, b) => {
          expect(bytes(keyPart(a))).toBeLessThanOrEqual(MAX_KEY_PART_BYTES);
          expect(keyPart(a)).not.toContain('#');
          if (a !== b) expect(keyPart(a)).not.toBe(keyPart(b));
          const voice = voiceDayKey(longestCampaignId, platform, normalizeHandle(a), '2026-12-01');
          const track = trackIndexKey(platform, '2026-12-01T00:00:00.000Z', a);
          expect(bytes(voice.pk)).toBeLessThanOrEqual(PARTITION_KEY_LIMIT);
          expect(bytes(voice.gsi1sk)).toBeLessThanOrEqual(SORT_KEY_LIMIT);
          expect(bytes(track.gsi1sk)).toBeLessThanOrEqual(SORT_KEY_LIMIT);
          expect(bytes(cursorKey(platform, a).sk)).toBeLessThanOrEqual(SORT_KEY_LIMIT);
        },
      ),
      { numRuns: 300, seed: 17 },
    );
  });

  it('never makes a hashed part equal to an escaped one, even for a value that spells the hash mark', () => {
    const long = 'x'.repeat(400);
    const hashed = keyPart(long);
    expect(keyPart(hashed)).not.toBe(hashed);
  });
});

describe('campaign totals and hours: spread over keys, each key within its limit', () => {
  it('gives every (platform, shard) its own partition key and every platform its own index partition', () => {
    const pks = new Set<string>();
    const indexPartitions = new Set<string>();
    for (const platform of PLATFORMS)
      for (let shard = 0; shard < TOTAL_SHARDS; shard++) {
        const key = totalDayKey(longestCampaignId, '2026-12-01', platform, shard);
        expect(key.pk).toBe(totalPartition(longestCampaignId, platform, shard));
        expect(key.gsi1pk).toBe(totalIndexPartition(longestCampaignId, platform));
        expect(key.gsi1sk).toBe(key.sk); // the legacy layout's sort keys, unchanged
        // The longest sort key a bucket chain builds (a Next-Idea shard-day takes tens of buckets).
        expect(bytes(rollupBucketSk(key.sk, 999_999))).toBeLessThanOrEqual(SORT_KEY_LIMIT);
        expect(bytes(key.pk)).toBeLessThanOrEqual(PARTITION_KEY_LIMIT);
        expect(bytes(key.gsi1pk)).toBeLessThanOrEqual(PARTITION_KEY_LIMIT);
        pks.add(key.pk);
        indexPartitions.add(key.gsi1pk);
      }
    expect(pks.size).toBe(PLATFORMS.length * TOTAL_SHARDS);
    expect(indexPartitions.size).toBe(PLATFORMS.length);
  });

  it('puts each hour shard in its own partition, all of them (and the legacy one) listed for readers', () => {
    const hour = '2026-12-01T14';
    const pks = Array.from(
      { length: TOTAL_SHARDS },
      (_, s) => campaignHourKey(longestCampaignId, hour, s).pk,
    );
    expect(new Set(pks).size).toBe(TOTAL_SHARDS);
    expect(campaignHourPartitions(longestCampaignId)).toEqual([...pks, `C#${longestCampaignId}#H`]);
    for (const pk of pks) expect(bytes(pk)).toBeLessThanOrEqual(PARTITION_KEY_LIMIT);
    expect(
      bytes(rollupBucketSk(campaignHourKey(longestCampaignId, hour, 3).sk, 999_999)),
    ).toBeLessThanOrEqual(SORT_KEY_LIMIT);
  });
});
