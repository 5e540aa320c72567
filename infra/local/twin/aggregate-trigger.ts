import { setTimeout as delay } from 'node:timers/promises';
import type { SQSEvent } from 'aws-lambda';
import { aggregateDepsFromEnv, createAggregateHandler } from '../../../functions/aggregate/app';
import { topology } from '../../../shared/topology';
import type { LocalSqs } from '../engines';
import { functionEnv, localFunctionName } from '../function-env';
import type { RecoveryMarker } from '../preflight';
import { type BatchOutcome, SqsTrigger } from '../sqs-trigger';
import { observationsIn, queueDepth } from '../status';
import { type Closable, startAll } from './closers';
import { firstLine, functionSettings, type TwinContext } from './context';

/** How long a graceful stop waits for the events queue to empty before giving up (recovery then runs). */
const DRAIN_TIMEOUT_MS = 15_000;

/**
 * The aggregate function behind the emulated SQS trigger of the topology. Closing first waits for the
 * events queue to empty (what is queued gets applied, and only a drained queue lets the next start skip
 * recovery), then stops the trigger, which lets in-flight batches finish. Close it after the pollers.
 */
export const startAggregateTrigger = (ctx: TwinContext, recovery: RecoveryMarker): Promise<Closable> =>
  startAll(async (closers) => {
    const { sqs, resources, dynamo } = ctx.engines;
    const aggregate = createAggregateHandler({
      ...aggregateDepsFromEnv(functionEnv('aggregate', resources), {
        doc: dynamo.doc,
        logger: ctx.loggerFor(localFunctionName('aggregate')),
      }),
      now: ctx.clock.now,
    });
    const spec = topology.triggers.aggregate;
    const trigger = new SqsTrigger({
      client: sqs.client,
      queueUrl: resources.queues[spec.queue],
      handler: (event: SQSEvent, context) => aggregate(event, context),
      function: functionSettings('aggregate'),
      batchSize: spec.batchSize,
      maxBatchingWindowMs: spec.maxBatchingWindowSeconds * 1000,
      maxConcurrency: spec.maxConcurrency,
      reportBatchItemFailures: spec.reportBatchItemFailures,
      onBatch: countBatch(ctx),
      onPollError: (e) => {
        ctx.counters.triggerErrors++;
        ctx.fail(`events queue: ${firstLine(e)}`);
      },
    });
    await trigger.start();
    closers.defer(() => trigger.stop());
    closers.defer(async () => {
      const drained = await waitForEmptyQueue(sqs, resources.queues.events, DRAIN_TIMEOUT_MS);
      if (drained) recovery.clear();
    });
    return {};
  });

const countBatch =
  ({ counters, fail }: TwinContext) =>
  (outcome: BatchOutcome): void => {
    counters.aggregateBatches++;
    const succeeded = new Set(outcome.succeeded);
    for (const r of outcome.records)
      if (succeeded.has(r.messageId)) counters.observationsApplied += observationsIn(r.body);
    counters.aggregateFailures += outcome.failed.length;
    if (outcome.error) fail(`aggregate: ${firstLine(outcome.error)}`);
    else if (outcome.failed.length > 0)
      fail(
        `aggregate: ${outcome.failed.length} message(s) not applied; retried after the visibility timeout`,
      );
  };

const waitForEmptyQueue = async (sqs: LocalSqs, queueUrl: string, timeoutMs: number): Promise<boolean> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if ((await queueDepth(sqs.client, queueUrl)) === 0) return true;
    if (Date.now() >= end) return false;
    await delay(200);
  }
};
