import type { Campaign, KolPulseConfig } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';
import { SeededRandom } from '../../../shared/random';
import type { PlatformStore, StoredPost } from '../platform-api/store';
import { type Author, demoAuthors } from './authors';
import {
  type DemoPostSnapshot,
  growPosts,
  type PostKind,
  type PostWriter,
  type Script,
  snapshotPosts,
  unlikeAndDelete,
  writePost,
} from './posts';

/**
 * The DEMO campaign: a seeded script that keeps the demo platform's store busy like a real campaign.
 * - the roster's KOLs (taken from the campaign configuration, so any config works) and other voices post
 *   with the campaign hashtags, written in the variants people use (#NextIdea, #nextidea, ＃ＮＥＸＴＩＤＥＡ,
 *   #腾讯NextIdea);
 * - counters follow a saturating curve in demo time (fast early growth, then decay);
 * - some likes are taken back (counters go down), some posts are deleted;
 * - some posts carry no campaign hashtag, or were published before the campaign started (both must not count);
 * - some posts hide their views (unknown, never zero);
 * - with `lateShare`, some campaign posts surface in search late, minutes to days after they were published,
 *   with the id and timestamp of their publish time (federation, late indexing, late approval).
 * After `durationMs` the generator freezes: nothing changes any more, so the pipeline's totals settle.
 */

export interface DemoGeneratorOptions {
  config: KolPulseConfig;
  platforms: readonly Platform[];
  store: PlatformStore;
  seed: number;
  /** Demo time runs this many times faster than the wall clock (the twin's --speed). */
  speed: number;
  /** Wall-clock ms after start at which the generator freezes; undefined = never. */
  durationMs?: number;
  /** Share (0-1) of new campaign posts that surface late (default 0). */
  lateShare?: number;
  /** Upper bound on posts, so a long demo run stays light. */
  maxPosts?: number;
  /** Demo time (the twin's simulated clock), `speed` times faster than the wall clock; default Date.now. */
  now?: () => number;
  /** Called once when the generator freezes. */
  onFrozen?: () => void;
  /**
   * Called synchronously after every change to the store, before the event loop can serve a request from
   * the changed state (the demo persists itself here, so a kill -9 never loses a state that was served).
   */
  onChange?: () => void;
}

/** Everything needed to resume the demo after a restart: the store's posts and the generator's script. */
export interface DemoState {
  version: 1;
  seed: number;
  rngState: number;
  posts: StoredPost[];
  scripts: Script[];
}

/** Minutes late of the late campaign posts, band after band (inclusive bounds). */
export const LATENESS_BANDS_MINUTES: readonly (readonly [number, number])[] = [
  [2, 9],
  [11, 50],
  [61, 23 * 60],
  [24 * 60 + 1, 5 * 24 * 60],
];

export class DemoGenerator {
  private readonly rng: SeededRandom;
  private readonly now: () => number;
  private readonly writer: PostWriter;
  private readonly scripts: Script[] = [];
  /** Late campaign posts made so far: they cycle through the lateness bands. */
  private latePosts = 0;
  private readonly startedMs: number;
  private timer: NodeJS.Timeout | undefined;
  private frozenFlag = false;

  constructor(private readonly options: DemoGeneratorOptions) {
    this.rng = new SeededRandom(options.seed);
    this.now = options.now ?? Date.now;
    this.startedMs = this.now();
    const campaigns: Campaign[] = options.config.campaigns;
    const authors: Author[] = demoAuthors(campaigns, options.platforms, this.rng);
    this.writer = { store: options.store, rng: this.rng, authors, campaigns };
  }

  get frozen(): boolean {
    return this.frozenFlag;
  }

  get postCount(): number {
    return this.scripts.length;
  }

  /** A first batch published over the last half hour, so the very first poll finds a campaign in progress. */
  seed(): void {
    const now = this.now();
    for (const platform of this.options.platforms)
      for (let i = 0; i < 6; i++)
        this.createPost(platform, now - this.rng.int(1, 30) * 60_000, now, 'campaign');
    for (const platform of this.options.platforms) {
      this.createPost(platform, now - this.rng.int(1, 20) * 60_000, now, 'no-hashtag');
      this.createPost(platform, now, now, 'before-window');
    }
    growPosts(this.options.store, this.scripts, now);
    this.options.onChange?.();
  }

