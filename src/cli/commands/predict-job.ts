import type { Argv, CommandModule } from 'yargs';
import type { JobPrediction } from '../../forecast/jobs.js';
import { checkParam, numberOption } from '../../config/params.js';
import { configFor, output, table } from '../context.js';
import { historySourceOptions, jobBatchesThenClose, openStoreForReading } from '../history-store.js';
import type { GlobalArgs } from '../context.js';

interface PredictJobArgs extends GlobalArgs {
  swf: string | undefined;
  store: string | undefined;
  source: string | undefined;
  job: string;
  tz: string | undefined;
  seed: number;
}

async function computePrediction(args: PredictJobArgs): Promise<JobPrediction> {
  // Loaded here, not at start-up: the forests and readers are only for a command that predicts.
  const { readSwf, readSwfHeader, swfTimeZone } = await import('../../collect/swf.js');
  const { predictJobFromHistory } = await import('../../forecast/application.js');
  const jobId = String(args.job);
  if (args.swf !== undefined) {
    const timeZone = args.tz ?? swfTimeZone(await readSwfHeader(args.swf));
    return predictJobFromHistory({ jobs: readSwf(args.swf), jobId, timeZone, seed: args.seed });
  }
  const config = await configFor(args);
  const store = await openStoreForReading(args.store ?? '', config);
  const filter = args.source === undefined ? {} : { source: args.source };
  // Read before the jobs: iterating them to the end closes the store.
  const gpuUse = await store.gpuUse(filter);
  const jobs = jobBatchesThenClose(store, filter);
  return predictJobFromHistory({
    jobs,
    jobId,
    timeZone: args.tz ?? config.timeZone,
    seed: args.seed,
    gpuUse,
  });
}

/** Says where "GPUs used" came from, so an echoed request is never mistaken for a measurement. */
export function gpusUsedSource(
  p: Pick<JobPrediction, 'gpusUsedFrom' | 'gpusUsedSampledJobs' | 'gpuCount'>,
): string {
  if (p.gpusUsedFrom === 'samples') return `GPU samples of ${p.gpusUsedSampledJobs} earlier jobs of the user`;
  return p.gpuCount === 0 ? 'request (no GPUs)' : 'request: no GPU samples of the user’s earlier jobs';
}

const argsProblem = (args: Partial<PredictJobArgs>): string | null =>
  [args.swf, args.store].filter((s) => s !== undefined).length === 1
    ? null
    : 'give exactly one of --swf FILE or --store [FILE]';

/** `slurmcast predict-job`: runtime, GPUs used and peak memory of one job, learned from earlier jobs. */
export const predictJobCommand: CommandModule<GlobalArgs, PredictJobArgs> = {
  command: 'predict-job',
  describe: 'Predict a job’s runtime, GPUs used and peak memory from jobs that ended before it was submitted',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .options(historySourceOptions)
      .option('job', { type: 'string', demandOption: true, describe: 'Job id' })
      .option('tz', { type: 'string', describe: 'IANA time zone (default: the log’s, or config timeZone)' })
      .option('seed', numberOption('seed'))
      .check((argv) => {
        checkParam('seed', Number(argv.seed));
        return argsProblem(argv as Partial<PredictJobArgs>) ?? true;
      }) as unknown as Argv<PredictJobArgs>,
  handler: async (args) => {
    if (argsProblem(args) !== null) return;
    const p = await computePrediction(args);
    output(args, p, () =>
      table(
        [
          'job',
          'time limit s',
          'predicted runtime s',
          'GPUs',
          'GPUs used',
          'GPUs used from',
          'mem MiB',
          'peak mem MiB',
          'method',
          'trained on',
        ],
        [
          [
            p.jobId,
            p.timeLimitS,
            Math.round(p.runtimeS),
            p.gpuCount,
            p.gpusUsed,
            gpusUsedSource(p),
            p.memMiB,
            p.peakMemMiB === null ? null : Math.round(p.peakMemMiB),
            p.method,
            p.trainedOn,
          ],
        ],
      ),
    );
  },
};
