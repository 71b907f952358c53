import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { JobPrediction } from '../../forecast/jobs.js';
import type {
  JobPredictionOutcome,
  JobToPredict,
  PredictJobsProgress,
  PredictJobsResult,
} from '../../forecast/predict-jobs.js';
import { checkParam, numberOption } from '../../config/params.js';
import { formatInstant } from '../../shared/time.js';
import { configFor, ExitCode, loggerFor, table, UsageError } from '../context.js';
import { historySourceOptions, openStoreForReading } from '../history-store.js';
import type { GlobalArgs } from '../context.js';
import { terminalProgress, type Progress } from '../progress.js';

interface PredictJobArgs extends GlobalArgs {
  swf: string | undefined;
  store: string | undefined;
  source: string | undefined;
  job: string[] | undefined;
  'jobs-file': string | undefined;
  tz: string | undefined;
  seed: number;
  cache: boolean;
  'cache-dir': string | undefined;
}

/** The model cache's directory under a state directory (config `engine.stateDir`, or `--cache-dir`). */
const JOB_MODELS_DIR = 'job-models';

/** Reads a jobs file, or standard input for `-`. @throws {UsageError} when it cannot be read. */
async function readJobsFile(path: string): Promise<string> {
  // The command runs in a worker thread, whose process.stdin is not the terminal's: read fd 0 itself.
  const stream = path === '-' ? createReadStream('', { fd: 0, autoClose: false }) : createReadStream(path);
  let text = '';
  try {
    for await (const chunk of stream) text += String(chunk);
  } catch (error) {
    throw new UsageError(`--jobs-file ${path}: ${(error as Error).message}`);
  }
  return text;
}

/**
 * The jobs a jobs file names, one per line: a job id, or a JSON object — `{"jobId": "…"}` to look the
 * job up, or a whole job record (a job not yet in the history, e.g. one about to be submitted).
 * Blank lines and lines starting with `#` are skipped.
 * @throws {UsageError} naming the line that is neither.
 */
async function parseJobsFile(text: string, name: string): Promise<JobToPredict[]> {
  const out: JobToPredict[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!line.startsWith('{')) {
      out.push(line);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UsageError(`${name} line ${i + 1}: not JSON; give a job id or a JSON object per line`);
    }
    const keys = Object.keys(value as object);
    const jobId = (value as { jobId?: unknown }).jobId;
    if (keys.length === 1 && typeof jobId === 'string' && jobId !== '') {
      out.push(jobId);
      continue;
    }
    const { JobRecordSchema } = await import('../../shared/job-record.js');
    const parsed = JobRecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(
        `${name} line ${i + 1}: neither {"jobId": "…"} nor a whole job record (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`,
      );
    }
    out.push(parsed.data);
  }
  return out;
}

async function jobsAsked(args: PredictJobArgs): Promise<JobToPredict[]> {
  const jobs: JobToPredict[] = (args.job ?? []).map(String);
  const file = args['jobs-file'];
  if (file !== undefined) {
    jobs.push(...(await parseJobsFile(await readJobsFile(file), file === '-' ? 'standard input' : file)));
  }
  if (jobs.length === 0)
    throw new UsageError('no job to predict: give --job ID (repeatable) or --jobs-file FILE');
  return jobs;
}

function progressOf(p: PredictJobsProgress): Parameters<Progress['update']>[0] {
  if (p.stage === 'reading') return { label: 'reading the history', done: p.jobs, total: 0, unit: 'jobs' };
  return {
    label: `training job models (cut ${formatInstant(p.cutS)})`,
    done: p.done,
    total: p.total,
    unit: 'models',
  };
}

async function computePredictions(args: PredictJobArgs, progress: Progress): Promise<PredictJobsResult> {
  // Loaded here, not at start-up: the forests, readers and the store are only for a command that predicts.
  const [{ predictJobs }, { jobBatchHistory, storeJobHistory }, { fileJobModelCache, jobModelCacheDir }] =
    await Promise.all([
      import('../../forecast/predict-jobs.js'),
      import('../../forecast/job-history.js'),
      import('../../forecast/job-model-cache.js'),
    ]);
  const jobs = await jobsAsked(args);
  const config = await configFor(args);
  const log = await loggerFor(config);
  const common = {
    seed: args.seed,
    log,
    onProgress: (p: PredictJobsProgress) => progress.update(progressOf(p)),
  };
  const cacheFor = (root: string, identity: string) =>
    args.cache ? { cache: fileJobModelCache(jobModelCacheDir(args['cache-dir'] ?? root, identity)) } : {};
  if (args.swf !== undefined) {
    const [{ readSwf, readSwfHeader, swfSourceName, swfTimeZone }, { fileSha256 }] = await Promise.all([
      import('../../collect/swf.js'),
      import('../../collect/import-history.js'),
    ]);
    const path = args.swf;
    const timeZone = args.tz ?? swfTimeZone(await readSwfHeader(path));
    // Named by its content: the same log anywhere shares its models, an edited one does not.
    const history = jobBatchHistory({
      source: swfSourceName(path),
      contentSha256: await fileSha256(path),
      read: () => readSwf(path),
    });
    // A log's own directory is often read-only (an archive): its models go to the state directory.
    const root = join(config.engine.stateDir, JOB_MODELS_DIR);
    return predictJobs(history, jobs, { ...common, timeZone, ...cacheFor(root, history.identity) });
  }
  const store = await openStoreForReading(args.store ?? '', config);
  try {
    const embeddedPath =
      args.store !== undefined && args.store !== ''
        ? resolve(args.store)
        : config.store.kind === 'embedded'
          ? resolve(config.store.path)
          : null;
    const identity =
      (embeddedPath === null ? store.description : `embedded ${embeddedPath}`) +
      (args.source === undefined ? '' : ` source ${args.source}`);
    const history = storeJobHistory(store, {
      identity,
      ...(args.source === undefined ? {} : { source: args.source }),
    });
    // An embedded store keeps its models beside it, so everyone reading that file shares them.
    const root =
      embeddedPath === null
        ? join(config.engine.stateDir, JOB_MODELS_DIR)
        : `${embeddedPath}.${JOB_MODELS_DIR}`;
    return await predictJobs(history, jobs, {
      ...common,
      timeZone: args.tz ?? config.timeZone,
      ...cacheFor(root, history.identity),
    });
  } finally {
    await store.close();
  }
}

