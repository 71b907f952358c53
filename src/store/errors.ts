import { SlurmcastError } from '../shared/errors.js';

/**
 * The base of every store failure. Code branches on the subclass (or on `retryable`), never on the
 * message; messages say what happened and what to check, and never carry a password.
 */
export abstract class StoreError extends SlurmcastError {
  /** Which store failed, e.g. `influx 127.0.0.1:8086/slurmcast` or `embedded .slurmcast/history.db`. */
  readonly target: string;
  constructor(message: string, details: { target: string; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.target = details.target;
  }
}

/** The store's server cannot be reached (refused connection, timeout, 5xx). Trying later can help. */
export class StoreUnreachableError extends StoreError {
  override readonly name = 'StoreUnreachableError' as const;
  readonly retryable = true;
}

/**
 * The store answered but refused a write (bad credentials, missing database, a field type conflict,
 * a read-only file). Repeating the same write will fail the same way until the cause is fixed.
 */
export class StoreWriteRefusedError extends StoreError {
  override readonly name = 'StoreWriteRefusedError' as const;
  readonly retryable = false;
  /** HTTP status for a server store; undefined for the embedded store. */
  readonly status: number | undefined;
  constructor(message: string, details: { target: string; status?: number; cause?: unknown }) {
    super(message, details);
    this.status = details.status;
  }
}

/** A read was refused or failed (bad credentials, missing database, an invalid query). */
export class StoreQueryError extends StoreError {
  override readonly name = 'StoreQueryError' as const;
  readonly retryable = false;
  readonly status: number | undefined;
  constructor(message: string, details: { target: string; status?: number; cause?: unknown }) {
    super(message, details);
    this.status = details.status;
  }
}

/** The embedded store file exists but is not a readable Slurmcast store (damaged, or another file). */
export class StoreCorruptError extends StoreError {
  override readonly name = 'StoreCorruptError' as const;
  readonly retryable = false;
}

/** The embedded store file is locked by another process for longer than the busy timeout. */
export class StoreBusyError extends StoreError {
  override readonly name = 'StoreBusyError' as const;
  readonly retryable = true;
}

/** The spool holds a line that cannot be read back; replay stops there so nothing is skipped silently. */
export class SpoolCorruptError extends StoreError {
  override readonly name = 'SpoolCorruptError' as const;
  readonly retryable = false;
  /** 1-based line number of the damaged entry. */
  readonly line: number;
  constructor(message: string, details: { target: string; line: number; cause?: unknown }) {
    super(message, details);
    this.line = details.line;
  }
}

/**
 * Another import of the same source was published while this one ran, so publishing this one would
 * replace content it never saw. Nothing of this import was published; importing again decides anew.
 */
export class StoreConflictError extends StoreError {
  override readonly name = 'StoreConflictError' as const;
  readonly retryable = true;
}

/** The store was used after `close()`. A programming error. */
export class StoreClosedError extends StoreError {
  override readonly name = 'StoreClosedError' as const;
  readonly retryable = false;
}
