import { SlurmcastError } from '../shared/errors.js';

/** The config file is missing, unreadable or does not match the schema. */
export class ConfigError extends SlurmcastError {
  // A union, so that each subclass keeps a literal name of its own.
  override readonly name: 'ConfigError' | 'ParameterRangeError' = 'ConfigError';
  readonly retryable = false;
  /** The config file involved, if any. */
  readonly path: string | undefined;
  /** One entry per problem: the dotted key and what was expected there. */
  readonly issues: readonly { key: string; message: string }[];
  constructor(
    message: string,
    details: { path?: string; issues?: readonly { key: string; message: string }[]; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.path = details.path;
    this.issues = details.issues ?? [];
  }
}
