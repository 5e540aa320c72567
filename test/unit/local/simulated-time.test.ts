import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../functions/poll/clock';
import { readSimulatedLease, startTwinTime } from '../../../infra/local/simulated-time';

describe('the twin clock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'twin-time-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the system clock against real platforms: they live in real time', () => {
    const time = startTwinTime({ simulated: false, speed: 60, dataDir: dir });
    expect(time.clock).toBe(systemClock);
    time.close();
    expect(readSimulatedLease(dir)).toBeUndefined();
  });

  it('runs speed times faster with the demo platform, leasing ahead of itself on disk', async () => {
    const time = startTwinTime({ simulated: true, speed: 1_000, dataDir: dir });
    const wallStart = Date.now();
    const simStart = time.clock.now();
    await new Promise((r) => setTimeout(r, 50));
    const simElapsed = time.clock.now() - simStart;
    const wallElapsed = Date.now() - wallStart;
    expect(simElapsed).toBeGreaterThanOrEqual(40_000);
    expect(simElapsed).toBeLessThanOrEqual((wallElapsed + 5) * 1_000);
    expect(time.clock.speed).toBe(1_000);
    // A kill -9 now would resume from the lease, which is ahead of anything the clock has shown.
    expect(readSimulatedLease(dir)).toBeGreaterThan(time.clock.now());
    time.close();
  });

  it('never runs backwards across a restart on the same data folder', async () => {
    const first = startTwinTime({ simulated: true, speed: 3_600, dataDir: dir });
    await new Promise((r) => setTimeout(r, 100));
    const lastSeen = first.clock.now();
    first.close();
    expect(lastSeen - Date.now()).toBeGreaterThan(200_000); // minutes ahead of the wall clock already

    const second = startTwinTime({ simulated: true, speed: 3_600, dataDir: dir });
    expect(second.clock.now()).toBeGreaterThanOrEqual(lastSeen);
    second.close();
  });
});
