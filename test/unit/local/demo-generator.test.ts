import { describe, expect, it } from 'vitest';
import { breakFirstItem } from '../../../infra/local/demo/broken-item';
import { DemoGenerator, LATENESS_BANDS_MINUTES } from '../../../infra/local/demo/generator';
import { hashtagVariants } from '../../../infra/local/demo/posts';
import { PlatformStore } from '../../../infra/local/platform-api/store';
import { type KolPulseConfig, parseConfig } from '../../../shared/config';
import { normalizeHashtag } from '../../../shared/hashtags';
import type { Platform } from '../../../shared/platform';
import { startOfDay } from '../../../shared/time';

const config: KolPulseConfig = parseConfig({
  campaigns: [
    {
      id: 'c1',
      name: 'C1 (demo)',
      hashtags: ['#腾讯NextIdea', '#NextIdea'],
      timeZone: 'Asia/Shanghai',
      start: '2025-06-01',
      kols: [
        {
          id: 'k1',
          name: 'K1',
          accounts: [
            { platform: 'x', handle: '@kol_one' },
            { platform: 'mastodon', handle: 'kol@mastodon.social' },
          ],
        },
      ],
    },
  ],
  platforms: { x: {}, mastodon: {} },
});
const PLATFORMS: Platform[] = ['x', 'mastodon'];
/** Demo time runs this many times faster than the wall clock; one tick is one wall-clock second. */
const SPEED = 30;
const TICK_MS = SPEED * 1_000;

const makeGenerator = (
  seed: number,
  clock: { t: number },
  extra: { durationMs?: number; onFrozen?: () => void; lateShare?: number } = {},
) => {
  const store = new PlatformStore();
  const generator = new DemoGenerator({
    config,
    platforms: PLATFORMS,
    store,
    seed,
    speed: SPEED,
    now: () => clock.t,
    ...extra,
  });
  return { store, generator };
};

const run = (generator: DemoGenerator, clock: { t: number }, ticks: number) => {
  for (let i = 0; i < ticks; i++) {
    clock.t += TICK_MS;
    generator.tick();
  }
};

