import { describe, expect, it } from 'vitest';
import { Closers, startAll } from '../../../infra/local/twin/closers';

const part = (name: string, log: string[], fails = false) => ({
  name,
  close: async () => {
    log.push(name);
    if (fails) throw new Error(`${name} failed to close`);
  },
});

describe('Closers', () => {
  it('closes in reverse order of starting, and keeps closing after a close that throws', async () => {
    const log: string[] = [];
    const closers = new Closers();
    closers.defer(() => {
      log.push('lock');
    });
    closers.add(part('engines', log));
    closers.add(part('trigger', log, true));
    closers.add(part('server', log));
    await closers.closeAll();
    expect(log).toEqual(['server', 'trigger', 'engines', 'lock']);
    await closers.closeAll();
    expect(log).toHaveLength(4);
  });
});

describe('startAll', () => {
  it('closes what had started when a later start fails, then passes the error on', async () => {
    const log: string[] = [];
    const started = startAll(async (closers) => {
      closers.add(part('engines', log));
      closers.add(part('trigger', log));
      throw new Error('port busy');
    });
    await expect(started).rejects.toThrow('port busy');
    expect(log).toEqual(['trigger', 'engines']);
  });

  it('hands back the started parts with a close that closes them in reverse', async () => {
    const log: string[] = [];
    const started = await startAll(async (closers) => ({ engines: closers.add(part('engines', log)), n: 1 }));
    expect(started.engines.name).toBe('engines');
    expect(log).toEqual([]);
    await started.close();
    expect(log).toEqual(['engines']);
  });
});
