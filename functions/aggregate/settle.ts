import { forEachLimited } from '../../shared/batches';
import type { PostState, RollupChange } from './post-state';
import type { AggregateStore, PostRef, RejectedChange } from './store';

/** A post whose state carries an outbox to apply. */
export interface Settling {
  key: string;
  ref: PostRef;
  state: PostState & { outbox: NonNullable<PostState['outbox']> };
}

export interface SettleOptions {
  /** The outboxes were found on the posts (maybe applied already): read their buckets first. */
  verifyFirst: boolean;
  /** Reissues per post (each moves changes off buckets that closed) before it is reported as failed. */
  maxRounds: number;
  concurrency: number;
  now: number;
}

export interface Settled {
  /** Each settled post's latest state (rev moved on when changes were moved or quarantined). */
  states: Map<string, PostState>;
  failed: Map<string, Error>;
  /** Posts another consumer moved under us: to be re-read and redone. */
  conflicted: Set<string>;
  quarantinedChanges: number;
}

/**
 * Applies outboxes until each of their changes landed, moved on or was quarantined (docs/data-model.md,
 * "Bucket chains" and "Quarantine"). A change whose bucket closed before it landed can never land there;
 * a change DynamoDB rejects for good is written to the quarantine. Both leave the outbox through one state
 * write conditioned on the revision (`reissue`): its new outbox (rev + 1) holds the moved changes, placed
 * on the next open bucket, and is applied in the next round; the changes that landed stay applied.
 */
export const settleOutboxes = async (
  store: AggregateStore,
  settling: readonly Settling[],
  options: SettleOptions,
): Promise<Settled> => {
  const out: Settled = { states: new Map(), failed: new Map(), conflicted: new Set(), quarantinedChanges: 0 };
  let round = [...settling];
  for (let attempt = 0; round.length > 0; attempt++) {
    if (attempt >= options.maxRounds) {
      for (const s of round) {
        out.failed.set(s.key, new Error('rollup buckets kept closing under its changes'));
        store.unplaceChanges(s.key, s.state.outbox.changes);
      }
      break;
    }
    const outcome = await store.applyOutboxes(
      round.map((s) => ({ post: s.ref, outbox: s.state.outbox })),
      { verifyFirst: options.verifyFirst && attempt === 0 },
    );
    const next: Settling[] = [];
    await forEachLimited(round, options.concurrency, async (s) => {
      const failure = outcome.failed.get(s.key);
      if (failure) return void out.failed.set(s.key, failure);
      const moved = outcome.moved.get(s.key) ?? [];
      const rejected = outcome.rejected.get(s.key) ?? [];
      if (moved.length === 0 && rejected.length === 0) return void out.states.set(s.key, s.state);
      try {
        const reissued = await reissue(store, s, moved, rejected, options.now);
        out.quarantinedChanges += rejected.length;
        if (!reissued) out.conflicted.add(s.key);
        else if (reissued.outbox) next.push({ ...s, state: { ...reissued, outbox: reissued.outbox } });
        else out.states.set(s.key, reissued);
      } catch (e) {
        out.failed.set(s.key, e as Error);
      }
    });
    round = next;
  }
  return out;
};

/**
 * Quarantines the rejected changes (durably, before anything else) and writes the post's next revision,
 * whose outbox holds only the moved changes. Every other change of the old outbox is applied, so dropping
 * the old outbox loses nothing. Returns undefined when the post moved under us.
 */
const reissue = async (
  store: AggregateStore,
  s: Settling,
  moved: readonly RollupChange[],
  rejected: readonly RejectedChange[],
  now: number,
): Promise<PostState | undefined> => {
  if (rejected.length > 0) await store.quarantine(s.ref, s.state.outbox.rev, rejected, now);
  const rev = s.state.rev + 1;
  const changes = await store.moveChanges(s.key, moved);
  const { outbox: _settled, ...rest } = s.state;
  const next: PostState = { ...rest, rev, ...(changes.length > 0 ? { outbox: { rev, changes } } : {}) };
  const written = await store.writeState(next, s.state.rev).catch((e: unknown) => e as Error);
  if (written !== true) store.unplaceChanges(s.key, changes);
  if (written instanceof Error) throw written;
  return written ? next : undefined;
};
