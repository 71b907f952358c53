import type { SlurmClient } from '../../sdk/index.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/errors.js';
import type { Logger } from '../shared/logger.js';

/** Options every command accepts. */
export interface GlobalArgs {
  json: boolean;
  config: string | undefined;
}

/** Exit codes, the same on every command (docs/cli.md): 0 ok, 1 failure, 2 bad usage, 3 partly done. */
export const ExitCode = { ok: 0, failure: 1, usage: 2, partial: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The command line itself is wrong (missing or conflicting options): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

/** Loads the config named by `--config` (or $SLURMCAST_CONFIG); defaults when neither is given. */
export async function configFor(args: GlobalArgs): Promise<Config> {
  // Loaded when a command needs it, so that `--help` and usage errors start fast (zod, yaml).
  const { loadConfig } = await import('../config/load.js');
  return loadConfig(args.config ?? process.env['SLURMCAST_CONFIG']);
}

/**
 * The Slurm client for a command. Warnings about how it connects (ssh host key checking off) go to
 * stderr once, here, so that no command can build a client and leave its user uninformed.
 */
export async function slurmClientFor(config: Config): Promise<SlurmClient> {
  // Loaded when a command needs it (ssh, HTTP), so that `--help` and usage errors start fast.
  const { clientFromConfig } = await import('../../sdk/index.js');
  const client = clientFromConfig(config.slurm);
  for (const warning of client.warnings) process.stderr.write(`slurmcast: warning: ${warning}\n`);
  return client;
}

/** Prints a result: JSON for machines, or the human rendering. */
export function output(args: GlobalArgs, result: unknown, human: () => string): void {
  process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${human()}\n`);
}

/** Renders rows as an aligned text table. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers, ...rows].map((row) =>
    row.map((c) => (c === null || c === undefined ? '-' : String(c))),
  );
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The structured log for a command: the config's `log` section, overridden by $SLURMCAST_LOG_LEVEL /
 * $SLURMCAST_LOG_FILE. Call it before the command changes anything, so a bad level changes nothing.
 * @throws {ConfigError} for an unknown level in the environment (exit 2).
 */
export async function loggerFor(config: Config): Promise<Logger> {
  const { createLogger, LogEnv, LoggerConfigError } = await import('../shared/logger.js');
  try {
    return createLogger({
      level: config.log.level,
      ...(config.log.file === undefined ? {} : { file: config.log.file }),
      env: process.env,
    });
  } catch (error) {
    if (!(error instanceof LoggerConfigError)) throw error;
    throw new ConfigError(error.message, {
      issues: [{ key: LogEnv.level, message: error.hint }],
      cause: error,
    });
  }
}
