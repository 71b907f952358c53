import { mkdirSync } from 'node:fs';
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
  mkdirSync(dir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      stale: options.staleMs ?? 20_000,
      retries: { retries: Math.max(0, Math.ceil(waitMs / 250)), minTimeout: 250, maxTimeout: 250, factor: 1 },
    });
  } catch (cause) {
    throw new StoreBusyError(
      `another slurmcast process holds ${target}.lock (waited ${Math.round(waitMs / 1000)} s): wait for it to finish, or remove the lock directory if no slurmcast process is running`,
      { target, cause },
    );
  }
  // Registered only once it is ours: a lock another process holds must never be removed on our abort.
  const released = removeOnAbort(`${target}.lock`);
  try {
    return await work();
  } finally {
    await release();
    released();
  }
}
