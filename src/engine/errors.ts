import { SlurmcastError } from '../shared/errors.js';

/** The base of every engine error. Code branches on the subclass, never on the message. */
export abstract class EngineError extends SlurmcastError {
  /** What to do about it, in words. */
  abstract readonly hint: string;
}

/** Another adjust or plan run holds the engine's lock: this one did nothing. */
export class EngineBusyError extends EngineError {
  override readonly name = 'EngineBusyError' as const;
  readonly retryable = true;
  readonly hint: string;
  /** The lock directory. */
  readonly lockPath: string;
  constructor(lockPath: string, waitedS: number, cause: unknown) {
    const hint =
      'wait for the other run to finish (cron or the systemd timer may have started it), or raise engine.lockWaitS; if no slurmcast process runs, its lock is taken over after 20 s';
    super(
      `another slurmcast adjust is running (lock ${lockPath}, waited ${waitedS} s); nothing was done: ${hint}`,
      { cause },
    );
    this.hint = hint;
    this.lockPath = lockPath;
  }
}

/** A file of the engine state directory cannot be read as engine state. */
export class EngineStateError extends EngineError {
  override readonly name = 'EngineStateError' as const;
  readonly retryable = false;
  readonly hint: string;
  readonly path: string;
  constructor(path: string, problem: string, cause?: unknown) {
    const hint = `move ${path} aside: the engine starts over from an empty state (the model is refitted, cooldowns restart)`;
    super(`engine state ${path} is not valid (${problem}): ${hint}`, { cause });
    this.hint = hint;
    this.path = path;
  }
}
