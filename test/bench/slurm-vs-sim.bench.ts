/**
 * Benchmark: the simulator against Slurm itself. A slice of a shared SWF log, scaled down
 * (`test/lab/replay.ts`), is replayed on the real slurmctld of a lab this script starts, and the same
 * jobs on the same machine go through `simulate`; then the two schedules are compared job by job
 * (`src/sim/agreement.ts`): start order, waits, which jobs waited, which jobs backfill moved ahead.
 *
 *   npx tsx test/bench/slurm-vs-sim.bench.ts [--log FILE] [--from-day D] [--jobs N] [--factor F]
 *     [--configs scaled,lab] [--lab-json PATH] [--out FILE.json | --replayed FILE.json] [--no-doc]
 *
 * It starts its own lab in a temporary directory with `test/lab/up.sh` and stops it with
 * `test/lab/down.sh` (only that directory's daemons, by their pids), also on Ctrl-C. `--lab-json`
 * uses a running lab instead (its slurm.conf is changed for the run and put back after). Each
 * Slurm configuration is one replay in real time (about 20 min for the default slice). `--out`
 * saves what Slurm recorded; `--replayed` compares the simulator with such a saved replay instead
 * of replaying again (the simulator side is recomputed, the section says it was). Writes its
 * section of docs/benchmarks.md between `<!-- slurm-vs-sim:begin -->` and `<!-- slurm-vs-sim:end -->`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus as machineCpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { readSwf, readSwfHeader } from '../../src/collect/swf.js';
import type { JobRecord } from '../../src/shared/job-record.js';
import {
  idleWhileWaiting,
  kendallTauB,
  overtakers,
  scheduleAgreement,
  type ScheduleAgreement,
} from '../../src/sim/agreement.js';
import { alwaysOnPolicy } from '../../src/sim/baselines.js';
import { simulate } from '../../src/sim/simulator.js';
import type { Backfill } from '../../src/sim/types.js';
import { LAB_JSON_ENV, loadLab, runSlurm } from '../integration/lab.js';
import {
  ALWAYS_ON_NODES,
  LAB_CPUS_PER_NODE,
  labClient,
  readReplay,
  submitReplay,
  waitForIdleNodes,
  waitForReplayEnd,
  type ReplayedJob,
} from '../integration/sim/slurm-replay.js';
import { parseLabUpOutput } from '../lab/output.js';
import {
  offeredLoad,
  replayCluster,
  replaySlice,
  replayWorkload,
  type ReplayJob,
  type ReplaySlice,
} from '../lab/replay.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = join(ROOT, 'docs/benchmarks.md');
const TRACES = '/work/shared/traces';
const PARTITION = 'replay';
const CPUS = ALWAYS_ON_NODES.length * LAB_CPUS_PER_NODE;
const WITHIN_S = [1, 5, 15, 60];
/** A job "had to wait" when it waited longer than this many (scaled) seconds. */
const WAITED_ABOVE_S = 5;
/**
 * A job "overtook" when it started more than this before a job submitted earlier: sacct's whole
 * seconds and Slurm's submit-to-start latency make one-second inversions that are not backfill.
 */
const OVERTOOK_BY_S = 1;

/**
 * Slurm's scheduler settings a replay runs under. `scaled`: Slurm's defaults (sched_interval 60 s,
 * bf_interval 30 s, bf_resolution 60 s) divided by the time factor, which puts all three at Slurm's
 * minimum of 1 s; `lab`: what the lab's slurm.conf has (bf_resolution left at its 60 s default).
 */
const SchedulerConfigs = {
  scaled: 'sched_interval=1,bf_interval=1,bf_resolution=1',
  lab: 'sched_interval=5,bf_interval=5',
} as const;
type SchedulerConfig = keyof typeof SchedulerConfigs;

const ArgsSchema = z.strictObject({
  log: z.string().min(1).default('CTC-SP2-1996-3.1-cln.swf.gz'),
  fromDay: z.coerce.number().min(0).default(10),
  jobs: z.coerce.number().int().min(2).max(5_000).default(300),
  factor: z.coerce.number().min(1).default(180),
  configs: z
    .string()
    .default('scaled,lab')
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(['scaled', 'lab'])).min(1)),
  labJson: z.string().optional(),
  out: z.string().optional(),
  replayed: z.string().optional(),
  doc: z.boolean().default(true),
});
type Args = z.infer<typeof ArgsSchema>;

function parseCommandLine(): Args {
  const { values } = parseArgs({
    options: {
      log: { type: 'string' },
      'from-day': { type: 'string' },
      jobs: { type: 'string' },
      factor: { type: 'string' },
      configs: { type: 'string' },
      'lab-json': { type: 'string' },
      out: { type: 'string' },
      replayed: { type: 'string' },
      'no-doc': { type: 'boolean' },
    },
  });
  return ArgsSchema.parse({
    log: values.log,
    fromDay: values['from-day'],
    jobs: values.jobs,
    factor: values.factor,
    configs: values.configs,
    labJson: values['lab-json'],
    out: values.out,
    replayed: values.replayed,
    doc: values['no-doc'] !== true,
  });
}

