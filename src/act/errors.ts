import { SlurmcastError } from '../shared/errors.js';
import type { ApplyReport } from './types.js';

/** The base of the actuator's errors; each says what to do in `hint`. */
export abstract class ActError extends SlurmcastError {
  abstract override readonly name: 'ActStateError' | 'SlurmUnavailableError' | 'ActUnsupportedError';
  /** What to check or do. */
  readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(`${message}: ${hint}`, options);
    this.hint = hint;
  }
}

/** The state directory (ownership key, ledger) cannot be read or written, or holds something else. */
export class ActStateError extends ActError {
  override readonly name = 'ActStateError' as const;
  readonly retryable = false;
  readonly path: string;
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(
      `${path}: ${problem}`,
      'check act.stateDir in the config; the ledger and the key there are what Slurmcast owns, do not edit them by hand',
      options,
    );
    this.path = path;
  }
}

/**
 * Slurm stopped answering (slurmctld down or restarting, host unreachable, timeout) before or between
 * operations. What was applied before is in `report` and in the audit log; nothing else was sent, and
 * the next apply starts again from fresh state.
 */
export class SlurmUnavailableError extends ActError {
  override readonly name = 'SlurmUnavailableError' as const;
  readonly retryable = true;
  /** What this apply did before Slurm stopped answering (empty when reading state failed). */
  readonly report: ApplyReport;
  constructor(message: string, report: ApplyReport, options?: { cause?: unknown }) {
    super(
      message,
      'nothing more was sent; run the same apply again once `slurmcast doctor` passes: it converges from what Slurm has',
      options,
    );
    this.report = report;
  }
}

/** The configured Slurm client cannot write reservations or nodes (slurmrestd v0.0.38 without writesVia). */
export class ActUnsupportedError extends ActError {
  override readonly name = 'ActUnsupportedError' as const;
  readonly retryable = false;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      `the Slurm connection cannot act: ${reason}`,
      'set slurm.rest.writesVia to local or ssh (scontrol) or use slurm.transport local or ssh; a dry run works without it',
      options,
    );
  }
}
