import { join } from 'node:path';
import { StoreBusyError } from '../store/errors.js';
import { withLock } from '../store/lock.js';
import type { CycleLock } from './cycle.js';
import { EngineBusyError } from './errors.js';

/** The lock's name in the state directory (`<stateDir>/adjust.lock`). */
export const CYCLE_LOCK_NAME = 'adjust';

/**
 * The engine's one-run-at-a-time lock: a lock directory in the state directory (`withLock`, which
 * removes it on Ctrl-C). A second run waits up to `lockWaitS` for the first, then gives up having done
 * nothing.
 * @throws {EngineBusyError} (from the returned lock) when another run holds it longer than `lockWaitS`.
 */
export function fileCycleLock(stateDir: string, options: { lockWaitS: number }): CycleLock {
  return async <T>(work: () => Promise<T>): Promise<T> => {
    let entered = false;
    try {
      return await withLock(
        stateDir,
        CYCLE_LOCK_NAME,
        () => {
          entered = true;
          return work();
        },
        { waitMs: options.lockWaitS * 1000 },
      );
    } catch (error) {
      // Only a lock this run never got is "busy"; a StoreBusyError from inside the work is the work's.
      if (!entered && error instanceof StoreBusyError)
        throw new EngineBusyError(join(stateDir, `${CYCLE_LOCK_NAME}.lock`), options.lockWaitS, error);
      throw error;
    }
  };
}
