import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enabledPlatforms, type KolPulseConfig } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';
import { SeededRandom } from '../../../shared/random';
import { LOCAL_PLATFORM_CREDENTIALS, PlatformStore, startPlatformApi } from '../platform-api/index';
import { breakFirstItem } from './broken-item';
import type { DemoPlatform } from './demo-platform';
import { DemoGenerator, type DemoState } from './generator';

export interface DemoStartArgs {
  config: KolPulseConfig;
  seed: number;
  speed: number;
  /** The twin's simulated clock (`speed` times the wall clock); default the wall clock. */
  now?: () => number;
  /** Seconds after which posts stop changing; undefined = never. */
  durationSeconds: number | undefined;
  /** Share of new campaign posts that surface late (`DemoGeneratorOptions.lateShare`). */
  lateShare?: number | undefined;
  dataDir: string;
}

/** Wall-clock period of the demo's fault injection (a malformed item, now and then a 503). */
const FAULT_PERIOD_MS = 15_000;
/** Request log entries kept by the platform server (it logs every request; a demo may run for hours). */
const KEEP_REQUESTS = 1_000;

/**
 * Starts the demo platform: the local platform API server (infra/local/platform-api) over a store the seeded
 * DemoGenerator keeps filling, a credentials file with the tokens the server accepts, and a little fault
 * injection so the pipeline's rejects and retries show. When the generator freezes, the final state of every
 * post is written to `<data>/demo/posts.json` (ground truth for the e2e tests).
 */
export const startDemoPlatform = async (args: DemoStartArgs): Promise<DemoPlatform> => {
  const platforms: Platform[] = enabledPlatforms(args.config).map(([p]) => p);
  const store = new PlatformStore();
  const api = await startPlatformApi({ store, ...(args.now ? { now: args.now } : {}) });
  const demoDir = join(args.dataDir, 'demo');
  mkdirSync(demoDir, { recursive: true });
  const credentialsFile = join(demoDir, 'credentials.json');
  writeFileSync(credentialsFile, `${JSON.stringify(LOCAL_PLATFORM_CREDENTIALS, null, 2)}\n`);
  const postsFile = join(demoDir, 'posts.json');
  const stateFile = join(demoDir, 'state.json');
  // The demo resumes after a restart only for the same seed and configuration; anything else starts over.
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([args.seed, args.config.campaigns, platforms]))
    .digest('hex');
  const saved = loadState(stateFile, fingerprint);

  const generator = new DemoGenerator({
    config: args.config,
    platforms,
    store,
    seed: args.seed,
    speed: args.speed,
    ...(args.now ? { now: args.now } : {}),
    ...(args.lateShare ? { lateShare: args.lateShare } : {}),
    ...(args.durationSeconds !== undefined ? { durationMs: args.durationSeconds * 1000 } : {}),
    onFrozen: () =>
      writeFileSync(postsFile, `${JSON.stringify({ frozen: true, posts: generator.snapshot() }, null, 2)}\n`),
    onChange: () => saveState(stateFile, fingerprint, generator.exportState()),
  });
  if (saved) generator.restore(saved);
  else generator.seed();
  generator.start();

  const faultRng = new SeededRandom(args.seed ^ 0x5eed);
  const faults = setInterval(() => {
    if (api.requests.length > KEEP_REQUESTS) api.requests.splice(0, api.requests.length - KEEP_REQUESTS);
    if (generator.frozen) return;
    const platform = faultRng.pick(platforms);
    if (faultRng.chance(0.25)) api.faults.next({ kind: 'status', status: 503 }, { platform });
    else api.faults.next({ kind: 'mutate', mutate: breakFirstItem }, { platform });
  }, FAULT_PERIOD_MS);
  faults.unref();

  return {
    url: api.url,
    baseUrlFor: (platform) => api.baseUrls[platform],
    credentialsFile,
    stats: () => ({ posts: generator.postCount, frozen: generator.frozen }),
    stop: async () => {
      clearInterval(faults);
      generator.stop();
      await api.close();
    },
  };
};

interface SavedState {
  fingerprint: string;
  state: DemoState;
}

const loadState = (file: string, fingerprint: string): DemoState | undefined => {
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedState;
    return saved.fingerprint === fingerprint && saved.state?.version === 1 ? saved.state : undefined;
  } catch {
    return undefined; // unreadable: start a fresh demo
  }
};

/** Written to a temporary file and renamed, so a kill -9 leaves either the old or the new state. */
const saveState = (file: string, fingerprint: string, state: DemoState): void => {
  const saved: SavedState = { fingerprint, state };
  writeFileSync(`${file}.tmp`, JSON.stringify(saved));
  renameSync(`${file}.tmp`, file);
};
