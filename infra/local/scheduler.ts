import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from './lambda-runtime';

/**
 * Timers standing in for EventBridge schedules. Each job runs at a fixed rate, first right away; a tick
 * that comes while the previous run of the same job is still going is skipped, so one function never
 * overlaps itself (the poller's cursors assume one cycle at a time per platform).
 */

export interface ScheduledJob {
  name: string;
  periodMs: number;
  run: () => Promise<unknown>;
}

export interface JobStats {
  runs: number;
  errors: number;
  /** Ticks skipped because the previous run was still going. */
  skipped: number;
  running: boolean;
  lastError?: Error;
}

export interface SchedulerOptions {
  onError?: (job: string, error: Error) => void;
  onRun?: (job: string, result: unknown) => void;
}

interface JobState {
  job: ScheduledJob;
  stats: JobStats;
  timer?: NodeJS.Timeout;
  current?: Promise<void>;
}

export class Scheduler {
  private readonly jobs = new Map<string, JobState>();
  private started = false;

  constructor(private readonly options: SchedulerOptions = {}) {}

  add(job: ScheduledJob): void {
    if (!(job.periodMs > 0)) throw new Error(`schedule for ${job.name} must have a positive period`);
    if (this.jobs.has(job.name)) throw new Error(`a job named ${job.name} is already scheduled`);
    const state: JobState = { job, stats: { runs: 0, errors: 0, skipped: 0, running: false } };
    this.jobs.set(job.name, state);
    if (this.started) this.arm(state);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const state of this.jobs.values()) this.arm(state);
  }

  /** Stops all timers and waits for runs in progress to finish. */
  async stop(): Promise<void> {
    this.started = false;
    for (const state of this.jobs.values()) clearInterval(state.timer);
    await Promise.all([...this.jobs.values()].map((s) => s.current));
  }

  stats(): Record<string, JobStats> {
    return Object.fromEntries([...this.jobs].map(([name, s]) => [name, { ...s.stats }]));
  }

  private arm(state: JobState): void {
    state.timer = setInterval(() => this.tick(state), state.job.periodMs);
    this.tick(state);
  }

  private tick(state: JobState): void {
    if (!this.started) return;
    if (state.current) {
      state.stats.skipped++;
      return;
    }
    state.stats.running = true;
    state.current = (async () => {
      try {
        const result = await state.job.run();
        state.stats.runs++;
        this.options.onRun?.(state.job.name, result);
      } catch (e) {
        state.stats.runs++;
        state.stats.errors++;
        state.stats.lastError = e as Error;
        this.options.onError?.(state.job.name, e as Error);
      } finally {
        state.stats.running = false;
        state.current = undefined;
      }
    })();
  }
}

/**
 * The event a poll schedule delivers: the same "Scheduled Event" shape the CDK PollSchedule sends as the
 * target input (infra/constructs/poll-schedule.ts), with the scheduler's context attributes filled in.
 */
export const scheduledEvent = (
  scheduleName: string,
  region: string,
  detail: Record<string, string>,
  now = new Date(),
) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.scheduler',
  time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  resources: [`arn:aws:scheduler:${region}:${LOCAL_ACCOUNT_ID}:schedule/default/${scheduleName}`],
  detail: { ...detail, attempt: '1' },
});
