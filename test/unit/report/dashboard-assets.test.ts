import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DASHBOARD_FILES, dashboardAssetLoader } from '../../../functions/report/dashboard/build';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('Function: dashboardAssetLoader', () => {
  it('prefers built assets in a directory and loads them once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dash-'));
    await writeFile(join(dir, DASHBOARD_FILES.html), '<html>');
    await writeFile(join(dir, DASHBOARD_FILES.js), 'js');
    await writeFile(join(dir, DASHBOARD_FILES.css), 'css');
    const build = vi.fn(async () => ({ html: 'built', js: 'built', css: 'built' }));
    const load = dashboardAssetLoader([undefined, '/nonexistent/dir', dir], build);
    expect(await load()).toEqual({ html: '<html>', js: 'js', css: 'css' });
    await load();
    expect(build).not.toHaveBeenCalled();
  });

  it('builds when no directory holds a complete set, and retries after a failed build', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dash-'));
    await writeFile(join(dir, DASHBOARD_FILES.html), '<html>'); // script and style sheet missing
    const build = vi
      .fn<() => Promise<{ html: string; js: string; css: string }>>()
      .mockRejectedValueOnce(new Error('esbuild missing'))
      .mockResolvedValue({ html: 'h', js: 'j', css: 'c' });
    const load = dashboardAssetLoader([dir], build);
    await expect(load()).rejects.toThrow('esbuild missing');
    expect(await load()).toEqual({ html: 'h', js: 'j', css: 'c' });
    expect(build).toHaveBeenCalledTimes(2);
  });
});
