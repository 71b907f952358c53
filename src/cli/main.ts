#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { ConfigError } from '../config/errors.js';
import { InvalidInstantError } from '../shared/time.js';
import { ExitCode, UsageError } from './context.js';

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
      // yargs reports its own validation failures (`.check`, missing options) as YError: a usage problem.
      if (error === undefined || error === null || error.name === 'YError') {
        throw new UsageError(message || (error?.message ?? 'invalid command line'));
      }
      throw error;
    })
    .exitProcess(false);
  try {
    await parser.parseAsync();
  } catch (error) {
    // A `.check` inside a command's builder makes yargs throw the bare message string.
    return reportFailure(typeof error === 'string' ? new UsageError(error) : error);
  }
  return Number(process.exitCode ?? ExitCode.ok);
}

function reportFailure(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`slurmcast: ${message}\n`);
  if (error instanceof UsageError) process.stderr.write('Run `slurmcast --help` for usage.\n');
  // Bad usage is exit 2 on every command: a wrong option, a config or parameter out of range
  // (ParameterRangeError is a ConfigError), a time that is not an ISO instant.
  const usage =
    error instanceof UsageError || error instanceof ConfigError || error instanceof InvalidInstantError;
  return usage ? ExitCode.usage : ExitCode.failure;
}

// A reader that stops early (`slurmcast … | head`) is not a failure of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
  throw error;
});
process.exitCode = await main(hideBin(process.argv));
