import type { Argv, CommandModule } from 'yargs';
import type { ImportResult } from '../../collect/import-history.js';
import { configFor, ExitCode, output, table, UsageError, type GlobalArgs } from '../context.js';
import { bytesProgress, terminalProgress } from '../progress.js';

interface ImportArgs extends GlobalArgs {
  swf: string | undefined;
  'alibaba-gpu': string | undefined;
  nodes: string | undefined;
  start: string | undefined;
  strict: boolean;
}

/** `slurmcast import`: a public workload log into the configured history store. */
export const importCommand: CommandModule<GlobalArgs, ImportArgs> = {
  command: 'import',
  describe: 'Import a workload log (SWF, or the Alibaba GPU trace) into the configured history store',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .option('swf', { type: 'string', describe: 'Standard Workload Format log (plain or .gz)' })
      .option('alibaba-gpu', { type: 'string', describe: 'Alibaba GPU trace pod list (CSV, plain or .gz)' })
      .option('nodes', {
        type: 'string',
        describe: 'Alibaba node list, stored as the inventory (with --alibaba-gpu)',
      })
      .option('start', {
        type: 'string',
        describe: 'ISO 8601 instant of trace second 0 (with --alibaba-gpu)',
      })
      .option('strict', {
        type: 'boolean',
        default: false,
        describe: 'Reject the file at its first malformed line',
      })
      .conflicts('swf', 'alibaba-gpu')
      .check((a) => {
        if (a.swf === undefined && a['alibaba-gpu'] === undefined)
          throw new UsageError('give --swf FILE or --alibaba-gpu PODS');
        if (a['alibaba-gpu'] !== undefined && a.start === undefined)
          throw new UsageError('--alibaba-gpu needs --start <ISO date-time>');
        return true;
      }),
  handler: async (args) => {
    const config = await configFor(args);
    // The readers and the store (better-sqlite3, influx) load only when an import runs.
    const { importAlibabaGpu, importSwf } = await import('../../collect/import-history.js');
    const { createStore, spoolStatus } = await import('../../store/create.js');
    const store = await createStore(config.store);
    let result: ImportResult;
    const progress = terminalProgress(args.json);
    try {
      if (args.swf !== undefined) {
        result = await importSwf(store, args.swf, {
          strict: args.strict,
          onProgress: (p) => progress.update(bytesProgress('importing', p)),
        });
      } else {
        result = await importAlibabaGpu(store, {
          podsPath: args['alibaba-gpu'] ?? '',
          start: args.start ?? '',
          strict: args.strict,
          ...(args.nodes === undefined ? {} : { nodesPath: args.nodes }),
        });
      }
    } finally {
      progress.end();
      await store.close();
    }
    const spool = spoolStatus(store);
    output(
      args,
      {
        ...result,
        store: store.description,
        ...(spool === undefined ? {} : { spoolPending: spool.pending }),
      },
      () =>
        [
          table(
            [
              'source',
              'imported',
              'skipped',
              'jobs in store',
              ...(result.inventoryNodes === undefined ? [] : ['inventory nodes']),
            ],
            [
              [
                result.source,
                result.imported,
                result.skipped,
                result.jobsInStore,
                ...(result.inventoryNodes === undefined ? [] : [result.inventoryNodes]),
              ],
            ],
          ),
          ...result.skips.slice(0, 10).map((s) => `skipped line ${s.line}: ${s.reason}`),
          spool?.pending === true
            ? `InfluxDB did not take every write (${spool.lastError?.message ?? ''}); spooled, replayed on the next run`
            : '',
        ]
          .filter((line) => line !== '')
          .join('\n'),
    );
    process.exitCode = spool?.pending === true ? ExitCode.partial : ExitCode.ok;
  },
};
