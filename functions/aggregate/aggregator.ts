import { forEachLimited } from '../../shared/batches';
import type { Observation } from '../../shared/observation';
import type { CampaignIndex } from './matching';
import { fromStoredState } from './outbox-codec';
import { type PlannerOptions, planPostUpdate } from './planner';
import { type PostState, StoredPostStateSchema } from './post-state';
import { type Settling, settleOutboxes } from './settle';
import { type AggregateStore, type PostRef, postKeyString } from './store';

/** An observation together with the SQS record that carried it. */
export interface SourcedObservation {
  recordId: string;
  observation: Observation;
}

export interface AggregatorOptions extends PlannerOptions {
  /** Optimistic-concurrency rounds per post (conflict -> re-read -> redo) before it is reported as failed. */
  maxRounds: number;
  /** Posts published longer ago than this are ignored: their state may already have expired (TTL). */
  retentionDays: number;
  concurrency: number;
}

export const DEFAULT_AGGREGATOR_OPTIONS: AggregatorOptions = {
  maxHistoryDays: 120,
  maxRounds: 8,
  retentionDays: 90,
  concurrency: 16,
};

export interface AggregateResult {
  /** Records with at least one observation not durably applied: to be redelivered. */
  failedRecords: Map<string, Error>;
  stats: {
    posts: number;
    unmatchedPosts: number;
    expiredPosts: number;
    postsWritten: number;
    conflicts: number;
    failedPosts: number;
    /** Rollup changes DynamoDB rejected for good, written to the quarantine. */
    quarantinedChanges: number;
  };
}

export interface PassOptions {
  /** Observations aggregated in one pass; a bigger input is split at record boundaries. */
  observationsPerPass: number;
  /** Time left before the caller's deadline, in ms; without it every pass runs. */
  timeLeftMs?: () => number;
}

export interface PassesResult {
  failedRecords: Map<string, Error>;
  stats: AggregateResult['stats'] & { passes: number; deferredRecords: number };
}

const emptyStats = (): AggregateResult['stats'] => ({
  posts: 0,
  unmatchedPosts: 0,
  expiredPosts: 0,
  postsWritten: 0,
  conflicts: 0,
  failedPosts: 0,
  quarantinedChanges: 0,
});

/** Time kept back at the end of an invocation for the response and the logs. */
const DEADLINE_RESERVE_MS = 2_000;

/** Consecutive observations cut into passes of about `limit`, never splitting one record's observations. */
export const passesOf = (
  observations: readonly SourcedObservation[],
  limit: number,
): SourcedObservation[][] => {
  const passes: SourcedObservation[][] = [];
  let current: SourcedObservation[] = [];
  for (const o of observations) {
    const last = current.at(-1);
    if (current.length >= limit && last && last.recordId !== o.recordId) {
      passes.push(current);
      current = [];
    }
    current.push(o);
  }
  if (current.length > 0) passes.push(current);
  return passes;
};

interface PostWork {
  ref: PostRef;
  key: string;
  observations: Observation[];
  records: Set<string>;
}

/**
 * The exactly-once aggregation of one batch (docs/data-model.md, "Exactly once"):
 * 1. read every post's state in one BatchGetItem pass;
 * 2. finish pending outboxes first (coalesced);
 * 3. merge the batch's snapshots, write the next state with its outbox, conditioned on the revision read
 *    (on conflict: re-read and redo from 2, bounded);
 * 4. apply the new outboxes to the rollups, coalesced by rollup item, idempotent through per-post markers;
 * There is no separate clear: the next state write of the post replaces its outbox, and step 2 checks a
 * found outbox against the rollup markers with one read before re-applying what is missing.
 * A crash between any two writes leaves either an unchanged state or a pending outbox; redelivery heals both.
 */
