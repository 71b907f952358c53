import type { Argv, CommandModule } from 'yargs';
import type { CollectResult } from '../../collect/collector.js';
import { systemClock } from '../../shared/clock.js';
import { configFor, ExitCode, output, table, UsageError, type GlobalArgs } from '../context.js';

interface CollectArgs extends GlobalArgs {
  overlap: number;
  since: string | undefined;
}

/** `slurmcast collect`: one incremental pull of sacct, the queue and the nodes into the history store. */
export const collectCommand: CommandModule<GlobalArgs, CollectArgs> = {
  command: 'collect',
  describe: 'Collect job history (sacct, from the stored watermark), a queue snapshot and a node snapshot',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .option('overlap', {
        type: 'number',
        default: 3600,
        describe: 'Seconds before the watermark to read again (late finishers)',
      })
      .option('since', {
        type: 'string',
        describe: 'Start at this ISO 8601 instant instead of the watermark',
      }),
  handler: async (args) => {
    const config = await configFor(args);
    const sinceMs = args.since === undefined ? undefined : Date.parse(args.since);
    if (sinceMs !== undefined && Number.isNaN(sinceMs))
      throw new UsageError(`--since ${args.since ?? ''} is not an ISO 8601 date-time`);
    // The Slurm client and the store load only when a collect runs, not for --help.
    const { clientFromConfig } = await import('../../../sdk/index.js');
    const { collect, slurmClusterReader } = await import('../../collect/collector.js');
    const { createStore } = await import('../../store/create.js');
    const client = clientFromConfig(config.slurm);
    const store = await createStore(config.store);
    let result: CollectResult;
    try {
      result = await collect(slurmClusterReader(client), store, {
        source: `slurm:${config.cluster}`,
        clock: systemClock,
        lockDir: config.store.spoolDir,
        overlapS: args.overlap,
        ...(sinceMs === undefined ? {} : { sinceS: sinceMs / 1000 }),
      });
    } finally {
      await store.close();
      await client.close();
    }
    output(args, { ...result, store: store.description }, () =>
      [
        table(
          ['source', 'from', 'watermark', 'jobs', 'queue entries', 'nodes'],
          [
            [
              result.source,
              iso(result.fromS),
              iso(result.watermarkS),
              result.jobs,
              result.queueEntries,
              result.nodes,
            ],
          ],
        ),
        result.spool === undefined
          ? ''
          : `spool: ${result.spool.replayed} replayed, ${result.spool.spooled} spooled this run${
              result.spool.pending
                ? `, waiting for InfluxDB (${result.spool.lastError ?? 'unreachable'})`
                : ''
            }`,
      ]
        .filter((line) => line !== '')
        .join('\n'),
    );
    // Spooled but not yet in the server: nothing is lost, but the run is only partly done.
    process.exitCode = result.spool?.pending === true ? ExitCode.partial : ExitCode.ok;
  },
};

function iso(s: number): string {
  return new Date(s * 1000).toISOString();
}
