import { parseConfig } from '../../shared/config';
import { topology } from '../../shared/topology';
import { NaiveWriteModel, type NaiveWriteModelResult } from './naive-write-model';
import { modelLayout, type PostRecordModelResult, PostRecordWriteModel } from './post-record-model';
import { type ReplayMessage, realTimeBatches } from './replay';
import { type WeekOptions, type WeekStats, weekCycles } from './week';
import { WriteModel, type WriteModelResult } from './write-model';

/** Runs both write models over a list of messages, in the batches the efficiency run forms. */
export const modelMessages = (
  models: { design: WriteModel; naive?: NaiveWriteModel },
  messages: readonly ReplayMessage[],
): void => {
  for (const batch of realTimeBatches(messages, topology.triggers.aggregate.batchSize)) {
    const observations = batch.flatMap((m) => m.observations);
    models.design.applyBatch(observations, batch[0]?.sentAt ?? 0);
    models.naive?.applyBatch(observations, batch[0]?.sentAt ?? 0);
  }
};

export interface ModelledWeek {
  scale: number;
  days: number;
  seconds: number;
  stats: WeekStats;
  design: WriteModelResult;
  naive: NaiveWriteModelResult;
  /** The poller's post-record writes on the same polls (bench/lib/post-record-model.ts). */
  postRecords: PostRecordModelResult;
  /** Design write units per day of the week (day index 0 = the first day), to see the steady state. */
  unitsByDay: number[];
  observationsByDay: number[];
}

const DAY_MS = 86_400_000;
const DROP_EVERY_CYCLES = 12;

/**
 * Streams the week replay (`weekCycles`) through the write models, a poll cycle at a time, forgetting posts
 * whose tracking ended (plus a day for late duplicates), so memory stays bounded at scale 1.
 */
export const modelWeek = (options: WeekOptions): ModelledWeek => {
  const started = performance.now();
  const { configJson, cycles } = weekCycles({ ...options, emitReads: true });
  const config = parseConfig(configJson, 'bench week configuration');
  const design = new WriteModel(config);
  const naive = new NaiveWriteModel(config);
  const records = new PostRecordWriteModel(config, modelLayout(options.scale));
  const unitsByDay: number[] = [];
  const observationsByDay: number[] = [];
  const trackingMs = (options.trackingDays ?? 7) * DAY_MS;
  let firstAt: number | undefined;
  let n = 0;
  let next = cycles.next();
  while (!next.done) {
    const { at, messages, polls } = next.value;
    firstAt ??= at;
    const day = Math.min(Math.floor((at - firstAt) / DAY_MS), (options.days ?? 7) - 1);
    const unitsBefore = design.result().writeUnits;
    modelMessages({ design, naive }, messages);
    for (const poll of polls ?? []) records.applyPoll(poll);
    unitsByDay[day] = (unitsByDay[day] ?? 0) + design.result().writeUnits - unitsBefore;
    observationsByDay[day] =
      (observationsByDay[day] ?? 0) + messages.reduce((s, m) => s + m.observations.length, 0);
    if (++n % DROP_EVERY_CYCLES === 0) {
      design.dropPostsPublishedBefore(at - trackingMs - DAY_MS);
      naive.dropPostsPublishedBefore(at - trackingMs - DAY_MS);
      records.dropPostsPublishedBefore(at - trackingMs - DAY_MS);
    }
    next = cycles.next();
  }
  return {
    scale: options.scale,
    days: options.days ?? 7,
    seconds: (performance.now() - started) / 1000,
    stats: next.value,
    design: design.result(),
    naive: naive.result(),
    postRecords: records.summary(),
    unitsByDay,
    observationsByDay,
  };
};
