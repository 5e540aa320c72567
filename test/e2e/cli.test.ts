import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eConfig } from './support/config';
import { runTwin } from './support/twin-process';

/** What a newcomer sees when something is wrong: one line saying what to do, and a non-zero exit. */

const run = async (args: string[]) => {
  const twin = runTwin(args);
  const exit = await twin.exited;
  return { code: exit.code, stdout: twin.stdout(), stderr: twin.stderr() };
};

describe('npm start, command line', () => {
  let dir: string;
  let config: string;
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'twin-cli-'));
    config = join(dir, 'campaigns.json');
    writeFileSync(config, JSON.stringify(e2eConfig(['x'])));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const address = busy.address();
    busyPort = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((r) => busy.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists its options with --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const option of [
      '--config',
      '--data',
      '--port',
      '--speed',
      '--demo',
      '--no-demo',
      '--seed',
      '--credentials',
    ])
      expect(stdout).toContain(option);
  });

  it('says which port is in use and how to pick another', async () => {
    const { code, stderr } = await run([
      '--config',
      config,
      '--data',
      join(dir, 'd1'),
      '--port',
      String(busyPort),
    ]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`error: port ${busyPort} is in use: pass --port <n>`);
  });

  it('names the offending field of an invalid configuration', async () => {
    const bad = join(dir, 'bad.json');
    const raw = e2eConfig(['x']) as { campaigns: Record<string, unknown>[] };
    const first = raw.campaigns[0] ?? {};
    first.hashtags = [];
    writeFileSync(bad, JSON.stringify(raw));
    const { code, stderr } = await run(['--config', bad, '--data', join(dir, 'd2'), '--port', '0']);
    expect(code).toBe(1);
    expect(stderr).toContain('campaigns[0].hashtags: a campaign needs at least one hashtag');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names an unknown platform in the configuration', async () => {
    const bad = join(dir, 'weibo.json');
    const raw = e2eConfig(['x']) as { platforms: Record<string, unknown> };
    raw.platforms.weibo = { schedule: 'rate(5 minutes)' };
    writeFileSync(bad, JSON.stringify(raw));
    const { code, stderr } = await run(['--config', bad, '--data', join(dir, 'd3'), '--port', '0']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/platforms\.weibo: unknown platform "weibo"/);
  });

  it('says the data folder is not writable', async () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, '');
    const { code, stderr } = await run(['--config', config, '--data', join(file, 'data'), '--port', '0']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/data folder .* is not writable \(ENOTDIR\): pass --data <dir>/);
  });

  it('rejects an unknown option with exit code 2', async () => {
    const { code, stderr } = await run(['--sped', '3']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown option '--sped'.*see --help/);
  });
});