  /** The state to persist; `restore` on a fresh store and generator resumes exactly here. */
  exportState(): DemoState {
    const posts = this.scripts
      .map((s) => this.options.store.get(s.platform, s.id))
      .filter((p): p is StoredPost => p !== undefined);
    return {
      version: 1,
      seed: this.options.seed,
      rngState: this.rng.state,
      posts: structuredClone(posts),
      scripts: structuredClone(this.scripts),
    };
  }

  /** Re-creates the saved posts (in their original order, so paging ties break the same way). */
  restore(state: DemoState): void {
    for (const post of [...state.posts].sort((a, b) => a.seq - b.seq))
      this.options.store.add({
        platform: post.platform,
        id: post.id,
        author: post.author,
        text: post.text,
        hashtags: post.hashtags,
        publishedAt: post.publishedAt,
        counters: post.counters,
        hidden: post.hidden,
        deleted: post.deleted,
        ...(post.indexedAt ? { indexedAt: post.indexedAt } : {}),
      });
    this.scripts.splice(0, this.scripts.length, ...structuredClone(state.scripts));
    this.rng.state = state.rngState;
    // Only late posts carry an indexing time: the next one continues the bands where the last run left off.
    this.latePosts = state.posts.filter((p) => p.indexedAt !== undefined).length;
  }

  start(intervalMs = 1_000): void {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One step of the campaign: new posts, growth, unlikes, deletions. */
  tick(): void {
    if (this.frozenFlag) return;
    const now = this.now();
    if (
      this.options.durationMs !== undefined &&
      now - this.startedMs >= this.options.durationMs * this.options.speed
    ) {
      this.frozenFlag = true;
      this.stop();
      this.options.onFrozen?.();
      return;
    }
    const room = (this.options.maxPosts ?? 1_500) - this.scripts.length;
    for (const platform of this.options.platforms) {
      if (room <= 0) break;
      // About one campaign post per platform every four demo minutes, and some noise.
      const demoSecondsPerTick = this.options.speed;
      if (this.rng.chance(Math.min(0.9, demoSecondsPerTick / 240))) this.createCampaignPost(platform, now);
      if (this.rng.chance(Math.min(0.2, demoSecondsPerTick / 1_800)))
        this.createPost(platform, now, now, 'no-hashtag');
      if (this.rng.chance(Math.min(0.05, demoSecondsPerTick / 7_200)))
        this.createPost(platform, now, now, 'before-window');
    }
    growPosts(this.options.store, this.scripts, now);
    unlikeAndDelete(this.options.store, this.rng, this.scripts, now, this.options.speed);
    this.options.onChange?.();
  }

  /** Every post the generator made, in its current state. */
  snapshot(): DemoPostSnapshot[] {
    return snapshotPosts(this.options.store, this.scripts);
  }

  /**
   * A new campaign post; `lateShare` of them surface now although they were published minutes, hours or days
   * ago (well inside the tracking window).
   */
  private createCampaignPost(platform: Platform, now: number): void {
    const share = this.options.lateShare ?? 0;
    if (share <= 0 || !this.rng.chance(share)) {
      this.createPost(platform, now, now, 'campaign');
      return;
    }
    // Each kind of lateness in turn (within a typical search overlap, under an hour, hours, days), so even a
    // short demo has a late post of every kind the late-read layers handle.
    const [low, high] = LATENESS_BANDS_MINUTES[this.latePosts++ % LATENESS_BANDS_MINUTES.length] ?? [2, 9];
    const minutesLate = this.rng.int(low, high);
    this.scripts.push(writePost(this.writer, platform, now - minutesLate * 60_000, now, 'campaign', now));
  }

  private createPost(platform: Platform, publishedMs: number, nowMs: number, kind: PostKind): void {
    this.scripts.push(writePost(this.writer, platform, publishedMs, nowMs, kind));
  }
}
