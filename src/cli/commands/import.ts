import type { Argv, CommandModule } from 'yargs';
import { ImportConflictError } from '../../collect/errors.js';
import type { ImportResult } from '../../collect/import-history.js';
import { parseInstant } from '../../shared/time.js';
import { configFor, ExitCode, loggerFor, output, table, UsageError, type GlobalArgs } from '../context.js';
import { bytesProgress, terminalProgress } from '../progress.js';

interface ImportArgs extends GlobalArgs {
  swf: string | undefined;
  'alibaba-gpu': string | undefined;
  nodes: string | undefined;
  start: string | undefined;
  strict: boolean;
  source: string | undefined;
  replace: boolean;
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
        describe: 'ISO 8601 instant of trace second 0, UTC unless it has an offset (with --alibaba-gpu)',
      })
      .option('strict', {
        type: 'boolean',
        default: false,
        describe: 'Reject the file at its first malformed line',
      })
      .option('source', {
        type: 'string',
        describe: 'Source name to import as (default: from the file name, e.g. swf:<name>)',
      })
      .option('replace', {
        type: 'boolean',
        default: false,
        describe: 'Replace the source if it holds other content (default: refuse)',
      })
      .conflicts('swf', 'alibaba-gpu')
      .check((a) => {
        if (a.swf === undefined && a['alibaba-gpu'] === undefined)
          throw new UsageError('give --swf FILE or --alibaba-gpu PODS');
        if (a['alibaba-gpu'] !== undefined && a.start === undefined)
          throw new UsageError('--alibaba-gpu needs --start <ISO date-time>');
        if (a.start !== undefined) parseInstant(a.start, '--start'); // exit 2 before the store is touched
        if (a.source !== undefined && a.source.trim() === '')
          throw new UsageError('--source needs a name, e.g. --source swf:kth-copy');
        return true;
      }),
  handler: async (args) => {
    const config = await configFor(args);
    const logger = await loggerFor(config);
    // The readers and the store (better-sqlite3, influx) load only when an import runs.
    const { importAlibabaGpu, importSwf } = await import('../../collect/import-history.js');
    const { createStore, spoolStatus } = await import('../../store/create.js');
    const store = await createStore(config.store);
    let result: ImportResult;
    const progress = terminalProgress(args.json);
    const common = {
      strict: args.strict,
      replace: args.replace,
      ...(args.source === undefined ? {} : { source: args.source }),
    };
    try {
      if (args.swf !== undefined) {
        result = await importSwf(store, args.swf, {
          ...common,
          logger,
          onProgress: (p) => progress.update(bytesProgress('importing', p)),
        });
      } else {
        result = await importAlibabaGpu(store, {
          podsPath: args['alibaba-gpu'] ?? '',
          start: args.start ?? '',
          ...common,
          logger,
          ...(args.nodes === undefined ? {} : { nodesPath: args.nodes }),
        });
      }
    } catch (error) {
      // Another file's content under an existing source name is a problem with the command line.
      if (error instanceof ImportConflictError) throw new UsageError(error.message, { cause: error });
      throw error;
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
              'outcome',
              'imported',
              'skipped',
              'duplicate ids',
              'jobs in store',
              ...(result.inventoryNodes === undefined ? [] : ['inventory nodes']),
            ],
            [
              [
                result.source,
                result.outcome,
                result.imported,
                result.skipped,
                result.duplicates,
                result.jobsInStore,
                ...(result.inventoryNodes === undefined ? [] : [result.inventoryNodes]),
              ],
            ],
          ),
          result.outcome === 'unchanged'
            ? `nothing added: the store already holds this content as ${result.sameContentAs ?? result.source}`
            : '',
          ...result.skips.slice(0, 10).map((s) => `skipped line ${s.line}: ${s.reason}`),
          spool?.pending === true
            ? `InfluxDB did not take every write (${spool.lastError?.message ?? ''}); spooled, replayed on the next run`
            : '',
        ]
          .filter((line) => line !== '')
          .join('\n'),
    );
    // Partly done (exit 3): lines of the file were skipped, or writes wait in the spool for the server.
    const partial = spool?.pending === true || result.skipped > 0;
    process.exitCode = partial ? ExitCode.partial : ExitCode.ok;
  },
};