// ---------------------------------------------------------------------------------------------------
// The lab: started here (or given), stopped here, on every way out.

interface OwnedLab {
  readonly dir: string;
  readonly labJson: string;
}

function runLabScript(script: string, dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'test/lab', script), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`test/lab/${script} ${dir} exited with ${String(code)}`)),
    );
  });
}

let ownedLab: OwnedLab | undefined;

function stopOwnedLabSync(): void {
  if (ownedLab === undefined) return;
  const { dir } = ownedLab;
  ownedLab = undefined;
  spawnSync('bash', [join(ROOT, 'test/lab/down.sh'), dir], { stdio: 'inherit' });
  if (process.env['SLURMCAST_LAB_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the bench's lab`);
    restoreSlurmConf();
    stopOwnedLabSync();
    process.exit(code);
  });
}

let originalSlurmConf: { path: string; text: string } | undefined;

function restoreSlurmConf(): void {
  if (originalSlurmConf === undefined || ownedLab !== undefined) return;
  // A given lab gets its own slurm.conf back (an owned one is thrown away anyway).
  writeFileSync(originalSlurmConf.path, originalSlurmConf.text);
  spawnSync('scontrol', ['reconfigure'], { env: { ...process.env, SLURM_CONF: originalSlurmConf.path } });
  originalSlurmConf = undefined;
}

/**
 * Sets SchedulerParameters and a partition of the always-on nodes in slurm.conf and reconfigures:
 * a partition made with `scontrol create` would not survive the reconfigure. Returns when slurmctld
 * reports the new parameters and the nodes are idle.
 */
async function applySchedulerConfig(config: SchedulerConfig): Promise<void> {
  const path = loadLab().slurmConf;
  const text = readFileSync(path, 'utf8');
  originalSlurmConf ??= { path, text };
  const partitionLine = `PartitionName=${PARTITION} Nodes=${ALWAYS_ON_NODES.join(',')} MaxTime=INFINITE State=UP`;
  const lines = originalSlurmConf.text
    .split('\n')
    .map((l) =>
      l.startsWith('SchedulerParameters=') ? `SchedulerParameters=${SchedulerConfigs[config]}` : l,
    );
  writeFileSync(path, `${lines.join('\n').trimEnd()}\n${partitionLine}\n`);
  await runSlurm('scontrol', ['reconfigure']);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const shown = (await runSlurm('scontrol', ['show', 'config'])).stdout;
    const params = /^SchedulerParameters\s*=\s*(\S+)/m.exec(shown)?.[1];
    const partition = await runSlurm('scontrol', ['show', 'partition', PARTITION, '-o']).then(
      () => true,
      () => false,
    );
    if (params === SchedulerConfigs[config] && partition) break;
    if (Date.now() >= deadline)
      throw new Error(`slurmctld did not take SchedulerParameters=${SchedulerConfigs[config]}`);
    await delay(500);
  }
  await waitForIdleNodes(60_000);
}

// ---------------------------------------------------------------------------------------------------
// One replay on Slurm.

interface SlurmRun {
  readonly config: SchedulerConfig;
  readonly jobs: readonly ReplayedJob[];
  /** Wall-clock Unix seconds of the replay's scaled time 0. */
  readonly originS: number;
  readonly wallS: number;
  readonly sdiag: Sdiag;
  readonly load: string;
}

/** sdiag counters over one replay (reset before it). */
const SdiagSchema = z.object({
  jobsStarted: z.number().int().nonnegative().nullable(),
  backfilled: z.number().int().nonnegative().nullable(),
  backfillCycles: z.number().int().nonnegative().nullable(),
  mainCycles: z.number().int().nonnegative().nullable(),
});
type Sdiag = z.infer<typeof SdiagSchema>;

function parseSdiag(text: string): Sdiag {
  const num = (re: RegExp): number | null => {
    const m = re.exec(text);
    return m?.[1] === undefined ? null : Number(m[1]);
  };
  const backfilling = text.slice(Math.max(0, text.indexOf('Backfilling stats')));
  return SdiagSchema.parse({
    jobsStarted: num(/^\s*Jobs started:\s*(\d+)/m),
    backfilled: num(/Total backfilled jobs \(since last stats cycle start\):\s*(\d+)/),
    backfillCycles: (() => {
      const m = /Total cycles:\s*(\d+)/.exec(backfilling);
      return m?.[1] === undefined ? null : Number(m[1]);
    })(),
    mainCycles: num(/Main schedule statistics[\s\S]*?Total cycles:\s*(\d+)/),
  });
}

async function replayOnSlurm(slice: ReplaySlice, config: SchedulerConfig): Promise<SlurmRun> {
  await applySchedulerConfig(config);
  await runSlurm('sdiag', ['--reset']);
  const client = labClient();
  const started = performance.now();
  const total = slice.jobs.length;
  let submitted = 0;
  let queued: number | null = null;
  const progress = setInterval(() => {
    const s = Math.round((performance.now() - started) / 1000);
    const queue = queued === null ? '' : `, ${queued} still queued or running`;
    console.error(`[${config}] ${s} s: ${submitted}/${total} submitted${queue}`);
  }, 30_000);
  try {
    const replay = await submitReplay(slice.jobs, {
      partition: PARTITION,
      onProgress: (n) => (submitted = n),
    });
    await waitForReplayEnd(client, replay, {
      partition: PARTITION,
      timeoutMs: 4 * 3600_000,
      onProgress: (n) => (queued = n),
    });
    const jobs = await readReplay(client, replay);
    const sdiag = parseSdiag((await runSlurm('sdiag', [])).stdout);
    return {
      config,
      jobs,
      originS: replay.originS,
      wallS: (performance.now() - started) / 1000,
      sdiag,
      load: loadText(),
    };
  } finally {
    clearInterval(progress);
    await client.close();
  }
}

function loadText(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
}

// ---------------------------------------------------------------------------------------------------
// The simulator on the same jobs, and the comparison.

interface Comparison {
  readonly label: string;
  readonly agreement: ScheduleAgreement;
  /** CPU-seconds left idle while jobs waited, on Slurm's side and the simulator's. */
  readonly idleSlurmCpuS: number;
  readonly idleSimCpuS: number;
  /** Share of the summed |Δwait| that is in the jobs one side moved ahead and the other did not. */
  readonly mismatchShare: number;
  /** Jobs that waited only on Slurm's side, and how many of them came behind a job still waiting. */
  readonly slurmOnlyWaited: number;
  readonly slurmOnlyWaitedBehind: number;
  /** Jobs that overtook a job of a node or more, on Slurm's side and the simulator's. */
  readonly passedWideSlurm: number;
  readonly passedWideSim: number;
  /** Each job's wait on the simulator's side. */
  readonly simWaitS: readonly number[];
  /** Each job's wait on Slurm's side. */
  readonly slurmWaitS: readonly number[];
}

/** Slurm's side of a comparison, on its own clock from its first submission. */
interface Side {
  readonly submitS: readonly number[];
  readonly startS: ArrayLike<number>;
  readonly runS: readonly number[];
}

function simulatedStarts(
  slice: ReplaySlice,
  backfill: Backfill,
  times?: { submitS: readonly number[]; runS: readonly number[] },
): Float64Array {
  const workload = replayWorkload(slice.jobs, times);
  return simulate(workload, replayCluster(CPUS), { policy: alwaysOnPolicy(), backfill }).outcomes.startS;
}

function comparison(label: string, slice: ReplaySlice, slurm: Side, sim: Side): Comparison {
  const agreement = scheduleAgreement(slurm, sim, {
    withinS: WITHIN_S,
    waitedAboveS: WAITED_ABOVE_S,
    overtookByS: OVERTOOK_BY_S,
  });
  const size = slice.jobs.map((j) => j.cpus);
  const n = size.length;
  const wait = (s: Side, i: number): number => (s.startS[i] as number) - (s.submitS[i] as number);
  const aheadSlurm = overtakers(slurm.startS, OVERTOOK_BY_S);
  const aheadSim = overtakers(sim.startS, OVERTOOK_BY_S);
  let total = 0;
  let mismatched = 0;
  let slurmOnlyWaited = 0;
  let slurmOnlyWaitedBehind = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(wait(sim, i) - wait(slurm, i));
    total += d;
    if (aheadSlurm[i] !== aheadSim[i]) mismatched += d;
    if (wait(slurm, i) > WAITED_ABOVE_S && wait(sim, i) <= WAITED_ABOVE_S) {
      slurmOnlyWaited++;
      // Behind a job submitted earlier and not started yet: only backfill could have started it at once.
      const submit = slurm.submitS[i] as number;
      if (Array.from({ length: i }, (_, k) => k).some((k) => (slurm.startS[k] as number) > submit))
        slurmOnlyWaitedBehind++;
    }
  }
  // Jobs that started ahead of a wide job (a node or more) still waiting.
  const passedWide = (side: Side, ahead: readonly boolean[]): number =>
    ahead.filter(
      (yes, i) =>
        yes &&
        Array.from({ length: i }, (_, k) => k).some(
          (k) =>
            (size[k] ?? 0) >= LAB_CPUS_PER_NODE &&
            (side.startS[k] as number) > (side.startS[i] as number) + OVERTOOK_BY_S,
        ),
    ).length;
  return {
    label,
    agreement,
    passedWideSlurm: passedWide(slurm, aheadSlurm),
    passedWideSim: passedWide(sim, aheadSim),
    idleSlurmCpuS: idleWhileWaiting({ ...slurm, size }, CPUS),
    idleSimCpuS: idleWhileWaiting({ ...sim, size }, CPUS),
    mismatchShare: total > 0 ? mismatched / total : Number.NaN,
    slurmOnlyWaited,
    slurmOnlyWaitedBehind,
    simWaitS: Array.from({ length: n }, (_, i) => wait(sim, i)),
    slurmWaitS: Array.from({ length: n }, (_, i) => wait(slurm, i)),
  };
}

function compare(slice: ReplaySlice, run: SlurmRun): Comparison[] {
  const t0 = run.jobs[0]?.submitS ?? 0;
  // The stream as Slurm saw it, on its clock from its first submission: recorded submit and run times.
  const slurm: Side = {
    submitS: run.jobs.map((j) => j.submitS - t0),
    startS: run.jobs.map((j) => j.startS - t0),
    runS: run.jobs.map((j) => j.endS - j.startS),
  };
  const observed = { submitS: slurm.submitS, runS: slurm.runS };
  // The planned stream on the same clock: scaled time 0 was at the replay's origin, which sacct's
  // whole-second submit time of the first job truncates.
  const shift = run.originS - t0;
  const planned: Side = {
    submitS: slice.jobs.map((j) => j.submitS + shift),
    startS: Array.from(simulatedStarts(slice, 'easy'), (s) => s + shift),
    runS: slice.jobs.map((j) => j.sleepS),
  };
  return [
    comparison('EASY, the stream Slurm saw', slice, slurm, {
      ...observed,
      startS: simulatedStarts(slice, 'easy', observed),
    }),
    comparison('EASY, the planned stream', slice, slurm, planned),
    comparison('FCFS (no backfill), the stream Slurm saw', slice, slurm, {
      ...observed,
      startS: simulatedStarts(slice, 'none', observed),
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------
// The report.

const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f3 = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : '–');
const pct = (n: number): string => (Number.isFinite(n) ? `${Math.round(n * 100)} %` : '–');
const iso = (s: number): string => new Date(s * 1000).toISOString().slice(0, 16).replace('T', ' ');

interface RunReport {
  readonly run: SlurmRun;
  readonly comparisons: readonly Comparison[];
  /** Kendall τ of Slurm's start order against its submit order: how far the queue reordered jobs. */
  readonly startVsSubmitTau: number;
}

interface Report {
  readonly args: Args;
  readonly slice: ReplaySlice;
  readonly logCpus: number;
  readonly slurmVersion: string;
  readonly runs: readonly RunReport[];
  readonly loadBefore: string;
  /** Set when the Slurm side was read from a saved replay instead of replayed now. */
  readonly savedFrom: string | null;
}

function commandLine(args: Args): string {
  const d = ArgsSchema.parse({});
  return [
    'npx tsx test/bench/slurm-vs-sim.bench.ts',
    args.log === d.log ? '' : `--log ${args.log}`,
    args.fromDay === d.fromDay ? '' : `--from-day ${args.fromDay}`,
    args.jobs === d.jobs ? '' : `--jobs ${args.jobs}`,
    args.factor === d.factor ? '' : `--factor ${args.factor}`,
    args.configs.join(',') === d.configs.join(',') ? '' : `--configs ${args.configs.join(',')}`,
  ]
    .filter((x) => x !== '')
    .join(' ');
}

function section(r: Report): string {
  const { args, slice } = r;
  const F = args.factor;
  const jobs = slice.jobs;
  const sizes = jobs.map((j) => j.cpus);
  const limits = new Map<number, number>();
  for (const j of jobs) limits.set(j.limitMin, (limits.get(j.limitMin) ?? 0) + 1);
  const limitText = [...limits.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([m, c]) => `${m} min × ${c}`)
    .join(', ');
  const meanSleep = jobs.reduce((sum, j) => sum + j.sleepS, 0) / jobs.length;
  const replayedAt = r.runs[0]?.run.jobs[0]?.submitS;
  const out: string[] = [
    '<!-- slurm-vs-sim:begin -->',
    '## The simulator against Slurm itself',
    '',
    `Command: \`${commandLine(args)}\` (Node ${process.version}, ${machineCpus().length} cores, ${r.slurmVersion}${replayedAt === undefined ? '' : `, replayed ${iso(replayedAt)} UTC`}${r.savedFrom === null ? '' : `; the Slurm side read back from the saved replay ${r.savedFrom}`}). It starts its own lab (\`test/lab/up.sh\` in a temporary directory, stopped with \`down.sh\`), replays the slice below on the lab's real slurmctld once per scheduler setting, in real time, and runs the same jobs through \`simulate\` (always-on, one pool of ${CPUS} one-CPU nodes). Comparison: \`scheduleAgreement\` and \`idleWhileWaiting\` (\`src/sim/agreement.ts\`); slice and scaling: \`test/lab/replay.ts\`; submission and read-back: \`test/integration/sim/slurm-replay.ts\`.`,
    '',
    `**Slice.** \`${args.log}\` (${r.logCpus} CPUs; its site ran EASY backfill), the ${jobs.length} jobs that ran from day ${args.fromDay} of the log on: log jobs ${jobs[0]?.logJobId}–${jobs.at(-1)?.logJobId}, submitted ${iso(slice.firstSubmitS)} – ${iso(slice.lastSubmitS)} UTC (${f1((slice.lastSubmitS - slice.firstSubmitS) / 3600)} h)${slice.skipped > 0 ? `; ${slice.skipped} records in between never ran and are left out` : ''}.`,
    '',
    `**Scaling.** Submit times, run times and time limits ÷ ${F}: the submissions span ${f0((jobs.at(-1)?.submitS ?? 0) - (jobs[0]?.submitS ?? 0))} s, one scaled second is ${F / 60} min of the log. Time limits are rounded up to whole minutes, Slurm's unit (${limitText}), and the simulator gets the same rounded limits. Each job sleeps its scaled run time in whole seconds (mean ${f1(meanSleep)} s), at least 1 s and at most its limit − 5 s. Sizes are ⌈CPUs × ${CPUS} / ${r.logCpus}⌉ of the lab's ${CPUS} CPUs (${ALWAYS_ON_NODES.join(', ')}: ${ALWAYS_ON_NODES.length} nodes × ${LAB_CPUS_PER_NODE}, none powered down; ${sizes.filter((c) => c === 1).length} one-CPU jobs, the largest ${Math.max(...sizes)}), asked for as \`--ntasks\`, which cons_tres places on any free cores: the simulator's ${CPUS} one-CPU nodes are the same machine. Offered load over the submission span: ${f3(offeredLoad(jobs, CPUS))}.`,
    '',
    `**Slurm.** \`SchedulerType=sched/backfill\`, \`PriorityType=priority/basic\` (the lab's: priority in submission order, the simulator's first come, first served), \`select/cons_tres\` with \`CR_Core_Memory\`, partition \`${PARTITION}\` = ${ALWAYS_ON_NODES.join(', ')} in slurm.conf. Times are read back from accounting (sacct through the SDK's \`ListJobHistory\`), in whole seconds; every job ended COMPLETED.`,
    '',
    `**Columns.** Waits are start − submit on each side. "Within" is the share of jobs whose starts are at most that far apart. "Waited": a wait over ${WAITED_ABOVE_S} s. "Overtook": started more than ${OVERTOOK_BY_S} s before a job submitted earlier had started, which only backfill does. "Idle": CPU-seconds left free while at least one job waited. Rows: the simulator (EASY backfill) on the stream Slurm saw (its recorded submit and run times, so only the scheduling differs); on the planned stream (the scaled log as written: submission and launch delays differ too); and strict first come, first served on the stream Slurm saw, for scale.`,
    '',
  ];
  for (const { run, comparisons, startVsSubmitTau } of r.runs) {
    const ref = comparisons[0]?.agreement.reference;
    out.push(
      `### \`SchedulerParameters=${SchedulerConfigs[run.config]}\` (${run.config === 'scaled' ? "Slurm's defaults ÷ the factor, at its 1 s minimum" : "the lab's slurm.conf; bf_resolution at its 60 s default"})`,
      '',
      `Replay: ${f0(run.wallS)} s of wall time; load average after it ${run.load} (before the bench: ${r.loadBefore}). sdiag over the replay: ${run.sdiag.jobsStarted ?? '?'} jobs started, ${run.sdiag.backfilled ?? '?'} of them by the backfill pass; ${run.sdiag.mainCycles ?? '?'} main and ${run.sdiag.backfillCycles ?? '?'} backfill cycles. Slurm's waits: mean ${f1(ref?.meanWaitS ?? Number.NaN)} s, median ${f1(ref?.medianWaitS ?? Number.NaN)} s, P95 ${f1(ref?.p95WaitS ?? Number.NaN)} s; Kendall τ of its start order against its submit order ${f3(startVsSubmitTau)}.`,
      '',
      '| simulator | mean wait s (Slurm / sim) | median wait s (Slurm / sim) | mean / median abs wait diff s | starts within 1 / 5 / 15 / 60 s | Kendall τ start | Spearman ρ start | Spearman ρ wait | waited: both / only Slurm / only sim | overtook: Slurm / sim / both | idle CPU-s (Slurm / sim) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of comparisons) {
      const a = c.agreement;
      out.push(
        `| ${c.label} | ${f1(a.reference.meanWaitS)} / ${f1(a.candidate.meanWaitS)} | ${f1(a.reference.medianWaitS)} / ${f1(a.candidate.medianWaitS)} | ${f1(a.meanAbsWaitDiffS)} / ${f1(a.medianAbsWaitDiffS)} | ${a.startWithin.map((w) => pct(w.share)).join(' / ')} | ${f3(a.startKendallTau)} | ${f3(a.startSpearman)} | ${f3(a.waitSpearman)} | ${a.waited.both} / ${a.waited.onlyReference} / ${a.waited.onlyCandidate} | ${a.reference.overtook} / ${a.candidate.overtook} / ${a.overtook.both} | ${f0(c.idleSlurmCpuS)} / ${f0(c.idleSimCpuS)} |`,
      );
    }
    out.push('', ...classTable(slice, comparisons), '');
  }
  out.push(...analysis(r), '<!-- slurm-vs-sim:end -->');
  return out.join('\n');
}

/** Job classes the waits are broken down by: size against a node, and the shortest limit. */
const JobClasses: readonly { readonly label: string; readonly has: (j: ReplayJob) => boolean }[] = [
  { label: '1 CPU', has: (j) => j.cpus === 1 },
  { label: `2–${LAB_CPUS_PER_NODE - 1} CPUs`, has: (j) => j.cpus > 1 && j.cpus < LAB_CPUS_PER_NODE },
  { label: `${LAB_CPUS_PER_NODE}+ CPUs (a node or more)`, has: (j) => j.cpus >= LAB_CPUS_PER_NODE },
  { label: 'limit 1 min', has: (j) => j.limitMin === 1 },
  { label: 'limit 2 min or more', has: (j) => j.limitMin > 1 },
];

/** Mean wait of each job class on Slurm's side, the simulator's (EASY) and strict FCFS. */
function classWaits(
  slice: ReplaySlice,
  comparisons: readonly Comparison[],
): { label: string; jobs: number; slurm: number; easy: number; fcfs: number }[] {
  const mean = (waits: readonly number[] | undefined, idx: readonly number[]): number =>
    waits === undefined || idx.length === 0
      ? Number.NaN
      : idx.reduce((sum, i) => sum + (waits[i] ?? 0), 0) / idx.length;
  return JobClasses.map(({ label, has }) => {
    const idx = slice.jobs.flatMap((j, i) => (has(j) ? [i] : []));
    return {
      label,
      jobs: idx.length,
      slurm: mean(comparisons[0]?.slurmWaitS, idx),
      easy: mean(comparisons[0]?.simWaitS, idx),
      fcfs: mean(comparisons[2]?.simWaitS, idx),
    };
  });
}

function classTable(slice: ReplaySlice, comparisons: readonly Comparison[]): string[] {
  return [
    'Mean wait s by job class (the stream Slurm saw):',
    '',
    '| jobs | count | Slurm | simulator, EASY | simulator, FCFS |',
    '|---|---:|---:|---:|---:|',
    ...classWaits(slice, comparisons).map(
      (c) => `| ${c.label} | ${c.jobs} | ${f1(c.slurm)} | ${f1(c.easy)} | ${f1(c.fcfs)} |`,
    ),
  ];
}

const apart = (candidate: number, reference: number): string => {
  const d = (candidate - reference) / reference;
  return `${pct(Math.abs(d))} ${d < 0 ? 'lower' : 'higher'}`;
};

/** The reading of the figures; every number in it is this run's. */
function analysis(r: Report): string[] {
  const F = r.args.factor;
  const byConfig = (config: SchedulerConfig): RunReport | undefined =>
    r.runs.find((x) => x.run.config === config);
  const lines: string[] = ['### Reading', ''];
  const scaled = byConfig('scaled');
  const first = scaled ?? r.runs[0];
  const easy = first?.comparisons[0];
  const fcfs = first?.comparisons[2];
  if (first !== undefined && easy !== undefined && fcfs !== undefined) {
    const a = easy.agreement;
    const settings = `\`${SchedulerConfigs[first.run.config]}\``;
    const behind =
      easy.slurmOnlyWaitedBehind === easy.slurmOnlyWaited
        ? 'every one of them came while an earlier job was still waiting'
        : `${easy.slurmOnlyWaitedBehind} of them came while an earlier job was still waiting`;
    lines.push(
      `- **In aggregate the simulator is close.** With ${settings}, on the stream Slurm saw, the simulator's mean wait is ${f1(a.candidate.meanWaitS)} s against Slurm's ${f1(a.reference.meanWaitS)} s (${apart(a.candidate.meanWaitS, a.reference.meanWaitS)}); strict first come, first served would wait ${f1(fcfs.agreement.candidate.meanWaitS)} s (${apart(fcfs.agreement.candidate.meanWaitS, a.reference.meanWaitS)}) and leave ${f0(fcfs.idleSimCpuS)} CPU-seconds idle while jobs waited, against Slurm's ${f0(easy.idleSlurmCpuS)} and EASY's ${f0(easy.idleSimCpuS)}. ${fcfs.agreement.meanAbsWaitDiffS > a.meanAbsWaitDiffS ? "Slurm's backfill fills the machine much as EASY does" : "On this slice Slurm's schedule is nearer strict first come, first served than EASY"}: ${a.reference.overtook} jobs started ahead of an earlier one on Slurm's side, ${a.candidate.overtook} in the simulator, ${a.overtook.both} of them the same jobs; ${easy.passedWideSlurm} and ${easy.passedWideSim} of them passed a job of a node or more, so the count grows with how long the few wide jobs wait rather than with how much is backfilled.`,
      `- **Per job it is looser.** Waits differ by ${f1(a.meanAbsWaitDiffS)} s on average, median ${f1(a.medianAbsWaitDiffS)} s (${f0((a.medianAbsWaitDiffS * F) / 60)} min of the log's time); ${pct(a.startWithin[1]?.share ?? Number.NaN)} of the jobs start within 5 s of each other and ${pct(a.startWithin[3]?.share ?? Number.NaN)} within 60 s; start order Kendall τ ${f3(a.startKendallTau)}, waits Spearman ρ ${f3(a.waitSpearman)}. The differences begin where one side backfills a job and the other does not (${pct(easy.mismatchShare)} of the summed |Δwait| is in the ${a.overtook.onlyReference + a.overtook.onlyCandidate} jobs that only one side moved ahead) and spread from there: a job started earlier or later changes which CPUs are free for the jobs behind it, and the two queues take different courses for a while. Start order alone says little: Slurm's start order against its own submit order already has τ ${f3(first.startVsSubmitTau)}.`,
      `- **Slurm's backfill starts jobs later.** ${easy.slurmOnlyWaited} jobs waited over ${WAITED_ABOVE_S} s only on Slurm's side, and ${behind}, so only backfill could have started them at once; ${a.waited.onlyCandidate} waited only in the simulator. Three differences of algorithm, from Slurm's \`backfill.c\`: (1) backfill is a separate pass every bf_interval, after the event that freed the CPUs, while the main scheduler, run on every submission and job end, starts jobs only in priority order and stops at the first that does not fit; the simulator backfills at the event's instant. A candidate whose limit just fits before the waiting job's reservation at that instant no longer fits a second later, and with limits in whole minutes many jobs have the same limit. (2) Slurm gives every job it examines a reservation (conservative backfill; bf_max_job_test = 500 covers the whole queue here), the simulator only the first (EASY). (3) Slurm plans reservations in whole nodes: \`_add_reservation\` removes the reserved job's nodes from the plan's node bitmap, so on 4 nodes shared by CPU-sized jobs a reservation for 25 CPUs holds all 4 nodes for its window and no 1-CPU job may start beside it if it would still run then. The simulator's pool of one-CPU nodes has no such granularity.`,
    );
  }
  const lab = byConfig('lab');
  const labEasy = lab?.comparisons[0];
  if (lab !== undefined && labEasy !== undefined) {
    const l = labEasy.agreement;
    const s = scaled?.comparisons[0];
    const classes = classWaits(r.slice, lab.comparisons);
    const oneMin = classes.find((c) => c.label === 'limit 1 min');
    const longer = classes.find((c) => c.label === 'limit 2 min or more');
    lines.push(
      `- **The scheduling cycle and the time scale.** With the lab's own settings (sched_interval = bf_interval = 5 s, bf_resolution 60 s), Slurm's backfill pass started ${lab.run.sdiag.backfilled ?? '?'} jobs${s === undefined ? '' : ` (${scaled?.run.sdiag.backfilled ?? '?'} at 1 s)`}, and its mean wait is ${f1(l.reference.meanWaitS)} s${s === undefined ? '' : ` (${f1(s.agreement.reference.meanWaitS)} s at 1 s)`}, ${apart(l.reference.meanWaitS, l.candidate.meanWaitS)} than the simulator's ${f1(l.candidate.meanWaitS)} s; it left ${f0(labEasy.idleSlurmCpuS)} CPU-seconds idle while jobs waited. The loss is in the shortest jobs: those with a 1-minute limit waited ${f1(oneMin?.slurm ?? Number.NaN)} s in Slurm against ${f1(oneMin?.easy ?? Number.NaN)} s in the simulator, those with longer limits ${f1(longer?.slurm ?? Number.NaN)} s against ${f1(longer?.easy ?? Number.NaN)} s. Backfill rounds the times of its plan down to bf_resolution steps, so at 60 s its picture of when CPUs free up and when a reserved job starts is off by up to a minute, the whole limit of a 1-minute job; and a backfill cycle of 5 s is ${f0((5 * F) / 60)} min of the log. Divided by the time factor, Slurm's defaults (bf_interval 30 s, bf_resolution 60 s) would be far below its 1 s minimum: the 1 s run is the fair one, and on a real machine, whose jobs run for hours, these delays are negligible and the differences of algorithm above are what remains.`,
    );
  }
  lines.push(
    `- **Time limits in minutes.** Slurm stores limits in whole minutes, so the scaled limits are rounded up (a minute is ${f0(F / 60)} h of the log) and both sides plan with the rounded ones. The rounding does not make the two disagree by itself, but it makes many limits equal, which is what (1) above needs.`,
    '- **Priority.** `priority/basic` orders jobs by submission, as the simulator does; under `priority/multifactor` (age, fair share, QOS, size) Slurm would order them differently by design. That, outages and limits are why the waits recorded in the logs are not the target here.',
    '- **The stream.** On the planned stream, submissions reach Slurm up to a second late and jobs run a little longer than their sleep (launch, prolog, epilog); the stream Slurm recorded removes that, and the gap between the first two rows is its size.',
    '',
  );
  return lines;
}

function writeDoc(text: string): void {
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const pattern = /<!-- slurm-vs-sim:begin -->[\s\S]*?<!-- slurm-vs-sim:end -->/;
  writeFileSync(DOC, pattern.test(doc) ? doc.replace(pattern, text) : `${doc.trimEnd()}\n\n${text}\n`);
  console.log(`wrote the slurm-vs-sim section of ${DOC}`);
}

// ---------------------------------------------------------------------------------------------------

/** What `--out` saves and `--replayed` reads: the Slurm side of every replay, as recorded. */
const SavedReplaysSchema = z.strictObject({
  log: z.string(),
  fromDay: z.number(),
  factor: z.number(),
  /** The slice's log job ids, to check that the saved replay is of the same jobs. */
  logJobIds: z.array(z.string()),
  slurmVersion: z.string(),
  loadBefore: z.string(),
  runs: z.array(
    z.strictObject({
      config: z.enum(['scaled', 'lab']),
      originS: z.number(),
      wallS: z.number(),
      load: z.string(),
      sdiag: SdiagSchema,
      jobs: z.array(
        z.strictObject({
          jobId: z.number().int(),
          state: z.string(),
          submitS: z.number(),
          startS: z.number(),
          endS: z.number(),
        }),
      ),
    }),
  ),
});
type SavedReplays = z.infer<typeof SavedReplaysSchema>;

async function readSlice(args: Args): Promise<{ slice: ReplaySlice; logCpus: number }> {
  const path = join(TRACES, args.log);
  const header = await readSwfHeader(path);
  const logCpus = header.maxProcs ?? header.maxNodes;
  if (logCpus === null) throw new Error(`${args.log} names neither MaxProcs nor MaxNodes`);
  const records: JobRecord[] = [];
  for await (const batch of readSwf(path)) for (const rec of batch) records.push(rec);
  const originS = header.unixStartTime ?? Math.min(...records.map((rec) => rec.submitS));
  const slice = replaySlice(records, {
    fromS: originS + args.fromDay * 86_400,
    jobs: args.jobs,
    timeFactor: args.factor,
    logCpus,
    cpus: CPUS,
  });
  return { slice, logCpus };
}

/** Replays the slice on a lab (its own, or the one given), once per scheduler setting. */
async function replayAll(args: Args, slice: ReplaySlice, loadBefore: string): Promise<SavedReplays> {
  if (args.labJson !== undefined) {
    process.env[LAB_JSON_ENV] = args.labJson;
  } else {
    const dir = mkdtempSync('/tmp/slurmcast-bench-slurm-vs-sim-');
    ownedLab = { dir, labJson: join(dir, 'lab.json') };
    process.env[LAB_JSON_ENV] = parseLabUpOutput(await runLabScript('up.sh', dir)).labJson;
  }
  try {
    const slurmVersion = (await runSlurm('sinfo', ['-V'])).stdout.trim();
    const runs: SlurmRun[] = [];
    for (const config of args.configs) {
      console.log(`replaying on Slurm with SchedulerParameters=${SchedulerConfigs[config]}`);
      runs.push(await replayOnSlurm(slice, config));
    }
    return {
      log: args.log,
      fromDay: args.fromDay,
      factor: args.factor,
      logJobIds: slice.jobs.map((j) => j.logJobId),
      slurmVersion,
      loadBefore,
      runs: runs.map((run) => ({ ...run, jobs: [...run.jobs] })),
    };
  } finally {
    restoreSlurmConf();
    stopOwnedLabSync();
  }
}

async function main(): Promise<void> {
  const args = parseCommandLine();
  const { slice, logCpus } = await readSlice(args);
  console.log(
    `slice: ${slice.jobs.length} jobs of ${args.log}, ${f0(slice.jobs.at(-1)?.submitS ?? 0)} s of scaled submissions, offered load ${f3(offeredLoad(slice.jobs, CPUS))}`,
  );
  let saved: SavedReplays;
  if (args.replayed !== undefined) {
    saved = SavedReplaysSchema.parse(JSON.parse(readFileSync(args.replayed, 'utf8')));
    const same =
      saved.log === args.log &&
      saved.factor === args.factor &&
      saved.logJobIds.join(',') === slice.jobs.map((j) => j.logJobId).join(',');
    if (!same)
      throw new Error(
        `${args.replayed} is a replay of other jobs: give the same --log, --from-day, --jobs and --factor`,
      );
  } else {
    saved = await replayAll(args, slice, loadText());
    if (args.out !== undefined) writeFileSync(args.out, `${JSON.stringify(saved, null, 1)}\n`);
  }
  const runs = saved.runs.map((run): RunReport => {
    const comparisons = compare(slice, run);
    for (const c of comparisons)
      console.log(
        `[${run.config}] ${c.label}: mean wait Slurm ${f1(c.agreement.reference.meanWaitS)} s, sim ${f1(c.agreement.candidate.meanWaitS)} s; mean |Δwait| ${f1(c.agreement.meanAbsWaitDiffS)} s; τ start ${f3(c.agreement.startKendallTau)}; ρ wait ${f3(c.agreement.waitSpearman)}`,
      );
    const startVsSubmitTau = kendallTauB(
      run.jobs.map((j) => j.startS),
      run.jobs.map((j) => j.submitS),
    );
    return { run, comparisons, startVsSubmitTau };
  });
  const report: Report = {
    args,
    slice,
    logCpus,
    slurmVersion: saved.slurmVersion,
    runs,
    loadBefore: saved.loadBefore,
    savedFrom: args.replayed ?? null,
  };
  if (args.doc) writeDoc(section(report));
}

await main();