describe('DemoGenerator', () => {
  it('writes campaign hashtags the way people do, all normalising to the configured tag', () => {
    for (const tag of ['#NextIdea', '#腾讯NextIdea']) {
      const variants = hashtagVariants(tag);
      expect(new Set(variants).size).toBe(variants.length);
      expect(variants.some((v) => v.startsWith('＃'))).toBe(true);
      for (const v of variants) expect(normalizeHashtag(v)).toBe(normalizeHashtag(tag));
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = { t: Date.UTC(2026, 0, 10) };
    const b = { t: Date.UTC(2026, 0, 10) };
    const c = { t: Date.UTC(2026, 0, 10) };
    const first = makeGenerator(1, a);
    const second = makeGenerator(1, b);
    const other = makeGenerator(2, c);
    for (const g of [first, second, other]) g.generator.seed();
    run(first.generator, a, 30);
    run(second.generator, b, 30);
    run(other.generator, c, 30);
    expect(first.generator.snapshot()).toEqual(second.generator.snapshot());
    expect(other.generator.snapshot()).not.toEqual(first.generator.snapshot());
  });

  it('seeds roster and voice posts on every platform, plus posts that must not count', () => {
    const clock = { t: Date.UTC(2026, 0, 10, 12) };
    const { generator } = makeGenerator(3, clock);
    generator.seed();
    const posts = generator.snapshot();
    for (const platform of PLATFORMS) {
      expect(posts.some((p) => p.platform === platform && p.kind === 'campaign')).toBe(true);
      expect(posts.some((p) => p.platform === platform && p.kind === 'no-hashtag')).toBe(true);
    }
    const campaignTags = new Set(config.campaigns[0]?.hashtags.map(normalizeHashtag));
    for (const p of posts.filter((p) => p.kind === 'no-hashtag'))
      expect(p.hashtags.some((t) => campaignTags.has(t))).toBe(false);
    const start = startOfDay('2025-06-01', 'Asia/Shanghai');
    for (const p of posts.filter((p) => p.kind === 'before-window'))
      expect(Date.parse(p.publishedAt)).toBeLessThan(start);
    expect(posts.some((p) => p.kol)).toBe(true);
    expect(posts.some((p) => !p.kol)).toBe(true);
  });

  it('grows counters, sometimes takes likes back, deletes only long-stable posts, then freezes', () => {
    const clock = { t: Date.UTC(2026, 0, 10, 12) };
    let frozenCalls = 0;
    const { generator, store } = makeGenerator(4, clock, {
      durationMs: 10 * 60_000,
      onFrozen: () => {
        frozenCalls++;
      },
    });
    generator.seed();
    const likesAt = new Map<string, number[]>();
    const deletedAt = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      clock.t += TICK_MS;
      generator.tick();
      for (const p of generator.snapshot()) {
        const history = likesAt.get(`${p.platform}:${p.postId}`) ?? [];
        history.push(p.counters.likes ?? 0);
        likesAt.set(`${p.platform}:${p.postId}`, history);
        if (p.deleted && !deletedAt.has(p.postId)) deletedAt.set(p.postId, clock.t);
      }
    }
    const histories = [...likesAt.values()];
    expect(histories.some((h) => (h.at(-1) ?? 0) > (h[0] ?? 0))).toBe(true);
    expect(histories.some((h) => h.some((v, i) => i > 0 && v < (h[i - 1] ?? 0)))).toBe(true);
    expect(deletedAt.size).toBeGreaterThan(0);
    // A deleted post's likes did not move in the 20 wall-clock seconds (ticks) before it was deleted.
    for (const [key, history] of likesAt) {
      const postId = key.slice(key.indexOf(':') + 1);
      const at = deletedAt.get(postId);
      if (at === undefined) continue;
      const index = history.length - 1 - Math.round((clock.t - at) / TICK_MS);
      const window = history.slice(Math.max(0, index - 19), index + 1);
      expect(new Set(window).size).toBe(1);
    }

    clock.t += TICK_MS;
    generator.tick();
    expect(generator.frozen).toBe(true);
    const frozen = JSON.stringify(store.list('x', { includeDeleted: true }));
    run(generator, clock, 30);
    expect(JSON.stringify(store.list('x', { includeDeleted: true }))).toBe(frozen);
    expect(frozenCalls).toBe(1);
  });

  it('with lateShare, publishes campaign posts that surface late by minutes to days, with their old time', () => {
    const clock = { t: Date.UTC(2026, 0, 10, 12) };
    const { generator, store } = makeGenerator(6, clock, { lateShare: 1 });
    generator.seed();
    const seeded = new Set(generator.snapshot().map((p) => p.postId));
    run(generator, clock, 240);
    const late = generator.snapshot().filter((p) => !seeded.has(p.postId) && p.kind === 'campaign');
    expect(late.length).toBeGreaterThan(20);
    const lateness = late.map((p) => Date.parse(p.indexedAt ?? '') - Date.parse(p.publishedAt));
    expect(lateness.every((ms) => ms >= 2 * 60_000 && ms <= 5 * 86_400_000)).toBe(true);
    expect(lateness.some((ms) => ms < 3_600_000)).toBe(true);
    expect(lateness.some((ms) => ms >= 3_600_000 && ms < 86_400_000)).toBe(true);
    expect(lateness.some((ms) => ms >= 86_400_000)).toBe(true);
    // Each lateness band in turn: any four late posts in a row cover every kind.
    const bandOf = (ms: number) =>
      LATENESS_BANDS_MINUTES.findIndex(([low, high]) => ms >= low * 60_000 && ms <= high * 60_000);
    expect(lateness.slice(0, 8).map(bandOf)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    // Search shows a late post from when it surfaced, not from when it was published.
    const post = late[0];
    if (!post) throw new Error('no late post');
    const surfaced = Date.parse(post.indexedAt ?? '');
    const visible = (at: number) => store.searchable(post.platform, at).some((p) => p.id === post.postId);
    expect(visible(surfaced - 1)).toBe(false);
    expect(visible(surfaced)).toBe(true);
    // A restarted demo keeps the late posts' indexing times.
    const copy = makeGenerator(6, { t: clock.t });
    copy.generator.restore(JSON.parse(JSON.stringify(generator.exportState())));
    expect(copy.generator.snapshot()).toEqual(generator.snapshot());
  });

  it('resumes from an exported state exactly where it left off', () => {
    const clock = { t: Date.UTC(2026, 0, 10, 12) };
    const original = makeGenerator(5, clock);
    original.generator.seed();
    run(original.generator, clock, 40);
    const saved = JSON.parse(JSON.stringify(original.generator.exportState()));

    const resumedClock = { t: clock.t };
    const copy = new DemoGenerator({
      config,
      platforms: PLATFORMS,
      store: new PlatformStore(),
      seed: 5,
      speed: SPEED,
      now: () => resumedClock.t,
    });
    copy.restore(saved);
    expect(copy.snapshot()).toEqual(original.generator.snapshot());

    run(original.generator, clock, 40);
    run(copy, resumedClock, 40);
    expect(copy.snapshot()).toEqual(original.generator.snapshot());
  });
});

describe('breakFirstItem', () => {
  it('drops the dates of the first item of a page and leaves the rest alone', () => {
    const body = {
      data: [
        { id: '1', created_at: '2026-01-01T00:00:00Z', text: 'a' },
        { id: '2', created_at: '2026-01-01T00:00:01Z', text: 'b' },
      ],
      meta: { result_count: 2 },
    };
    const broken = breakFirstItem(body) as typeof body;
    expect(broken.data[0]).toEqual({ id: '1', text: 'a' });
    expect(broken.data[1]).toEqual(body.data[1]);
    expect(body.data[0]?.created_at).toBeDefined();
  });

  it('reaches nested records such as Reddit listings and Bluesky posts', () => {
    const reddit = { data: { children: [{ kind: 't3', data: { id: 'x', created_utc: 1 } }] } };
    expect(breakFirstItem(reddit)).toEqual({ data: { children: [{ kind: 't3', data: { id: 'x' } }] } });
    const bluesky = { posts: [{ uri: 'at://a', record: { createdAt: 'x', text: 't' }, indexedAt: 'y' }] };
    expect(breakFirstItem(bluesky)).toEqual({ posts: [{ uri: 'at://a', record: { text: 't' } }] });
  });
});