/** Says where "GPUs used" came from, so an echoed request is never mistaken for a measurement. */
export function gpusUsedSource(
  p: Pick<JobPrediction, 'gpusUsedFrom' | 'gpusUsedSampledJobs' | 'gpuCount'>,
): string {
  if (p.gpusUsedFrom === 'samples') return `GPU samples of ${p.gpusUsedSampledJobs} earlier jobs of the user`;
  return p.gpuCount === 0 ? 'request (no GPUs)' : 'request: no GPU samples of the user’s earlier jobs';
}

/** One JSON line per job: the prediction with its model's cut as an ISO time, or the error. */
function jsonLine(o: JobPredictionOutcome): string {
  if (!o.ok)
    return JSON.stringify({ jobId: o.jobId, error: { name: o.error.name, message: o.error.message } });
  return JSON.stringify({ ...o.prediction, trainedBefore: formatInstant(o.prediction.trainedBeforeS) });
}

function tableOf(outcomes: readonly JobPredictionOutcome[]): string {
  const failed = outcomes.some((o) => !o.ok);
  const headers = [
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
    ...(failed ? ['error'] : []),
  ];
  const rows = outcomes.map((o) => {
    if (!o.ok) return [o.jobId, ...Array.from({ length: headers.length - 2 }, () => null), o.error.message];
    const p = o.prediction;
    const model = p.modelFrom === 'cache' ? 'cached model' : 'trained now';
    return [
      p.jobId,
      p.timeLimitS,
      Math.round(p.runtimeS),
      p.gpuCount,
      p.gpusUsed,
      gpusUsedSource(p),
      p.memMiB,
      p.peakMemMiB === null ? null : Math.round(p.peakMemMiB),
      p.method,
      `${p.trainedOn} jobs ended before ${formatInstant(p.trainedBeforeS)}, ${model}`,
      ...(failed ? [null] : []),
    ];
  });
  return table(headers, rows);
}

const argsProblem = (args: Partial<PredictJobArgs>): string | null => {
  if ([args.swf, args.store].filter((s) => s !== undefined).length !== 1)
    return 'give exactly one of --swf FILE or --store [FILE]';
  if (args.cache === false && args['cache-dir'] !== undefined)
    return '--cache-dir and --no-cache exclude each other';
  return null;
};

/** `slurmcast predict-job`: runtime, GPUs used and peak memory of jobs, learned from earlier jobs. */
export const predictJobCommand: CommandModule<GlobalArgs, PredictJobArgs> = {
  command: 'predict-job',
  describe:
    'Predict jobs’ runtime, GPUs used and peak memory from jobs that ended before they were submitted',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .options(historySourceOptions)
      .option('job', { type: 'string', array: true, describe: 'Job id (repeat for several)' })
      .option('jobs-file', {
        type: 'string',
        // One value, always: yargs would otherwise read a lone `-` (stdin) as no value.
        nargs: 1,
        describe:
          'File of jobs, one per line: an id or a JSON object ({"jobId": …} or a job record); - for stdin',
      })
      .option('tz', { type: 'string', describe: 'IANA time zone (default: the log’s, or config timeZone)' })
      .option('seed', numberOption('seed'))
      .option('cache', {
        type: 'boolean',
        default: true,
        describe: 'Use the job model cache (--no-cache: train now and save nothing; the same answers)',
      })
      .option('cache-dir', {
        type: 'string',
        describe:
          'Job model cache directory (default: beside an embedded store, else <engine.stateDir>/job-models)',
      })
      .check((argv) => {
        checkParam('seed', Number(argv.seed));
        return argsProblem(argv as Partial<PredictJobArgs>) ?? true;
      }) as unknown as Argv<PredictJobArgs>,
  handler: async (args) => {
    if (argsProblem(args) !== null) return;
    const progress = terminalProgress(args.json);
    let result: PredictJobsResult;
    try {
      result = await computePredictions(args, progress);
    } finally {
      progress.end();
    }
    const { outcomes } = result;
    process.stdout.write(args.json ? `${outcomes.map(jsonLine).join('\n')}\n` : `${tableOf(outcomes)}\n`);
    const failed = outcomes.filter((o) => !o.ok);
    for (const o of failed) if (!o.ok) process.stderr.write(`slurmcast: ${o.error.message}\n`);
    if (failed.length > 0) {
      process.stderr.write(
        `slurmcast: ${failed.length} of ${outcomes.length} jobs not predicted (${failed.map((o) => o.jobId).join(', ')}); the others are predicted above\n`,
      );
    }
    process.exitCode = failed.length > 0 ? ExitCode.usage : ExitCode.ok;
  },
};
