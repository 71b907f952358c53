import type { Argv, CommandModule } from 'yargs';
import type { ApplyReport } from '../../act/index.js';
import { configFor, output, slurmClientFor, type GlobalArgs } from '../context.js';
import { exitCodeOf } from './apply.js';

interface RevertArgs extends GlobalArgs {
  actionId: string | undefined;
  allOwned: boolean;
  apply: boolean;
}

/** `slurmcast revert <action-id> | --all-owned [--apply]`: undo what Slurmcast did; a dry run unless --apply. */
export const revertCommand: CommandModule<GlobalArgs, RevertArgs> = {
  command: 'revert [action-id]',
  describe:
    'Undo what one plan action did, or everything Slurmcast owns (--all-owned): shows the operations; sends them only with --apply',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .positional('action-id', { type: 'string', describe: 'The plan action id, as the audit log names it' })
      .option('all-owned', {
        type: 'boolean',
        default: false,
        describe: 'Every reservation Slurmcast owns and every node change in its ledger',
      })
      .option('apply', {
        type: 'boolean',
        default: false,
        describe: 'Send the operations (without it: a dry run that sends nothing)',
      })
      .check((a) =>
        (a['action-id'] === undefined) === !a['all-owned']
          ? 'give exactly one of an action id or --all-owned'
          : true,
      ) as unknown as Argv<RevertArgs>,
  handler: async (args) => {
    const config = await configFor(args);
    const { revertAction, revertAllOwned, renderReport } = await import('../../act/index.js');
    const client = await slurmClientFor(config);
    const options = { dryRun: !args.apply, config: config.act };
    let report: ApplyReport;
    try {
      report =
        args.actionId === undefined
          ? await revertAllOwned(client, options)
          : await revertAction(client, args.actionId, options);
    } finally {
      await client.close();
    }
    output(args, report, () => renderReport(report));
    process.exitCode = exitCodeOf(report);
  },
};
