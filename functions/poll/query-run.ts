import type { SearchCursor } from '../../shared/platforms/adapter';
import type { CursorItems, CursorState, LateReadState } from './cursors';
import type { PollLog } from './cycle';

/** Progress of one query's search within a cycle. */
export interface QueryRun {
  /** Name of the cursor item (the query, or a backfill-scoped name). */
  name: string;
  query: string;
  since: SearchCursor | undefined;
  /** Next page of the current search; undefined = the current search has not read a page yet. */
  pageToken: string | undefined;
  /** Newest post seen by the current search: the next `since` once it completes. */
  newest: SearchCursor | undefined;
  /** The current search began in this cycle (a resumed one did not). */
  startedThisCycle: boolean;
  restartedAfterStaleToken: boolean;
  complete: boolean;
  done: boolean;
  /** The query's late re-reads (`late-read.ts`); a backfill has none. */
  late: LateReadState;
  /** Changed since the last checkpoint: its cursor item is saved at the next one. */
  dirty: boolean;
}

/** Keeps the later of two cursors, so re-reading only the overlap can never move a cursor backwards. */
export const laterCursor = (current: SearchCursor | undefined, candidate: SearchCursor | undefined) => {
  if (!candidate) return current;
  if (!current) return candidate;
  const a = current.time ? Date.parse(current.time) : Number.NaN;
  const b = candidate.time ? Date.parse(candidate.time) : Number.NaN;
  return !Number.isNaN(a) && !Number.isNaN(b) && a > b ? current : candidate;
};

/**
 * The search's next cursor after another page: the page's newest post when it is later than what earlier
 * pages gave; unlike `laterCursor`, a tie or an unreadable time keeps the first page's, whose id a time-ordered
 * feed (X's since_id) relies on.
 */
export const newerCursor = (current: SearchCursor | undefined, candidate: SearchCursor | undefined) => {
  if (!current || !candidate) return current ?? candidate;
  const a = current.time ? Date.parse(current.time) : Number.NaN;
  const b = candidate.time ? Date.parse(candidate.time) : Number.NaN;
  return b > a ? candidate : current;
};

/** Each query's run, as its cursor item left it. A backfill keeps its own items and starts with no `since`. */
export const loadQueryRuns = (
  cursors: CursorItems,
  queries: readonly string[],
  backfill: string | undefined,
  log: PollLog,
): Promise<QueryRun[]> =>
  Promise.all(
    queries.map(async (query) => {
      const name = backfill ? `backfill@${backfill}@${query}` : query;
      const { state, corrupt } = await cursors.load(name, query);
      if (corrupt) log('warn', 'unreadable cursor item: the query restarts from its first page', { query });
      return {
        name,
        query,
        since: backfill ? undefined : state.since,
        pageToken: state.resume?.pageToken,
        newest: state.resume?.newest,
        startedThisCycle: !state.resume,
        restartedAfterStaleToken: false,
        complete: state.complete === true,
        done: state.complete === true,
        late: (!backfill && state.late) || { lastRead: {} },
        dirty: false,
      };
    }),
  );

/** The cursor item that records a run. */
export const cursorStateOf = (run: QueryRun): CursorState => ({
  query: run.query,
  since: run.since,
  resume: run.pageToken ? { pageToken: run.pageToken, newest: run.newest } : undefined,
  complete: run.complete || undefined,
  late: run.late.running || Object.keys(run.late.lastRead).length > 0 ? run.late : undefined,
});

/** A page token saved by an earlier cycle may have expired; a run may start over from its cursor once. */
export const mayRestartFromCursor = (run: QueryRun): boolean =>
  !run.startedThisCycle && !run.restartedAfterStaleToken;

export const restartFromCursor = (run: QueryRun): void => {
  Object.assign(run, {
    pageToken: undefined,
    newest: undefined,
    startedThisCycle: true,
    restartedAfterStaleToken: true,
    dirty: true,
  });
};

export const continueOnPage = (run: QueryRun, pageToken: string): void => {
  run.pageToken = pageToken;
  run.dirty = true;
};

/**
 * The search reached its cursor: what it read becomes the new cursor at the next checkpoint. A resumed
 * search that finishes is followed by a fresh one, which reads what arrived meanwhile; a backfill is done.
 */
export const completeSearch = (run: QueryRun, backfill: boolean): void => {
  run.since = laterCursor(run.since, run.newest);
  Object.assign(run, { pageToken: undefined, newest: undefined, dirty: true });
  if (backfill) {
    run.complete = true;
    run.done = true;
  } else if (run.startedThisCycle) {
    run.done = true;
  } else {
    run.startedThisCycle = true;
  }
};
