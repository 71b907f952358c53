import yargs from 'yargs';
import { commands } from './commands/index.js';
import { ConfigError } from '../config/errors.js';
import { InvalidInstantError } from '../shared/time.js';
import { ClusterInventoryError } from '../sim/errors.js';
import { ExitCode, UsageError } from './context.js';
import { PlanFileError } from './plan-file.js';
import { stderrTerminal } from './worker-protocol.js';

/**
 * The `slurmcast` command line: parses `argv`, runs the command and returns the exit code. Errors are
 * reported on stderr with a message that says what to check, and the exit code tells scripts what
 * happened (see `ExitCode`). It runs in the worker thread that `main.ts` supervises.
 */
export async function runCommandLine(argv: readonly string[]): Promise<number> {
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
    // As yargs would by itself, but the command runs in a worker whose stdout is a pipe to the supervisor.
    .wrap(Math.min(80, stderrTerminal().stdoutColumns ?? 80))
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
  // (ParameterRangeError is a ConfigError), a time that is not an ISO instant, a machine to simulate
  // that the inventory named cannot describe.
  const usage =
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof InvalidInstantError ||
    error instanceof PlanFileError ||
    error instanceof ClusterInventoryError;
  return usage ? ExitCode.usage : ExitCode.failure;
}
