import { pino, type DestinationStream, type Logger } from 'pino';
import { Redactor } from '../../sdk/redact.js';
import { SlurmcastError } from './errors.js';

/**
 * The structured log: one JSON object per line (pino), to stderr or appended to a file, so that
 * progress and warnings of long work (imports, collect runs, and next the adjust cycle) can be read by
 * a person and by a log shipper alike. Standard output stays the command's result.
 */
export type { Logger };

/** Log levels, most severe first; `silent` logs nothing. */
export const LogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LogLevels)[number];

/** The environment variables that override the config's `log` section. */
export const LogEnv = { level: 'SLURMCAST_LOG_LEVEL', file: 'SLURMCAST_LOG_FILE' } as const;

/**
 * Keys whose values never reach the log, at the top level or one object down (pino `redact` paths).
 * Secrets are named this way wherever they are carried; values are also scrubbed of anything shaped
 * like a JWT and of the secrets a caller registered, whatever key they sit under.
 */
export const RedactedKeys = [
  'password',
  'passphrase',
  'token',
  'jwt',
  'secret',
  'authorization',
  'privateKey',
  'SLURM_JWT',
] as const;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Default `warn`; `$SLURMCAST_LOG_LEVEL` overrides it. */
  level?: LogLevel;
  /** Append to this file instead of writing to stderr; `$SLURMCAST_LOG_FILE` overrides it. */
  file?: string;
  /** Where the environment overrides are read; default none (pass `process.env` at the edge). */
  env?: NodeJS.ProcessEnv;
  /** Secrets to scrub from every message and string field (e.g. the SDK's registered tokens). */
  redactor?: Redactor;
  /** Write here instead (tests). */
  destination?: DestinationStream;
}

/** Every logger setting, defaults applied. */
export interface ResolvedLoggerConfig {
  level: LogLevel;
  /** null: stderr. */
  file: string | null;
}

/** A log level or file that cannot be used. */
export class LoggerConfigError extends SlurmcastError {
  override readonly name = 'LoggerConfigError' as const;
  readonly retryable = false;
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(`${message}; ${hint}`);
    this.hint = hint;
  }
}

function isLevel(value: string): value is LogLevel {
  return (LogLevels as readonly string[]).includes(value);
}

/**
 * Applies the defaults and the environment overrides once.
 * @throws {LoggerConfigError} for an unknown level in the environment.
 */
export function resolveLoggerConfig(options: LoggerOptions = {}): ResolvedLoggerConfig {
  const envLevel = options.env?.[LogEnv.level];
  const envFile = options.env?.[LogEnv.file];
  if (envLevel !== undefined && envLevel !== '' && !isLevel(envLevel)) {
    throw new LoggerConfigError(
      `${LogEnv.level}=${JSON.stringify(envLevel)} is not a log level`,
      `use one of ${LogLevels.join(', ')}`,
    );
  }
  const level: LogLevel = envLevel !== undefined && envLevel !== '' ? envLevel : (options.level ?? 'warn');
  const file = envFile !== undefined && envFile !== '' ? envFile : (options.file ?? null);
  return { level, file };
}

function scrub(value: unknown, redactor: Redactor): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (value instanceof Error) return redactor.redactError(value);
  return value;
}

/**
 * A pino logger at the resolved level, to stderr or appended to a file, with secret keys censored
 * (`[REDACTED]`) and JWT-shaped or registered secrets scrubbed from messages and string fields.
 * @throws {LoggerConfigError} for an unknown level in the environment.
 * @example
 * const log = createLogger({ level: config.log.level, env: process.env });
 * log.info({ source, imported }, 'import: batch written');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const resolved = resolveLoggerConfig(options);
  const redactor = options.redactor ?? new Redactor();
  const destination =
    options.destination ??
    (resolved.file === null
      ? pino.destination({ fd: 2, sync: true })
      : pino.destination({ dest: resolved.file, append: true, mkdir: true, sync: true }));
  return pino(
    {
      level: resolved.level,
      base: { name: 'slurmcast' },
      redact: { paths: RedactedKeys.flatMap((k) => [k, `*.${k}`]), censor: '[REDACTED]' },
      formatters: {
        log: (object) => Object.fromEntries(Object.entries(object).map(([k, v]) => [k, scrub(v, redactor)])),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a, redactor)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

/** A logger that writes nothing: the default of library entry points, so a caller opts in. */
export const silentLogger: Logger = pino({ level: 'silent' });