export class Aggregator {
  constructor(
    private readonly store: AggregateStore,
    private readonly index: CampaignIndex,
    private readonly options: AggregatorOptions = DEFAULT_AGGREGATOR_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Aggregates a big input in passes of `observationsPerPass`. A pass starts only when the time left covers
   * it (judged by the passes so far); the records of the passes left out fail untouched, so their redelivery
   * applies them, instead of the caller's deadline cutting a pass off halfway.
   */
  async aggregateInPasses(input: readonly SourcedObservation[], options: PassOptions): Promise<PassesResult> {
    const passes = passesOf(input, options.observationsPerPass);
    const failedRecords = new Map<string, Error>();
    const stats: PassesResult['stats'] = { ...emptyStats(), passes: passes.length, deferredRecords: 0 };
    const started = performance.now();
    for (const [i, pass] of passes.entries()) {
      const perPassMs = i > 0 ? (performance.now() - started) / i : 0;
      if (i > 0 && options.timeLeftMs && options.timeLeftMs() < perPassMs * 1.5 + DEADLINE_RESERVE_MS) {
        const deferred = new Set(passes.slice(i).flatMap((p) => p.map((o) => o.recordId)));
        const error = new Error('not started: too close to the Lambda deadline; redelivery applies it');
        for (const recordId of deferred) failedRecords.set(recordId, error);
        stats.deferredRecords = deferred.size;
        break;
      }
      const result = await this.aggregate(pass);
      for (const [recordId, error] of result.failedRecords) failedRecords.set(recordId, error);
      for (const name of Object.keys(result.stats) as (keyof AggregateResult['stats'])[])
        stats[name] += result.stats[name];
    }
    return { failedRecords, stats };
  }

  async aggregate(input: readonly SourcedObservation[]): Promise<AggregateResult> {
    const stats = emptyStats();
    const failedPosts = new Map<string, Error>();
    const posts = new Map<string, PostWork>();
    const oldestPublishedMs = this.now() - this.options.retentionDays * 86_400_000;
    for (const { recordId, observation } of input) {
      const key = postKeyString(observation.platform, observation.postId);
      let work = posts.get(key);
      if (!work) {
        work = {
          ref: { platform: observation.platform, postId: observation.postId },
          key,
          observations: [],
          records: new Set(),
        };
        posts.set(key, work);
      }
      work.observations.push(observation);
      work.records.add(recordId);
    }
    stats.posts = posts.size;

    let round: PostWork[] = [];
    for (const work of posts.values()) {
      // A state past its TTL may be gone: counting the post again would double its mention.
      const publishedMs = Math.min(...work.observations.map((o) => Date.parse(o.publishedAt)));
      if (publishedMs < oldestPublishedMs) stats.expiredPosts++;
      else round.push(work);
    }

    for (let attempt = 0; round.length > 0; attempt++) {
      if (attempt >= this.options.maxRounds) {
        for (const work of round) failedPosts.set(work.key, new Error('post state kept changing under us'));
        break;
      }
      const conflicted = await this.runRound(round, failedPosts, stats);
      stats.conflicts += conflicted.length;
      round = conflicted;
    }

    const failedRecords = new Map<string, Error>();
    for (const [key, error] of failedPosts) {
      for (const recordId of posts.get(key)?.records ?? []) failedRecords.set(recordId, error);
    }
    stats.failedPosts = failedPosts.size;
    return { failedRecords, stats };
  }

  /** Step 1: every post's state (undefined: a new post); unreadable or malformed states fail their post. */
  private async readRound(
    work: readonly PostWork[],
    failedPosts: Map<string, Error>,
  ): Promise<Map<string, PostState | undefined>> {
    const read = await this.store.readStates(work.map((w) => w.ref));
    const states = new Map<string, PostState | undefined>();
    for (const w of work) {
      const readError = read.failed.get(w.key);
      if (readError) {
        failedPosts.set(w.key, readError);
        continue;
      }
      const item = read.items.get(w.key);
      if (!item) {
        states.set(w.key, undefined);
        continue;
      }
      const parsed = StoredPostStateSchema.safeParse(item);
      if (!parsed.success) {
        failedPosts.set(w.key, new Error(`post state ${w.key} is malformed: ${parsed.error.message}`));
        continue;
      }
      try {
        states.set(w.key, fromStoredState(parsed.data));
      } catch (e) {
        failedPosts.set(w.key, new Error(`post state ${w.key} is malformed: ${(e as Error).message}`));
      }
    }
    return states;
  }

  /** One pass over `work`; returns the posts that lost a conditional write and must be redone. */
  private async runRound(
    work: readonly PostWork[],
    failedPosts: Map<string, Error>,
    stats: AggregateResult['stats'],
  ): Promise<PostWork[]> {
    const states = await this.readRound(work, failedPosts);
    const live = work.filter((w) => states.has(w.key));
    const conflicted: PostWork[] = [];
    const settle = async (settling: Settling[], verifyFirst: boolean) => {
      const settled = await settleOutboxes(this.store, settling, {
        verifyFirst,
        maxRounds: this.options.maxRounds,
        concurrency: this.options.concurrency,
        now: this.now(),
      });
      for (const [key, error] of settled.failed) failedPosts.set(key, error);
      for (const w of work) if (settled.conflicted.has(w.key)) conflicted.push(w);
      stats.quarantinedChanges += settled.quarantinedChanges;
      return settled.states;
    };

    // Step 2: an outbox found on a post (maybe applied already) is finished before anything else happens.
    const found: Settling[] = [];
    for (const w of live) {
      const state = states.get(w.key);
      if (state?.outbox) found.push({ key: w.key, ref: w.ref, state: { ...state, outbox: state.outbox } });
    }
    for (const [key, state] of await settle(found, true)) states.set(key, state);

    // Step 3: next state per post, conditioned on the revision read.
    const applications: Settling[] = [];
    await forEachLimited(
      live.filter((w) => !failedPosts.has(w.key) && !conflicted.includes(w)),
      this.options.concurrency,
      async (w) => {
        const current = states.get(w.key);
        const plan = planPostUpdate(current, w.observations, this.index, this.options);
        if (plan.kind === 'unmatched') {
          stats.unmatchedPosts++;
          return;
        }
        if (plan.kind === 'unchanged') return;
        const outbox = plan.next.outbox && {
          ...plan.next.outbox,
          changes: this.store.placeChanges(w.key, plan.next.outbox.changes),
        };
        const next = { ...plan.next, ...(outbox ? { outbox } : {}) };
        try {
          if (!(await this.store.writeState(next, current?.rev ?? 0))) {
            this.store.unplaceChanges(w.key, outbox?.changes ?? []);
            conflicted.push(w);
            return;
          }
        } catch (e) {
          this.store.unplaceChanges(w.key, outbox?.changes ?? []);
          failedPosts.set(w.key, e as Error);
          return;
        }
        stats.postsWritten++;
        if (outbox) applications.push({ key: w.key, ref: w.ref, state: { ...next, outbox } });
      },
    );

    // Step 4: the new outboxes, coalesced over all posts of the batch.
    await settle(applications, false);

    return conflicted;
  }
}
