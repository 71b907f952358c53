import type { Argv, CommandModule } from 'yargs';
import { configFor, ExitCode, output, table, type GlobalArgs } from '../context.js';

interface CollectGpuArgs extends GlobalArgs {
  dir: string | undefined;
}

/** `slurmcast collect-gpu`: the GPU samples of the job Prolog/Epilog into the history store. */
export const collectGpuCommand: CommandModule<GlobalArgs, CollectGpuArgs> = {
  command: 'collect-gpu',
  describe: 'Collect the GPU samples of plugins/gpu/gpu-sample.sh (per job and node) into the history store',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs.option('dir', {
      type: 'string',
      describe:
        'Directory of the gpu-samples-<node>.jsonl files (default: the sampler’s, /var/spool/slurmcast/gpu)',
    }) as unknown as Argv<CollectGpuArgs>,
  handler: async (args) => {
    const config = await configFor(args);
    // The store and the XML parser load only when a collection runs, not for --help.
    const { collectGpuUse, DEFAULT_GPU_SPOOL_DIR } = await import('../../collect/gpu-use.js');
    const { createStore } = await import('../../store/create.js');
    const dir = args.dir ?? DEFAULT_GPU_SPOOL_DIR;
    const source = `slurm:${config.cluster}`;
    const store = await createStore(config.store);
    let result;
    try {
      result = await collectGpuUse(store, { dir, source });
    } finally {
      await store.close();
    }
    const problems = result.problems.map((p) => ({ file: p.file, line: p.line, reason: p.reason }));
    output(args, { source, dir, written: result.written, skipped: problems, store: store.description }, () =>
      [
        table(
          ['source', 'dir', 'job × node summaries', 'lines skipped'],
          [[source, dir, result.written, problems.length]],
        ),
        ...result.problems.map((p) => `skipped: ${p.message}`),
      ].join('\n'),
    );
    // Lines skipped: the rest is stored, but the run is only partly done.
    process.exitCode = problems.length > 0 ? ExitCode.partial : ExitCode.ok;
  },
};
