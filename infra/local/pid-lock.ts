import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export type PidLock = { release(): void };

/** The lock files this process holds, so a second taker in the same process waits instead of taking over. */
const heldHere = new Set<string>();

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const ownerOf = (path: string): number => {
  try {
    return Number(readFileSync(path, 'utf8'));
  } catch {
    return Number.NaN; // gone meanwhile, or not a pid file (a directory lock of an older version)
  }
};

const holdsIt = (path: string, owner: number): boolean =>
  Number.isInteger(owner) && owner > 0 && (owner === process.pid ? heldHere.has(path) : isAlive(owner));

/**
 * Takes the lock file `path` by creating it, atomically, with this process's pid. Answers the lock, or the pid of the
 * live process that holds it. A file left by a process that is gone (kill -9, a reused pid) is taken over, so a
 * crash never leaves a lock someone must remove by hand.
 */
export const takePidLock = (path: string): PidLock | { heldBy: number } => {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(path);
      return {
        release: () => {
          heldHere.delete(path);
          if (ownerOf(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = ownerOf(path);
      if (holdsIt(path, owner)) return { heldBy: owner };
      rmSync(path, { force: true, recursive: true });
    }
  }
  throw new Error(`cannot take the lock ${path}: another process keeps replacing it; remove it and retry`);
};
