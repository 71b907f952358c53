import { SlurmError, type SlurmErrorOptions } from './errors.js';

/**
 * Passes SDK errors through; anything else (a bug, a library error) is wrapped so callers still get a
 * `SlurmError` with the original as `cause`.
 */
export function classifyUnexpected(error: unknown, options: SlurmErrorOptions): SlurmError {
  if (error instanceof SlurmError) return error;
  return new UnexpectedError(error instanceof Error ? error.message : String(error), {
    ...options,
    cause: error,
  });
}

/** Something failed that the SDK has no specific class for; `cause` holds the original. */
export class UnexpectedError extends SlurmError {
  override readonly name = 'UnexpectedError' as const;
  readonly retryable = false;
  constructor(detail: string, options: SlurmErrorOptions) {
    super(`${options.operation ?? 'Slurm call'} failed unexpectedly: ${detail}`, options);
  }
}
