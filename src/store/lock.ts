import * as fs from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { removeOnAbort } from '../shared/abort-cleanup.js';
import { StoreBusyError } from './errors.js';

/** How long to wait for another process's lock, and when a lock left by a dead process is stale. */
export interface LockOptions {
  /** Give up after this long, ms; default 30,000. */
  waitMs?: number;
  /** A lock not refreshed for this long belongs to a dead process and is taken over, ms; default 20,000. */
  staleMs?: number;
}

/**
 * Runs `work` holding an exclusive lock named `name` in directory `dir` (a `<name>.lock` directory,
 * through proper-lockfile), so that two processes never do it at once. A command stopped by a signal
 * while holding it has the lock directory removed by the CLI (see `removeOnAbort`).
 * @throws {StoreBusyError} when another process holds the lock for longer than `waitMs`.
 * @example await withLock('.slurmcast/spool', 'spool', () => replay());
 */
export async function withLock<T>(
  dir: string,
  name: string,
  work: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const waitMs = options.waitMs ?? 30_000;
  const target = join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      fs: registeringFs(`${target}.lock`),
      stale: options.staleMs ?? 20_000,
      retries: { retries: Math.max(0, Math.ceil(waitMs / 250)), minTimeout: 250, maxTimeout: 250, factor: 1 },
    });
  } catch (cause) {
    throw new StoreBusyError(
      `another slurmcast process holds ${target}.lock (waited ${Math.round(waitMs / 1000)} s): wait for it to finish, or remove the lock directory if no slurmcast process is running`,
      { target, cause },
    );
  }
  try {
    return await work();
  } finally {
    await release();
  }
}

/**
 * The file system proper-lockfile works through, with the lock directory registered for removal on
 * abort (`removeOnAbort`) from the moment this process creates it to the moment it removes it, and
 * not a moment outside: a lock that another process holds must never be removed by our abort. Both
 * steps are synchronous so that no turn of the event loop separates the directory from its
 * registration.
 */
function registeringFs(lockDir: string): typeof fs {
  let unregister: (() => void) | undefined;
  return {
    ...fs,
    mkdir: ((path: fs.PathLike, callback: (error: NodeJS.ErrnoException | null) => void) => {
      try {
        fs.mkdirSync(path);
      } catch (error) {
        callback(error as NodeJS.ErrnoException);
        return;
      }
      if (String(path) === lockDir) unregister = removeOnAbort(lockDir);
      callback(null);
    }) as typeof fs.mkdir,
    rmdir: ((path: fs.PathLike, callback: (error: NodeJS.ErrnoException | null) => void) => {
      if (String(path) === lockDir) {
        unregister?.();
        unregister = undefined;
      }
      fs.rmdir(path, callback);
    }) as typeof fs.rmdir,
  };
}
