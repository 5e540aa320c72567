import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSchema } from '../../shared/config';
import {
  cursorKey,
  escapeKeyPart,
  keyPart,
  kolDayKey,
  kolWeekKey,
  markerAttribute,
  postStateKey,
  rejectKey,
  totalDayKey,
  totalShardOf,
  unescapeKeyPart,
  voiceDayKey,
} from '../../shared/keys';
import { PLATFORMS } from '../../shared/platform';
import { tally } from './support/figures';
import { scenarioSeed, sized } from './support/seeds';

/**
 * Hostile identifiers -- '#', '/', '%', Unicode, very long strings -- cannot forge keys: free-form values
 * are escaped so they cannot split a key into other segments, and campaign/KOL ids are restricted by the
 * config schema, so no value can make one campaign's key land in another campaign's partition.
 */

const runs = sized(300, 2_000);
const figures = tally('hostile identifiers vs key builders');
const params = (name: string) => ({ numRuns: runs, seed: scenarioSeed(name) });

/** Strings rich in the characters that could break a '#'-separated key. */
const hostileString = fc.oneof(
  fc.string({ unit: fc.constantFrom('#', '/', '%', '2', '3', '5', 'a', 'C', 'K', 'V', 'T', '~', ' ') }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 200, maxLength: 600 }),
);
const platform = fc.constantFrom(...PLATFORMS);
const validId = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,63}$/);
const day = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

/** Splits a key on the separators that are NOT escaped: escaped values never contain a raw '#'. */
const segments = (key: string) => key.split('#');

describe('Hostile identifiers: key builders', () => {
  it('escapeKeyPart is reversible, injective and leaves no raw "#"', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        figures.add('badInputsTried', 2);
        const ea = escapeKeyPart(a);
        expect(ea).not.toContain('#');
        expect(unescapeKeyPart(ea)).toBe(a);
        if (a !== b) expect(ea).not.toBe(escapeKeyPart(b));
      }),
      params('escape'),
    );
  });

  it('two different posts never share a state key, whatever their ids contain', () => {
    fc.assert(
      fc.property(platform, hostileString, platform, hostileString, (p1, id1, p2, id2) => {
        figures.add('badInputsTried', 2);
        const k1 = postStateKey(p1, id1).pk;
        const k2 = postStateKey(p2, id2).pk;
        expect(segments(k1)).toHaveLength(3);
        if (p1 !== p2 || id1 !== id2) expect(k1).not.toBe(k2);
      }),
      params('post keys'),
    );
  });

  it('a voice handle cannot forge a KOL, total or other campaign partition', () => {
    fc.assert(
      fc.property(
        validId,
        validId,
        platform,
        hostileString,
        day,
        validId,
        (campaignA, campaignB, p, handle, d, kol) => {
          figures.add('badInputsTried');
          const voice = voiceDayKey(campaignA, p, handle, d);
          // Exactly C, campaign, V, platform, handle: the handle cannot add segments.
          expect(segments(voice.pk)).toEqual(['C', campaignA, 'V', p, keyPart(handle)]);
          expect(segments(voice.gsi1pk)).toEqual(['C', campaignA, 'VD', d]);
          expect(voice.pk).not.toBe(kolDayKey(campaignA, kol, d, p).pk);
          expect(voice.pk).not.toBe(kolWeekKey(campaignA, kol, d, p).pk);
          expect(voice.pk).not.toBe(totalDayKey(campaignA, d, p, 0).pk);
          if (campaignA !== campaignB) {
            expect(voice.pk.startsWith(`C#${campaignB}#`)).toBe(false);
            expect(voice.gsi1pk.startsWith(`C#${campaignB}#`)).toBe(false);
          }
        },
      ),
      params('voice keys'),
    );
  });

  it('cursor keys of different queries never collide', () => {
    fc.assert(
      fc.property(platform, hostileString, hostileString, (p, q1, q2) => {
        figures.add('badInputsTried', 2);
        if (q1 !== q2) expect(cursorKey(p, q1).sk).not.toBe(cursorKey(p, q2).sk);
        expect(cursorKey(p, q1).pk).toBe(`CURSOR#${p}`);
      }),
      params('cursor keys'),
    );
  });

  it('marker attribute names are plain DynamoDB names and shards stay in range', () => {
    const seen = new Map<string, string>();
    fc.assert(
      fc.property(platform, hostileString, (p, id) => {
        figures.add('badInputsTried');
        const name = markerAttribute(p, id);
        expect(name).toMatch(/^m_[A-Za-z0-9_-]{12}$/);
        const owner = seen.get(name);
        if (owner !== undefined) expect(owner).toBe(`${p}#${id}`);
        seen.set(name, `${p}#${id}`);
        const shard = totalShardOf(p, id);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(4);
      }),
      params('markers'),
    );
  });

  it('reject keys stay in their day partition', () => {
    fc.assert(
      fc.property(day, hostileString, (d, id) => {
        figures.add('badInputsTried');
        expect(rejectKey(d, id).pk).toBe(`REJECT#${d}`);
      }),
      params('reject keys'),
    );
  });
});

describe('Hostile identifiers: campaign and KOL ids are refused by the config schema', () => {
  it('rejects any id with a character outside [a-z0-9_-], a leading "-"/"_" or over 64 characters', () => {
    fc.assert(
      fc.property(hostileString, (id) => {
        figures.add('badInputsTried');
        const ok = /^[a-z0-9][a-z0-9_-]{0,63}$/.test(id);
        const parsed = IdSchema.safeParse(id);
        expect(parsed.success).toBe(ok);
        if (!parsed.success) expect(parsed.error.issues[0]?.message).toMatch(/1-64 characters/);
      }),
      params('ids'),
    );
  });

  it('accepts every well-formed id, which then builds keys with exactly the expected segments', () => {
    fc.assert(
      fc.property(validId, validId, day, platform, (campaign, kol, d, p) => {
        expect(IdSchema.safeParse(campaign).success).toBe(true);
        expect(segments(kolDayKey(campaign, kol, d, p).pk)).toEqual(['C', campaign, 'K', kol]);
        const week = kolWeekKey(campaign, kol, d, p);
        expect(segments(week.pk)).toEqual(['C', campaign, 'W', kol]);
        expect(segments(week.gsi1pk)).toEqual(['C', campaign, 'KW', d]);
        expect(segments(totalDayKey(campaign, d, p, 3).sk)).toEqual([d, p, '3']);
      }),
      params('valid ids'),
    );
  });
});
