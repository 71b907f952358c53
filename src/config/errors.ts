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
  /** Where in the file a syntax error is (1-based), when the file could not be parsed. */
  readonly position: { line: number; column: number } | undefined;
  constructor(
    message: string,
    details: {
      path?: string;
      issues?: readonly { key: string; message: string }[];
      position?: { line: number; column: number };
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.path = details.path;
    this.issues = details.issues ?? [];
    this.position = details.position;
  }
}
