import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkCredentialsFile,
  ensurePortFree,
  loadTwinConfig,
  lockDataDir,
  prepareDataDir,
  recoveryMarker,
  TwinStartError,
} from '../../../infra/local/preflight';
import { ConfigError } from '../../../shared/config';

const validConfig = {
  campaigns: [{ id: 'c1', name: 'C1 (demo)', hashtags: ['#NextIdea'], start: '2025-06-01', kols: [] }],
  platforms: { x: { schedule: 'rate(1 minute)' } },
};

describe('Preflight checks of the local twin', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'twin-preflight-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Method: ensurePortFree', () => {
    let server: Server | undefined;
    afterEach(async () => {
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      server = undefined;
    });

    it('names the busy port and the option that fixes it', async () => {
      server = createServer();
      await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      await expect(ensurePortFree(port)).rejects.toThrow(`port ${port} is in use: pass --port <n>`);
    });

    it('accepts a free port and port 0', async () => {
      await expect(ensurePortFree(0)).resolves.toBeUndefined();
      server = createServer();
      await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      await new Promise<void>((r) => server?.close(() => r()));
      server = undefined;
      await expect(ensurePortFree(port)).resolves.toBeUndefined();
    });
  });

  describe('Method: prepareDataDir', () => {
    it('creates the dynamodb folder inside the data folder', () => {
      const { dynamoDir } = prepareDataDir(join(dir, 'data'));
      expect(existsSync(dynamoDir)).toBe(true);
    });

    it('says the folder is not writable and which option to pass', () => {
      const file = join(dir, 'a-file');
      writeFileSync(file, 'x');
      expect(() => prepareDataDir(join(file, 'data'))).toThrow(TwinStartError);
      expect(() => prepareDataDir(join(file, 'data'))).toThrow(
        /is not writable \(ENOTDIR\): pass --data <dir>/,
      );
    });
  });

  describe('Method: lockDataDir', () => {
    it('refuses a data folder held by a running twin', () => {
      writeFileSync(join(dir, 'twin.pid'), String(process.ppid));
      expect(() => lockDataDir(dir)).toThrow(`in use by another twin (pid ${process.ppid})`);
    });

    it('takes over the lock of a killed twin and releases its own', () => {
      writeFileSync(join(dir, 'twin.pid'), '999999999');
      const lock = lockDataDir(dir);
      expect(readFileSync(join(dir, 'twin.pid'), 'utf8')).toBe(String(process.pid));
      lock.release();
      expect(existsSync(join(dir, 'twin.pid'))).toBe(false);
    });

    it('says the folder cannot be locked and which option to pass, instead of a raw file-system error', () => {
      const file = join(dir, 'a-file');
      writeFileSync(file, 'x');
      expect(() => lockDataDir(file)).toThrow(TwinStartError);
      expect(() => lockDataDir(file)).toThrow(
        /cannot lock data folder .*a-file \(ENOTDIR\): pass --data <dir>/,
      );
    });
  });

  describe('Method: recoveryMarker', () => {
    it('asks for recovery only after a run that did not clear its marker', () => {
      const first = recoveryMarker(dir);
      expect(first.needed).toBe(false);
      // killed: nothing cleared the marker
      const afterKill = recoveryMarker(dir);
      expect(afterKill.needed).toBe(true);
      afterKill.clear();
      expect(recoveryMarker(dir).needed).toBe(false);
    });
  });

  describe('Method: loadTwinConfig', () => {
    const write = (content: unknown) => {
      const file = join(dir, 'campaigns.json');
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    };

    it('loads a valid configuration with defaults filled in', () => {
      const { config } = loadTwinConfig(write(validConfig));
      expect(config.platforms.x?.enabled).toBe(true);
      expect(config.campaigns[0]?.timeZone).toBe('UTC');
    });

    it('names the unknown platform and lists the known ones', () => {
      const file = write({ ...validConfig, platforms: { ...validConfig.platforms, weibo: {} } });
      expect(() => loadTwinConfig(file)).toThrow(ConfigError);
      expect(() => loadTwinConfig(file)).toThrow(
        /platforms\.weibo: unknown platform "weibo" \(known: x, mastodon/,
      );
    });

    it('names the offending field of an invalid configuration', () => {
      const bad = { ...validConfig, campaigns: [{ ...validConfig.campaigns[0], timeZone: 'Mars/Base' }] };
      expect(() => loadTwinConfig(write(bad))).toThrow(/campaigns\[0\]\.timeZone: must be an IANA time zone/);
    });

    it('reports unreadable files and broken JSON', () => {
      expect(() => loadTwinConfig(join(dir, 'missing.json'))).toThrow(/Cannot read campaign configuration/);
      expect(() => loadTwinConfig(write('{ nope'))).toThrow(/is not valid JSON/);
    });
  });

  describe('Method: checkCredentialsFile', () => {
    it('rejects a file that is not an object keyed by known platforms', () => {
      const file = join(dir, 'creds.json');
      writeFileSync(file, '[]');
      expect(() => checkCredentialsFile(file)).toThrow(/must be an object keyed by platform/);
      writeFileSync(file, '{"tiktok": {}}');
      expect(() => checkCredentialsFile(file)).toThrow(/unknown platform "tiktok"/);
      expect(() => checkCredentialsFile(join(dir, 'none.json'))).toThrow(
        /cannot read credentials file .*ENOENT/,
      );
    });

    it('warns when others may read the file, and stays quiet for an owner-only file', () => {
      const file = join(dir, 'tokens.json');
      writeFileSync(file, '{"x": {"bearerToken": "t"}}');
      const warnings: string[] = [];
      chmodSync(file, 0o644);
      checkCredentialsFile(file, (m) => warnings.push(m));
      expect(warnings).toEqual([expect.stringMatching(/readable by others \(mode 644\): run chmod 600 /)]);
      chmodSync(file, 0o600);
      checkCredentialsFile(file, (m) => warnings.push(m));
      expect(warnings).toHaveLength(1);
    });
  });
});
