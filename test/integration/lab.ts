/**
 * The real-Slurm test lab as seen by integration tests: the lab.json schema written by
 * `test/lab/up.sh`, and small helpers that run Slurm commands against the lab.
 *
 * Every command runs through `execFile`/`spawn` with an argument array, never a shell
 * string, so job names and scripts reach Slurm verbatim.
 *
 * @example
 * const lab = loadLab();
 * const jobId = await sbatch(['-p', 'cpu', '-t', '1'], '#!/bin/sh\nhostname\n');
 * await waitForJobState(jobId, ['COMPLETED'], 60_000);
 * const states = await waitForAccounting([jobId], 60_000); // sacct has it, ended
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Environment variable holding the path of the lab.json that tests use. */
export const LAB_JSON_ENV = 'SLURMCAST_LAB_JSON';

const absolutePath = z.string().startsWith('/');
const port = z.number().int().min(1).max(65_535);

/** Schema of `<lab dir>/lab.json` as written by `test/lab/up.sh`. */
export const LabSchema = z.object({
  dir: absolutePath,
  clusterName: z.string().min(1),
  slurmConf: absolutePath,
  env: z.object({ SLURM_CONF: absolutePath }),
  rest: z.object({
    socket: absolutePath,
    url: z.url(),
    apiVersion: z.string().regex(/^v\d+\.\d+\.\d+$/),
    user: z.string().min(1),
    tokenFile: absolutePath,
  }),
  ssh: z.object({
    host: z.string().min(1),
    port,
    username: z.string().min(1),
    privateKeyPath: absolutePath,
    knownHostsPath: absolutePath,
    /** A user whose login shell is tcsh, reachable with the same key (labs from before it existed lack it). */
    tcshUsername: z.string().min(1).optional(),
  }),
  influx: z.object({ host: z.string().min(1), port, database: z.string().min(1) }),
  mysql: z.object({ socket: absolutePath, port }),
  slurm: z
    .object({
      slurmctldPort: port,
      slurmdbdPort: port,
      testUser: z.string().min(1),
      accounts: z.array(z.string().min(1)),
    })
    .optional(),
  nodes: z.array(z.string().min(1)).min(1),
  gpuNodes: z.record(z.string(), z.object({ type: z.string().min(1), count: z.number().int().positive() })),
  cloudNodes: z.array(z.string().min(1)),
  /** The Slurmcast config up.sh wrote for the lab (labs from before it existed lack it). */
  slurmcastConfig: absolutePath.optional(),
});

/** A parsed lab.json. */
export type Lab = z.infer<typeof LabSchema>;

/** Slurm job states that never change again. */
export const TERMINAL_JOB_STATES = [
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'TIMEOUT',
] as const;

/** Why a lab helper failed. */
export const LabErrorCode = {
  NoLab: 'NO_LAB',
  BadLabJson: 'BAD_LAB_JSON',
  CommandFailed: 'COMMAND_FAILED',
  Timeout: 'TIMEOUT',
  UnexpectedState: 'UNEXPECTED_STATE',
} as const;
export type LabErrorCode = (typeof LabErrorCode)[keyof typeof LabErrorCode];

/** Error raised by the lab helpers; `code` says which check to look at. */
export class LabError extends Error {
  override readonly name = 'LabError' as const;
  readonly code: LabErrorCode;

