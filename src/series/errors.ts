import { SlurmcastError } from '../shared/errors.js';

/**
 * Demand series could not be built as asked: a bad step or time zone, a range too large, an unknown
 * pool. Always a problem with the request, so retrying the same call does not help.
 */
export class SeriesError extends SlurmcastError {
  override readonly name = 'SeriesError' as const;
  readonly retryable = false;
  /** What was wrong, as a code callers can branch on. */
  readonly code: 'bad-step' | 'bad-time-zone' | 'bad-range' | 'too-many-buckets' | 'unknown-pool';
  constructor(code: SeriesError['code'], message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}
