import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { ConfigError, enabledPlatforms, type KolPulseConfig, loadConfigFile } from '../../shared/config';
import { PLATFORMS, type Platform } from '../../shared/platform';
import { effectiveSpeed, type TwinOptions, wantsDemo } from './cli';
import { type PidLock, takePidLock } from './pid-lock';

/**
 * Checks run before anything starts, so every mistake a newcomer can make ends in one line that says what
 * to do, instead of a stack trace from deep inside dynalite or node:http.
 */

/** A start-up problem; the message is the whole story and is printed as is. */
export class TwinStartError extends Error {
  override name = 'TwinStartError';
}

/** Fails with "port N is in use: pass --port <n>" when 127.0.0.1:N cannot be bound. */
export const ensurePortFree = async (port: number, flag = '--port'): Promise<void> => {
  if (port === 0) return;
  await new Promise<void>((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new TwinStartError(`port ${port} is in use: pass ${flag} <n>`));
      else if (e.code === 'EACCES')
        reject(new TwinStartError(`port ${port} needs privileges: pass ${flag} <n> with n above 1023`));
      else reject(new TwinStartError(`cannot listen on 127.0.0.1:${port} (${e.code}): pass ${flag} <n>`));
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePromise()));
  });
};

/** Maps an EADDRINUSE that slipped past the probe (a race) to the same one-line message. */
export const describeListenError = (error: unknown, port: number): Error => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRINUSE'
    ? new TwinStartError(`port ${port} is in use: pass --port <n>`)
    : (error as Error);
};

/** The short reason of a file-system failure: its code (ENOTDIR, EACCES, ...), else its message. */
const fileSystemReason = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Creates `<data>/dynamodb` and proves the folder is writable. */
export const prepareDataDir = (dataDir: string): { dataDir: string; dynamoDir: string } => {
  const absolute = resolve(dataDir);
  const dynamoDir = join(absolute, 'dynamodb');
  const probe = join(absolute, `.write-probe-${process.pid}`);
  try {
    mkdirSync(dynamoDir, { recursive: true });
    writeFileSync(probe, 'ok');
    rmSync(probe, { force: true });
  } catch (e) {
    throw new TwinStartError(
      `data folder ${absolute} is not writable (${fileSystemReason(e)}): pass --data <dir> with a folder you can write to`,
    );
  }
  return { dataDir: absolute, dynamoDir };
};

/**
 * One twin per data folder: LevelDB allows a single writer, and a second dynalite on the same folder would
 * crash deep inside LevelDB. A lock file left by a killed twin (kill -9) is taken over.
 */
export const lockDataDir = (dataDir: string): PidLock => {
  let lock: ReturnType<typeof takePidLock>;
  try {
    lock = takePidLock(join(dataDir, 'twin.pid'));
  } catch (e) {
    throw new TwinStartError(
      `cannot lock data folder ${dataDir} (${fileSystemReason(e)}): pass --data <dir> with a folder you own`,
    );
  }
  if ('heldBy' in lock)
    throw new TwinStartError(
      `data folder ${dataDir} is in use by another twin (pid ${lock.heldBy}): stop it or pass --data <dir>`,
    );
  return lock;
};

/**
 * Loads and validates the campaign configuration. An unknown platform key gets its own message listing the
 * known ones; everything else is reported by ConfigError with the offending field named.
 */
export const loadTwinConfig = (file: string): { config: KolPulseConfig; campaignsFile: string } => {
  const campaignsFile = resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(campaignsFile, 'utf8'));
  } catch {
    raw = undefined; // loadConfigFile below reports unreadable files and bad JSON with the reason
  }
  const platforms = (raw as { platforms?: unknown } | undefined)?.platforms;
  if (platforms && typeof platforms === 'object' && !Array.isArray(platforms)) {
    const unknown = Object.keys(platforms).filter((p) => !(PLATFORMS as readonly string[]).includes(p));
    if (unknown.length > 0)
      throw new ConfigError(
        `Invalid campaign configuration ${campaignsFile}: platforms.${unknown[0]}: unknown platform "${unknown[0]}" (known: ${PLATFORMS.join(', ')}; Weibo and TikTok are on the roadmap)`,
      );
  }
  return { config: loadConfigFile(campaignsFile), campaignsFile };
};

/**
 * A warning when others may read the credentials file (any group or other permission bit), or undefined.
 * Platform tokens act as the brand's accounts: the file should be readable by its owner alone.
 */
export const credentialsPermissionWarning = (path: string): string | undefined => {
  if (process.platform === 'win32') return undefined;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  return `credentials file ${path} is readable by others (mode ${mode.toString(8).padStart(3, '0')}): run chmod 600 ${path}`;
};

/** Validates the credentials file's outer shape early: `{ "<platform>": { ... } }`. */
export const checkCredentialsFile = (file: string, warn: (message: string) => void = () => {}): string => {
  const path = resolve(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TwinStartError(
      code
        ? `cannot read credentials file ${path} (${code}): pass --credentials <file>`
        : `credentials file ${path} is not valid JSON: expected { "x": { "bearerToken": "..." }, ... }`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new TwinStartError(`credentials file ${path} must be an object keyed by platform`);
  const unknown = Object.keys(json).filter((p) => !(PLATFORMS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new TwinStartError(
      `credentials file ${path}: unknown platform "${unknown[0]}" (known: ${PLATFORMS.join(', ')})`,
    );
  const warning = credentialsPermissionWarning(path);
  if (warning) warn(warning);
  return path;
};

/**
 * Marks a run whose queued messages may be lost: created at start, removed only by a stop that drained the
 * events queue. Found at start, it means the previous run was killed (or stopped undrained), so the pollers
 * re-read their search window once to recover observations that were on the in-memory queue.
 */
export const recoveryMarker = (dataDir: string): { needed: boolean; clear(): void } => {
  const path = join(dataDir, 'needs-recovery');
  const needed = existsSync(path);
  writeFileSync(path, new Date().toISOString());
  return { needed, clear: () => rmSync(path, { force: true }) };
};

export type RecoveryMarker = ReturnType<typeof recoveryMarker>;

/** What the twin starts from once every check passed; the data folder is locked until `lock.release()`. */
export interface TwinPreflight {
  config: KolPulseConfig;
  campaignsFile: string;
  platforms: Platform[];
  credentialsFile: string | undefined;
  dataDir: string;
  dynamoDir: string;
  lock: PidLock;
  recovery: RecoveryMarker;
  demo: boolean;
  speed: number;
}

/** Every check of a twin start, in order: configuration, credentials, port, then the data folder. */
export const preflightTwin = async (options: TwinOptions): Promise<TwinPreflight> => {
  const { config, campaignsFile } = loadTwinConfig(options.configFile);
  const platforms = enabledPlatforms(config).map(([p]) => p);
  if (platforms.length === 0)
    throw new TwinStartError(
      `no platform is enabled in ${campaignsFile}: add e.g. "platforms": { "x": { "enabled": true } }`,
    );
  const credentialsFile = options.credentialsFile
    ? checkCredentialsFile(options.credentialsFile, (message) =>
        process.stderr.write(`warning: ${message}\n`),
      )
    : undefined;
  await ensurePortFree(options.port);
  const { dataDir, dynamoDir } = prepareDataDir(options.dataDir);
  const lock = lockDataDir(dataDir);
  const recovery = recoveryMarker(dataDir);
  const demo = wantsDemo(options, config);
  const speed = effectiveSpeed(options, demo);
  return {
    config,
    campaignsFile,
    platforms,
    credentialsFile,
    dataDir,
    dynamoDir,
    lock,
    recovery,
    demo,
    speed,
  };
};
