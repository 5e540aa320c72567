import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, scheduledEvent } from '../../../infra/local/scheduler';

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('Scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a job right away and then once per period', async () => {
    // Arrange
    const scheduler = new Scheduler();
    const run = vi.fn(async () => {});
    scheduler.add({ name: 'poll-x', periodMs: 1_000, run });
    // Act
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3_500);
    // Assert
    expect(run).toHaveBeenCalledTimes(4);
    expect(scheduler.stats()['poll-x']?.runs).toBe(4);
    await scheduler.stop();
  });

  it('never overlaps runs of one job: ticks during a slow run are skipped', async () => {
    const scheduler = new Scheduler();
    const gate = deferred();
    let concurrent = 0;
    let peak = 0;
    const run = vi.fn(async () => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      await gate.promise;
      concurrent--;
    });
    scheduler.add({ name: 'poll-x', periodMs: 100, run });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(550);
    expect(run).toHaveBeenCalledTimes(1);
    expect(scheduler.stats()['poll-x']?.skipped).toBe(5);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(2);
    expect(peak).toBe(1);
    await scheduler.stop();
  });

  it('keeps scheduling after a failed run and reports the error', async () => {
    const errors: string[] = [];
    const scheduler = new Scheduler({ onError: (job, e) => errors.push(`${job}: ${e.message}`) });
    let calls = 0;
    scheduler.add({
      name: 'poll-x',
      periodMs: 100,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('platform down');
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toBe(3);
    expect(errors).toEqual(['poll-x: platform down']);
    expect(scheduler.stats()['poll-x']).toMatchObject({ runs: 3, errors: 1 });
    await scheduler.stop();
  });

  it('stop waits for the run in progress and schedules nothing after', async () => {
    const scheduler = new Scheduler();
    const gate = deferred();
    let finished = false;
    const run = vi.fn(async () => {
      await gate.promise;
      finished = true;
    });
    scheduler.add({ name: 'poll-x', periodMs: 100, run });
    scheduler.start();
    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('rejects a non-positive period and duplicate job names', () => {
    const scheduler = new Scheduler();
    expect(() => scheduler.add({ name: 'a', periodMs: 0, run: async () => {} })).toThrow(/positive period/);
    scheduler.add({ name: 'a', periodMs: 10, run: async () => {} });
    expect(() => scheduler.add({ name: 'a', periodMs: 10, run: async () => {} })).toThrow(/already/);
  });
});

describe('scheduledEvent', () => {
  it('looks like the event an EventBridge schedule sends', () => {
    const event = scheduledEvent(
      'kolpulse-local-poll-x',
      'us-east-1',
      { platform: 'x' },
      new Date('2025-03-01T10:00:00.123Z'),
    );
    expect(event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      time: '2025-03-01T10:00:00Z',
      detail: { platform: 'x', attempt: '1' },
      resources: [
        expect.stringMatching(
          /^arn:aws:scheduler:us-east-1:\d{12}:schedule\/default\/kolpulse-local-poll-x$/,
        ),
      ],
    });
  });
});
