import type { Argv, CommandModule } from 'yargs';
import type { CollectResult } from '../../collect/collector.js';
import { numberOption, resolveCollectParams } from '../../config/params.js';
import { systemClock } from '../../shared/clock.js';
import { formatInstant, parseInstant } from '../../shared/time.js';
import {
  configFor,
  ExitCode,
  loggerFor,
  output,
  slurmClientFor,
  table,
  type GlobalArgs,
} from '../context.js';

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
      .option('overlap', numberOption('overlapS'))
      .option('since', {
        type: 'string',
        describe: 'Start at this ISO 8601 instant (UTC unless it has an offset) instead of the watermark',
      })
      // The same resolvers collect() uses: a bad number or time is exit 2 before anything is read.
      .check((a) => {
        resolveCollectParams({ overlapS: a.overlap });
        if (a.since !== undefined) parseInstant(a.since, '--since');
        return true;
      }) as unknown as Argv<CollectArgs>,
  handler: async (args) => {
    const config = await configFor(args);
    const sinceS = args.since === undefined ? undefined : parseInstant(args.since, '--since');
    const logger = await loggerFor(config);
    // The Slurm client and the store load only when a collect runs, not for --help.
    const { collect, slurmClusterReader } = await import('../../collect/collector.js');
    const { createStore } = await import('../../store/create.js');
    const client = await slurmClientFor(config);
    const store = await createStore(config.store);
    let result: CollectResult;
    try {
      result = await collect(slurmClusterReader(client), store, {
        source: `slurm:${config.cluster}`,
        clock: systemClock,
        lockDir: config.store.spoolDir,
        logger,
        overlapS: args.overlap,
        ...(sinceS === undefined ? {} : { sinceS }),
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
  return formatInstant(s);
}