  constructor(code: LabErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

let cachedLab: { path: string; lab: Lab } | undefined;

/**
 * Reads and validates the lab.json named by `SLURMCAST_LAB_JSON` (set by
 * `test/integration/global-setup.ts`, or by hand to reuse a running lab).
 *
 * @throws {LabError} `NO_LAB` when the variable is unset, `BAD_LAB_JSON` when the file
 *   cannot be read or does not match {@link LabSchema}.
 */
export function loadLab(): Lab {
  const path = process.env[LAB_JSON_ENV];
  if (path === undefined || path === '') {
    throw new LabError(
      LabErrorCode.NoLab,
      `${LAB_JSON_ENV} is not set: run the integration project (its globalSetup starts a lab) or point it at a lab.json from test/lab/up.sh`,
    );
  }
  if (cachedLab?.path === path) return cachedLab.lab;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new LabError(LabErrorCode.BadLabJson, `cannot read lab description ${path}`, { cause });
  }
  const parsed = LabSchema.safeParse(raw);
  if (!parsed.success) {
    throw new LabError(
      LabErrorCode.BadLabJson,
      `lab description ${path} is invalid: ${parsed.error.message}`,
      {
        cause: parsed.error,
      },
    );
  }
  cachedLab = { path, lab: parsed.data };
  return parsed.data;
}

/** A copy of this process's environment with the lab's `SLURM_CONF`; never mutates `process.env`. */
export function labEnv(): NodeJS.ProcessEnv {
  const lab = loadLab();
  const env: NodeJS.ProcessEnv = { ...process.env, ...lab.env };
  // A JWT in the caller's environment would switch Slurm clients to auth/jwt.
  delete env['SLURM_JWT'];
  return env;
}

/** Output of a finished command. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runSlurm}. */
export interface RunOptions {
  /** Kill the command after this long; default 60 s. */
  readonly timeoutMs?: number;
  /** Written to the command's stdin. */
  readonly input?: string;
}

/**
 * Runs a Slurm client command (`scontrol`, `sacct`, `sinfo`, …) against the lab.
 *
 * @throws {LabError} `COMMAND_FAILED` with the command's stderr when it exits non-zero.
 */
export async function runSlurm(
  command: string,
  args: readonly string[],
  options?: RunOptions,
): Promise<CommandOutput> {
  const timeoutMs = options?.timeoutMs ?? 60_000;
  const env = labEnv();
  if (options?.input === undefined) {
    return new Promise((resolve, reject) => {
      execFile(
        command,
        [...args],
        { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) {
            reject(
              new LabError(
                LabErrorCode.CommandFailed,
                `${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`,
                {
                  cause: error,
                },
              ),
            );
            return;
          }
          resolve({ stdout, stderr });
        },
      );
    });
  }
  const input = options.input;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, timeout: timeoutMs, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (cause) =>
      reject(new LabError(LabErrorCode.CommandFailed, `${command} could not be started`, { cause })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const how = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      reject(
        new LabError(
          LabErrorCode.CommandFailed,
          `${command} ${args.join(' ')} failed (${how}): ${stderr.trim()}`,
        ),
      );
    });
    child.stdin.end(input);
  });
}

/**
 * Submits `script` (passed on stdin) with `sbatch` and the given arguments.
 * `--parsable` is added so the job id can be read back, and, unless the arguments name an output
 * file, `--output` into the lab directory.
 *
 * @returns the job id.
 * @throws {LabError} `COMMAND_FAILED` when sbatch refuses the job.
 */
export async function sbatch(args: string[], script: string): Promise<number> {
  const withParsable = args.includes('--parsable') ? [...args] : ['--parsable', ...args];
  // sbatch's default output file is slurm-<id>.out in the current directory, the checkout: keep
  // job output in the lab directory, which goes away with the lab.
  const namesOutput = args.some((a) => a === '-o' || a.startsWith('--output'));
  const fullArgs = namesOutput ? withParsable : [`--output=${loadLab().dir}/slurm-%j.out`, ...withParsable];
  const { stdout } = await runSlurm('sbatch', fullArgs, { input: script });
  const jobId = Number.parseInt(stdout.trim().split(';')[0] ?? '', 10);
  if (!Number.isSafeInteger(jobId)) {
    throw new LabError(LabErrorCode.CommandFailed, `sbatch printed no job id: ${JSON.stringify(stdout)}`);
  }
  return jobId;
}

/**
 * Parses one line of `scontrol -o show …` output into key/value pairs.
 * Values with spaces are not split correctly; none of the keys tests read have them.
 */
export function parseScontrolLine(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const token of line.trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq > 0) fields[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return fields;
}

