import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs `infra/local/main.ts` as a real process (no npx/tsx wrapper: one pid, so kill -9 kills it all). */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ReadyEvent {
  event: 'ready';
  dashboard: string;
  api: string;
  openapi: string;
  platformApi?: string;
  demo: boolean;
  speed: number;
  recovering: boolean;
}

export interface StatusEvent {
  event: 'status';
  pollsRun: number;
  pollErrors: number;
  pollFailures: number;
  observationsQueued: number;
  observationsApplied: number;
  aggregateFailures: number;
  queueDepth: number;
  dlqDepth: number;
  rollupItems: number;
  errors: number;
  lastError?: string;
  demo?: { posts: number; frozen: boolean };
}

export interface TwinProcess {
  child: ChildProcess;
  ready: Promise<ReadyEvent>;
  latest(): StatusEvent | undefined;
  waitForStatus(
    what: string,
    predicate: (s: StatusEvent) => boolean,
    timeoutMs: number,
  ): Promise<StatusEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ctrl-C as a terminal sends it: SIGINT to every process of the twin's group, engines included. */
  pressCtrlC(): void;
  stdout(): string;
  stderr(): string;
}

export const runTwin = (args: readonly string[]): TwinProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, so a test can send Ctrl-C to it the way a terminal does.
    detached: true,
  });
  let out = '';
  let err = '';
  let buffered = '';
  let latest: StatusEvent | undefined;
  const waiters = new Set<() => void>();
  let resolveReady: (e: ReadyEvent) => void = () => {};
  let rejectReady: (e: Error) => void = () => {};
  const ready = new Promise<ReadyEvent>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  // Callers that only wait for the exit never look at `ready`; its rejection is not an unhandled error.
  ready.catch(() => {});
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{"event"')) continue; // function logs (WARN and above) share stdout
      const parsed = JSON.parse(line) as { event: string };
      if (parsed.event === 'ready') resolveReady(parsed as ReadyEvent);
      if (parsed.event === 'status') latest = parsed as StatusEvent;
      for (const wake of waiters) wake();
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => {
      rejectReady(new Error(`twin exited (${code ?? signal}) before it was ready: ${err}`));
      for (const wake of waiters) wake();
      res({ code, signal });
    }),
  );

  const waitForStatus = (what: string, predicate: (s: StatusEvent) => boolean, timeoutMs: number) =>
    new Promise<StatusEvent>((res, rej) => {
      const check = () => {
        if (latest && predicate(latest)) {
          done();
          res(latest);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          rej(new Error(`twin exited while waiting for ${what}: ${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        rej(
          new Error(`timed out waiting for ${what}; last status ${JSON.stringify(latest)}; stderr: ${err}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const pressCtrlC = () => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
  };
  return {
    child,
    ready,
    latest: () => latest,
    waitForStatus,
    exited,
    pressCtrlC,
    stdout: () => out,
    stderr: () => err,
  };
};

/** Polls `probe` until it returns a value `accept`s; returns the last value either way after the deadline. */
export const eventually = async <T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 1_000,
): Promise<T> => {
  const end = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await probe();
  }
  return value;
};

/** SIGKILLs a twin a test left running (after a failure), and waits for it to exit. */
export const killIfRunning = async (twin: TwinProcess | undefined): Promise<void> => {
  if (twin && twin.child.exitCode === null && twin.child.signalCode === null) {
    twin.child.kill('SIGKILL');
    await twin.exited;
  }
};
