import type { Argv, CommandModule } from 'yargs';
import type { ApplyReport } from '../../act/index.js';
import { configFor, ExitCode, output, slurmClientFor, type GlobalArgs } from '../context.js';

interface ApplyArgs extends GlobalArgs {
  plan: string;
  apply: boolean;
}

/** The exit code of an apply or revert: 3 when Slurm refused part of it. */
export function exitCodeOf(report: ApplyReport): number {
  return report.partial ? ExitCode.partial : ExitCode.ok;
}

/** `slurmcast apply PLAN.json [--apply]`: a saved plan against fresh Slurm state; a dry run unless --apply. */
export const applyCommand: CommandModule<GlobalArgs, ApplyArgs> = {
  command: 'apply <plan>',
  describe: 'Apply a saved plan (JSON) to Slurm: shows the operations; sends them only with --apply',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .positional('plan', {
        type: 'string',
        demandOption: true,
        describe: 'The plan file (JSON, as `plan --json` writes it)',
      })
      .option('apply', {
        type: 'boolean',
        default: false,
        describe: 'Send the operations (without it: a dry run that sends nothing)',
      }) as unknown as Argv<ApplyArgs>,
  handler: async (args) => {
    const config = await configFor(args);
    const { readPlanFile } = await import('../plan-file.js');
    // A bad file is exit 2 before anything is read from Slurm.
    const plan = await readPlanFile(args.plan);
    // The actuator and the Slurm client load only when an apply runs, not for --help.
    const { applyPlan, renderReport } = await import('../../act/index.js');
    const { inventoryFromNodes } = await import('../../plan/index.js');
    const { ListNodes } = await import('../../../sdk/index.js');
    const client = await slurmClientFor(config);
    let report: ApplyReport;
    try {
      // A plan from `slurmcast plan` names node types as the planner's inventory does (`cpu-64c-in-a+b`),
      // one written by hand as the actuator's defaults (`cpu-8c`): the actuator is given both.
      const inventory = inventoryFromNodes(await client.send(new ListNodes()), { atS: plan.createdAtS });
      const nodeTypes = Object.fromEntries(inventory.nodes.map((n) => [n.name, n.type]));
      report = await applyPlan(client, plan, { dryRun: !args.apply, config: config.act, nodeTypes });
    } finally {
      await client.close();
    }
    output(args, report, () => renderReport(report));
    process.exitCode = exitCodeOf(report);
  },
};
