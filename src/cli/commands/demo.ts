import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { demoMarkdown, DemoHeaders, demoTableRows, runDemo } from '../../sim/demo.js';
import { numberOption, resolveRunParams } from '../../config/params.js';
import { systemClock } from '../../shared/clock.js';
import { configFor, output, table, type GlobalArgs } from '../context.js';

interface DemoArgs extends GlobalArgs {
  seed: number;
  quantile: number | undefined;
  out: string;
}

/** `slurmcast demo`: the main job — a synthetic month, every policy, no server and no Slurm. */
export const demoCommand: CommandModule<GlobalArgs, DemoArgs> = {
  command: 'demo',
  describe: 'Simulate a synthetic month with every policy (no server, no Slurm) and compare them',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .option('seed', numberOption('seed'))
      .option('quantile', numberOption('quantile'))
      .option('out', {
        type: 'string',
        default: '.slurmcast/demo',
        describe: 'Where the results are written',
      })
      // The same resolver runDemo uses: a bad number is a ParameterRangeError, exit 2.
      .check((a) => {
        resolveRunParams('predictive', { seed: a.seed, quantile: a.quantile });
        return true;
      }) as unknown as Argv<DemoArgs>,
  handler: async (args: ArgumentsCamelCase<DemoArgs>) => {
    const config = await configFor(args);
    const bar =
      process.stderr.isTTY && !args.json
        ? new cliProgress.SingleBar(
            { format: 'simulating {policy} [{bar}] {percentage}%', hideCursor: true, stream: process.stderr },
            cliProgress.Presets.shades_classic,
          )
        : null;
    bar?.start(100, 0, { policy: '' });
    const result = runDemo({
      clock: systemClock,
      seed: args.seed,
      costs: config.costs,
      ...(args.quantile === undefined ? {} : { quantile: args.quantile }),
      onProgress: (policy, fraction) => bar?.update(Math.round(fraction * 100), { policy }),
    });
    bar?.update(100, { policy: 'done' });
    bar?.stop();
    await mkdir(args.out, { recursive: true });
    const jsonPath = join(args.out, 'results.json');
    const mdPath = join(args.out, 'results.md');
    await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(mdPath, demoMarkdown(result));
    output(args, { ...result, written: [jsonPath, mdPath] }, () =>
      [
        `Synthetic month (${result.jobs.total} jobs): learnt from days 1–21, simulated days 22–28 (${result.jobs.simulated} jobs), boot ${result.bootS} s, idle ${result.idleS} s.`,
        '',
        table(DemoHeaders, demoTableRows(result)),
        '',
        `Results written to ${jsonPath} and ${mdPath}.`,
      ].join('\n'),
    );
  },
};
