import { isDeepStrictEqual } from 'node:util';
import { HOURLY_KINDS, hourlyChangesFor } from './hourly';
import { rollupChangesFor } from './planner';
import type { PostState, RollupChange, StoredPostState, StoredRollupChange } from './post-state';

/**
 * The outbox's stored form. A change's descriptive attributes (campaign, KOL or voice, day, index keys...)
 * are a function of the post's association, the item's kind and its day, week or hour, so the state keeps
 * only those three (`a`, `k`, `u`) and the reader rebuilds the attributes with the same builders the planner
 * used. A change whose attributes the builders would not reproduce exactly keeps them in full, so the
 * round trip is always the identity.
 */

type Post = Pick<PostState, 'platform' | 'postId' | 'associations'>;

const unitOf = (attrs: RollupChange['attrs']): string | undefined => {
  const unit = attrs.day ?? attrs.week ?? attrs.hour;
  return typeof unit === 'string' ? unit : undefined;
};

const rebuiltAttrs = (
  post: Post,
  a: number,
  kind: string,
  unit: string,
): RollupChange['attrs'] | undefined => {
  const association = post.associations[a];
  if (!association) return undefined;
  const candidates = HOURLY_KINDS.has(kind)
    ? hourlyChangesFor(post, association, unit, {})
    : rollupChangesFor(post.platform, post.postId, association, unit, {});
  return candidates.find((c) => c.attrs.kind === kind)?.attrs;
};

const compactChange = (post: Post, change: RollupChange): StoredRollupChange => {
  const kind = change.attrs.kind;
  const unit = unitOf(change.attrs);
  if (typeof kind === 'string' && unit !== undefined) {
    for (let a = 0; a < post.associations.length; a++) {
      if (post.associations[a]?.campaignId !== change.attrs.campaignId) continue;
      if (!isDeepStrictEqual(rebuiltAttrs(post, a, kind, unit), change.attrs)) continue;
      const { attrs: _rebuilt, ...rest } = change;
      return { ...rest, a, k: kind, u: unit };
    }
  }
  return change;
};

const expandChange = (post: Post, stored: StoredRollupChange): RollupChange => {
  const { a, k, u, attrs, ...rest } = stored;
  if (attrs) return { ...rest, attrs };
  const rebuilt =
    a !== undefined && k !== undefined && u !== undefined ? rebuiltAttrs(post, a, k, u) : undefined;
  if (!rebuilt)
    throw new Error(
      `outbox change ${stored.pk} / ${stored.sk} has neither attributes nor an association they can be rebuilt from`,
    );
  return { ...rest, attrs: rebuilt };
};

/** The state as it is written: outbox changes compacted where the reader can rebuild them. */
export const toStoredState = (state: PostState): StoredPostState =>
  state.outbox
    ? {
        ...state,
        outbox: { ...state.outbox, changes: state.outbox.changes.map((c) => compactChange(state, c)) },
      }
    : state;

/** The state as the aggregator uses it: every outbox change with its attributes. Throws when one cannot be rebuilt. */
export const fromStoredState = (stored: StoredPostState): PostState => {
  const { outbox, ...state } = stored;
  if (!outbox) return state;
  return { ...state, outbox: { ...outbox, changes: outbox.changes.map((c) => expandChange(state, c)) } };
};
