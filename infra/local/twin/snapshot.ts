import type { DemoPlatform } from '../demo/demo-platform';
import { countItems, errorCount, queueDepth, type StatusSnapshot, throttledProbe } from '../status';
import type { TwinContext } from './context';

/** The twin's status from now on: its counters plus queue depths and rollup count read from the engines. */
export const statusProbe = (
  { engines, counters }: TwinContext,
  demoPlatform: DemoPlatform | undefined,
): (() => Promise<StatusSnapshot>) => {
  const { sqs, dynamo, resources } = engines;
  const startedAt = Date.now();
  const countRollups = throttledProbe(() => countItems(dynamo.doc, resources.tables.rollups));
  return async () => {
    const [depth, dlq, rollups] = await Promise.all([
      queueDepth(sqs.client, resources.queues.events),
      queueDepth(sqs.client, resources.queues.eventsDlq),
      countRollups(),
    ]);
    return {
      ...counters,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      queueDepth: depth,
      dlqDepth: dlq,
      rollupItems: rollups,
      errors: errorCount(counters),
      ...(demoPlatform ? { demo: demoPlatform.stats() } : {}),
    };
  };
};
