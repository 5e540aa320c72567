import type { Cycle } from './cycle';
import { cursorStateOf, type QueryRun } from './query-run';

/**
 * Sends every observation queued so far, and only then saves the cursors and resume points of the searches
 * that moved: a cursor never covers an observation that is not on the queue. Throws SendFailedError (and
 * saves nothing) when sending fails.
 */
export const saveCheckpoint = async (cycle: Cycle, runs: readonly QueryRun[]): Promise<void> => {
  await cycle.sender.flush();
  // Only what is on the queue may count as sent: the records follow the flush. A record not saved leaves
  // the older one (docs/data-model.md, "Post records" says what that costs); it never holds back the cursors.
  if (cycle.sent && cycle.records && cycle.sent.updates.size > 0) {
    const updates = cycle.sent.commit();
    await cycle.records.save(updates).catch((e: unknown) =>
      cycle.log('warn', 'could not save post records; their posts are sent again', {
        records: updates.length,
        error: (e as Error).message,
      }),
    );
  }
  const dirty = runs.filter((r) => r.dirty);
  await Promise.all(
    dirty.map((run) => cycle.cursors.save(run.name, cursorStateOf(run), cycle.pollId, cycle.clock.now())),
  );
  for (const run of dirty) run.dirty = false;
};