/** Current state of a job: from slurmctld while it knows the job, else from accounting. */
export async function jobState(jobId: number): Promise<string | undefined> {
  try {
    const { stdout } = await runSlurm('scontrol', ['-o', 'show', 'job', String(jobId)]);
    const state = parseScontrolLine(stdout)['JobState'];
    if (state !== undefined) return state;
  } catch {
    // Purged from slurmctld (MinJobAge): fall through to sacct.
  }
  const { stdout } = await runSlurm('sacct', ['-n', '-X', '-P', '-o', 'State', '-j', String(jobId)]);
  const state = stdout.trim().split('\n')[0]?.split(' ')[0];
  return state === undefined || state === '' ? undefined : state;
}

/**
 * Polls until the job is in one of `states`.
 *
 * @returns the state reached.
 * @throws {LabError} `UNEXPECTED_STATE` when the job ends in a state not asked for,
 *   `TIMEOUT` when `timeoutMs` passes first.
 */
export async function waitForJobState(
  jobId: number,
  states: readonly string[],
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const terminal: readonly string[] = TERMINAL_JOB_STATES;
  let last: string | undefined;
  for (;;) {
    last = await jobState(jobId);
    if (last !== undefined && states.includes(last)) return last;
    if (last !== undefined && terminal.includes(last)) {
      throw new LabError(
        LabErrorCode.UnexpectedState,
        `job ${jobId} ended ${last} while waiting for ${states.join('|')}; see the slurmctld and slurmd logs in the lab dir`,
      );
    }
    if (Date.now() >= deadline) {
      throw new LabError(
        LabErrorCode.Timeout,
        `job ${jobId} not in ${states.join('|')} after ${timeoutMs} ms (last state: ${last ?? 'unknown'})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Polls accounting (sacct, that is slurmdbd) until every job in `jobIds` has a row there in a final
 * state. slurmctld hands job starts and ends to slurmdbd asynchronously, so a job that squeue or
 * scontrol already reports COMPLETED can still be missing from sacct, or show there as PENDING or
 * RUNNING, for a moment; anything that reads history must wait for this, not for slurmctld.
 * A final state is not enough either: a short job's row first appears from its end message alone,
 * already COMPLETED but with no partition and `Eligible=Unknown`, and a time-window query
 * (`sacct --starttime`, which is what collect sends) does not return it until the rest arrives,
 * about a second later. So a row counts only when it has its partition and eligible time too.
 * An array job's id stands for all of its tasks: it counts as final when every task row is.
 *
 * @returns each job's final accounting state (the first word: `CANCELLED by 0` gives `CANCELLED`);
 *   for an array job, the state of its first task row.
 * @throws {LabError} `TIMEOUT` when `timeoutMs` passes first, naming the jobs still missing or not final.
 */
export async function waitForAccounting(
  jobIds: readonly number[],
  timeoutMs: number,
): Promise<Map<number, string>> {
  const deadline = Date.now() + timeoutMs;
  const terminal: readonly string[] = TERMINAL_JOB_STATES;
  for (;;) {
    // With -j, sacct looks at all time (its default start of today does not apply).
    const { stdout } = await runSlurm('sacct', [
      '-n',
      '-X',
      '-P',
      '-o',
      'JobIDRaw,JobID,State,Partition,Eligible',
      '-j',
      jobIds.join(','),
    ]);
    const rows = stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [raw = '', id = '', state = '', partition = '', eligible = ''] = line.split('|');
        const complete = partition !== '' && eligible !== '' && eligible !== 'Unknown';
        return { raw, id, state: state.split(' ')[0] ?? '', complete };
      });
    const states = new Map<number, string>();
    const waiting: string[] = [];
    for (const jobId of jobIds) {
      const own = rows.filter((r) => r.raw === String(jobId) || r.id.startsWith(`${jobId}_`));
      const first = own[0];
      if (first === undefined) waiting.push(`${jobId}: not in sacct`);
      else if (!own.every((r) => r.complete && terminal.includes(r.state)))
        waiting.push(
          `${jobId}: ${own.map((r) => (r.complete ? r.state : `${r.state} (row incomplete)`)).join(',')}`,
        );
      else states.set(jobId, first.state);
    }
    if (waiting.length === 0) return states;
    if (Date.now() >= deadline) {
      throw new LabError(
        LabErrorCode.Timeout,
        `accounting has not recorded the end of every job after ${timeoutMs} ms (${waiting.join('; ')}); see slurmdbd.log and slurmctld.log in the lab dir`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
