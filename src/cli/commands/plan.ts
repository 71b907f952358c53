import type { Argv, CommandModule } from 'yargs';
import { output, type GlobalArgs } from '../context.js';
import { runEngineCommand } from '../engine-run.js';

interface PlanArgs extends GlobalArgs {
  out: string | undefined;
}

/** `slurmcast plan`: the plan of this cycle and why, read-only towards Slurm. */
export const planCommand: CommandModule<GlobalArgs, PlanArgs> = {
  command: 'plan',
  describe:
    'Print the capacity plan of this cycle and why (actions, reasons, forecasts, hysteresis); reads Slurm, changes nothing',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs.option('out', {
      type: 'string',
      describe: 'Also write the plan (JSON) to this file, for `slurmcast apply`',
    }) as unknown as Argv<PlanArgs>,
  handler: async (args) => {
    const result = await runEngineCommand(args, async ({ config, io, seams, onStep }) => {
      const { planFromConfig } = await import('../../engine/index.js');
      return planFromConfig(config, io, seams, { onStep });
    });
    if (args.out !== undefined) {
      const { writeFileAtomic } = await import('../../shared/atomic-write.js');
      await writeFileAtomic(args.out, `${JSON.stringify(result.plan, null, 2)}\n`);
    }
    const { renderPlan } = await import('../engine-render.js');
    output(args, result, () => renderPlan(result));
  },
};
