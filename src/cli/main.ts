#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { ConfigError } from '../config/errors.js';
import { ExitCode } from './context.js';

/**
 * The `slurmcast` command line. Errors end the process with a message that says what to check, and
 * the exit code tells scripts what happened (see `ExitCode`).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const parser = yargs(argv as string[])
    .scriptName('slurmcast')
    .usage(
      '$0 <command> [options]\n\nForecast what a Slurm cluster will be asked for and prepare capacity ahead of it.',
    )
    .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON' })
    .option('config', { type: 'string', describe: 'Config file (YAML or JSON); default $SLURMCAST_CONFIG' })
    .command(commands)
    .demandCommand(1, 'Name a command (see --help).')
    .strict()
    .recommendCommands()
    .help()
    .version()
    .fail((message, error) => {
      // Throwing (rather than recording) stops yargs from running the command after a failed check.
      throw error ?? new UsageError(message);
    })
    .exitProcess(false);
  try {
    await parser.parseAsync();
  } catch (error) {
    return reportFailure(error);
  }
  return Number(process.exitCode ?? ExitCode.ok);
}

class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

function reportFailure(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`slurmcast: ${message}\n`);
  if (error instanceof UsageError) process.stderr.write('Run `slurmcast --help` for usage.\n');
  return error instanceof UsageError || error instanceof ConfigError ? ExitCode.usage : ExitCode.failure;
}

process.exitCode = await main(hideBin(process.argv));
