import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../shared/config';
import { tally } from './support/figures';
import { scenarioSeed, sized } from './support/seeds';

/**
 * Campaign configuration fuzzing: any mutation of a valid file either still parses or fails with a
 * ConfigError whose message names the offending field ("campaigns[0].kols[1].id: ..."); nothing crashes
 * with a TypeError or a bare zod dump.
 */

const figures = tally('campaign configuration fuzzing');
const runs = sized(400, 3_000);
const dir = mkdtempSync(join(tmpdir(), 'kol-pulse-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const validConfig = () => ({
  campaigns: [
    {
      id: 'launch-week',
      name: 'Launch week',
      hashtags: ['#NextIdea', '#腾讯NextIdea'],
      timeZone: 'Asia/Shanghai',
      start: '2026-03-01',
      end: '2026-03-31',
      kols: [
        {
          id: 'ada',
          name: 'Ada',
          accounts: [
            { platform: 'x', handle: '@ada', userId: '42' },
            { platform: 'mastodon', handle: 'ada@example.social' },
          ],
        },
        { id: 'lin', name: 'Lin', accounts: [{ platform: 'bluesky', handle: 'lin.bsky.social' }] },
      ],
    },
    { id: 'always-on', name: 'Always on', hashtags: ['brand'], start: '2026-01-01', kols: [] },
  ],
  platforms: {
    x: { enabled: true, schedule: 'rate(5 minutes)', trackingDays: 7, overlapMinutes: 10 },
    mastodon: { enabled: true, baseUrl: 'https://mastodon.social', maxRequestsPerCycle: 300 },
  },
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PathSegment = string | number;

/** Every path to a value in a JSON document (the root is []). */
const pathsOf = (value: Json, prefix: PathSegment[] = []): PathSegment[][] => {
  const out: PathSegment[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
};

const formatPath = (path: readonly PathSegment[]) =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

type Mutation = { kind: 'set'; value: Json } | { kind: 'delete' };

const applyMutation = (doc: Json, path: readonly PathSegment[], m: Mutation): Json => {
  if (path.length === 0) return m.kind === 'set' ? m.value : null;
  const copy = structuredClone(doc) as { [key: string]: Json } | Json[];
  let parent: Json = copy;
  for (const seg of path.slice(0, -1)) parent = (parent as Record<string, Json>)[seg as string] as Json;
  const last = path[path.length - 1] as PathSegment;
  const container = parent as Record<string | number, Json>;
  if (m.kind === 'delete') {
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else delete container[last];
  } else container[last] = m.value;
  return copy;
};

/** Values that are plausible mistakes in a hand-edited config. */
const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    '',
    ' ',
    '#',
    'a#b',
    'a/b',
    'UTC+8',
    'Mars/Olympus',
    '2026-02-30',
    '2026-3-1',
    'rate(0 minutes)',
    'rate(5 seconds)',
    'cron(0 * * * ? *)',
    'not a url',
    'X',
    'tiktok',
    -1,
    0,
    1.5,
    1e9,
    true,
    [],
    {},
  ),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', minLength: 60, maxLength: 300 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

const base = validConfig() as unknown as Json;
const allPaths = pathsOf(base);

describe('Bad input: campaign configuration', () => {
  it('the fixture itself is valid (the mutations start from a good file)', () => {
    expect(() => parseConfig(validConfig())).not.toThrow();
  });

  it('any single mutation parses or fails with a ConfigError naming the field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...allPaths),
        fc.oneof(
          nastyValue.map((value): Mutation => ({ kind: 'set', value })),
          fc.constant<Mutation>({ kind: 'delete' }),
        ),
        (path, mutation) => {
          figures.add('badInputsTried');
          const doc = applyMutation(base, path, mutation);
          let error: unknown;
          try {
            parseConfig(doc);
          } catch (e) {
            error = e;
          }
          if (error === undefined) return;
          expect(error).toBeInstanceOf(ConfigError);
          const message = (error as ConfigError).message;
          expect(message).toMatch(/^Invalid configuration: /);
          expect(message).not.toMatch(/\n\s+at /); // no stack trace
          // Every issue is "path: message"; one of them is at, inside or around the mutated field.
          const issues = message.replace(/^Invalid configuration: /, '').split('; ');
          const issuePaths = issues.map((i) => i.slice(0, i.indexOf(': ')));
          expect(issuePaths.every((p) => p.length > 0)).toBe(true);
          const mutated = formatPath(path);
          const campaignOrPlatform = formatPath(path.slice(0, 2));
          const related = issuePaths.some(
            (p) =>
              p === '(root)' ||
              p.startsWith(mutated) ||
              mutated.startsWith(p) ||
              (campaignOrPlatform !== '' && p.startsWith(campaignOrPlatform)),
          );
          expect(related, `${mutated} -> ${message}`).toBe(true);
        },
      ),
      { numRuns: runs, seed: scenarioSeed('config mutations') },
    );
  });

  it('arbitrary JSON documents fail with a ConfigError, never a crash', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => {
        figures.add('badInputsTried');
        try {
          parseConfig(doc);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as Error).message).toMatch(/^Invalid configuration: .+: /);
        }
      }),
      { numRuns: runs, seed: scenarioSeed('config documents') },
    );
  });

  it('arbitrary file contents fail with a ConfigError that names the file', () => {
    const file = join(dir, 'campaigns.json');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
          fc.constant(JSON.stringify(validConfig()).slice(0, 100)), // truncated file
          fc.constant('\uFEFF{}'),
        ),
        (text) => {
          figures.add('badInputsTried');
          writeFileSync(file, text);
          expect(() => loadConfigFile(file)).toThrow(ConfigError);
          try {
            loadConfigFile(file);
          } catch (e) {
            expect((e as Error).message).toContain(file);
          }
        },
      ),
      { numRuns: sized(100, 500), seed: scenarioSeed('config files') },
    );
    figures.add('badInputsTried');
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(/Cannot read campaign configuration/);
  });

  it('known mistakes are explained in words an operator understands', () => {
    const cases: [string, PathSegment[], Json, RegExp][] = [
      ['campaign id with "#"', ['campaigns', 0, 'id'], 'a#b', /campaigns\[0\]\.id: must be 1-64/],
      ['unknown time zone', ['campaigns', 0, 'timeZone'], 'Mars/Olympus', /timeZone: must be an IANA/],
      [
        'end before start',
        ['campaigns', 0, 'end'],
        '2026-02-01',
        /campaigns\[0\]\.end: must not be before start/,
      ],
      ['duplicate KOL', ['campaigns', 0, 'kols', 1, 'id'], 'ada', /kols\[1\]\.id: duplicate KOL id "ada"/],
      [
        'account owned twice',
        ['campaigns', 0, 'kols', 1, 'accounts', 0],
        { platform: 'x', handle: 'ADA' },
        /kols\[1\]\.accounts\[0\]\.handle: account x:ada already belongs to KOL "ada"/,
      ],
      [
        'cron schedule',
        ['platforms', 'x', 'schedule'],
        'cron(0 * * * ? *)',
        /platforms\.x\.schedule: must be a rate expression/,
      ],
      [
        'duplicate campaign',
        ['campaigns', 1, 'id'],
        'launch-week',
        /campaigns\[1\]\.id: duplicate campaign id/,
      ],
    ];
    for (const [name, path, value, expected] of cases) {
      figures.add('badInputsTried');
      expect(() => parseConfig(applyMutation(base, path, { kind: 'set', value })), name).toThrow(expected);
    }
  });
});
