import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { writeFileAtomic } from '../../shared/atomic-write.js';
import { numberOption, resolveRunParams } from '../../config/params.js';
import { systemClock } from '../../shared/clock.js';
import { configFor, output, table, type GlobalArgs } from '../context.js';
import { terminalProgress } from '../progress.js';

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
    const { demoMarkdown, DemoHeaders, DemoLegend, demoTableRows, demoVerdict, runDemo } =
      await import('../../sim/demo.js');
    const config = await configFor(args);
    const progress = terminalProgress(args.json);
    let result: ReturnType<typeof runDemo>;
    try {
      result = runDemo({
        clock: systemClock,
        seed: args.seed,
        costs: config.costs,
        ...(args.quantile === undefined ? {} : { quantile: args.quantile }),
        onProgress: (policy, fraction) =>
          progress.update({ label: `simulating ${policy}`, done: fraction, total: 1, unit: '' }),
      });
    } finally {
      progress.end();
    }
    await mkdir(args.out, { recursive: true });
    const jsonPath = join(args.out, 'results.json');
    const mdPath = join(args.out, 'results.md');
    // Written whole or not at all: a stopped demo leaves the previous results (or none), never half a file.
    await writeFileAtomic(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    await writeFileAtomic(mdPath, demoMarkdown(result));
    output(args, { ...result, written: [jsonPath, mdPath] }, () =>
      [
        `Synthetic month (${result.jobs.total} jobs): learnt from days 1–21, simulated days 22–28 (${result.jobs.simulated} jobs), boot ${result.bootS} s, idle ${result.idleS} s.`,
        demoVerdict(result),
        '',
        table(DemoHeaders, demoTableRows(result)),
        '',
        ...DemoLegend,
        '',
        `Results written to ${jsonPath} and ${mdPath}.`,
      ].join('\n'),
    );
  },
};
