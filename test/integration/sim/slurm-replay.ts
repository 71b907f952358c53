/**
 * Replaying scaled log jobs (`test/lab/replay.ts`) on the lab's real Slurm: a partition of the lab's
 * always-on nodes, the submissions at their scaled times, and the times Slurm recorded, read back from
 * accounting through the SDK (sacct). Shared by `slurm-replay.test.ts` and
 * `test/bench/slurm-vs-sim.bench.ts`.
 *
 * Waiting is on Slurm's state (the queue, then accounting), never on a fixed sleep. The one timer is
 * the replay's own clock: each job is submitted when its scaled submit time comes.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  ListJobHistory,
  ListQueue,
  ListReservations,
  LocalTransport,
  SlurmClient,
} from '../../../sdk/index.js';
import { replaySbatch, type ReplayJob } from '../../lab/replay.js';
import { LabError, LabErrorCode, loadLab, runSlurm, sbatch, waitForAccounting } from '../lab.js';

/** The lab's nodes that are never powered down (c5 is the CLOUD node power saving boots). */
export const ALWAYS_ON_NODES = ['c1', 'c2', 'c3', 'c4'] as const;

/** CPUs of each lab node (slurm.conf `CPUs=8`). */
export const LAB_CPUS_PER_NODE = 8;

/** What Slurm recorded for one replayed job, Unix seconds. */
export interface ReplayedJob {
  readonly jobId: number;
  readonly state: string;
  readonly submitS: number;
  readonly startS: number;
  readonly endS: number;
}

/** The jobs of one replay as submitted. */
export interface SubmittedReplay {
  /** Slurm job ids, in the order of the replay jobs. */
  readonly jobIds: readonly number[];
  /** Wall-clock Unix seconds (fractional) at which scaled time 0 was. */
  readonly originS: number;
}

/** A client of the lab over the local transport (sacct, squeue on this machine). */
export function labClient(): SlurmClient {
  return new SlurmClient({ transport: new LocalTransport({ env: loadLab().env }) });
}

/**
 * Creates partition `name` of the always-on nodes at run time (gone at the next `scontrol
 * reconfigure`), after checking that no reservation holds one of them: a replay must have the
 * nodes to itself.
 * @throws {LabError} `UNEXPECTED_STATE` when a reservation covers one of the nodes.
 */
export async function createReplayPartition(client: SlurmClient, name: string): Promise<void> {
  const replayNodes: readonly string[] = ALWAYS_ON_NODES;
  const held = (await client.send(new ListReservations())).filter((r) =>
    r.nodeNames.some((n) => replayNodes.includes(n)),
  );
  if (held.length > 0)
    throw new LabError(
      LabErrorCode.UnexpectedState,
      `reservation ${held.map((r) => `${r.name} (${r.nodes})`).join(', ')} holds a replay node: delete it (scontrol delete reservation=…) first`,
    );
  await runSlurm('scontrol', [
    'create',
    `PartitionName=${name}`,
    `Nodes=${ALWAYS_ON_NODES.join(',')}`,
    'MaxTime=INFINITE',
    'State=UP',
  ]);
}

/** Deletes a partition made by {@link createReplayPartition}. */
export async function deleteReplayPartition(name: string): Promise<void> {
  await runSlurm('scontrol', ['delete', `PartitionName=${name}`]);
}

/**
 * Waits until no job runs on the replay nodes, so a replay starts on an empty machine (an earlier
 * test's jobs may still be ending).
 * @throws {LabError} `TIMEOUT` when jobs are still there after `timeoutMs`.
 */
export async function waitForIdleNodes(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await runSlurm('sinfo', ['-h', '-N', '-n', ALWAYS_ON_NODES.join(','), '-o', '%N %T']);
    const busy = [
      ...new Set(
        stdout
          .split('\n')
          .filter((l) => l.trim() !== '')
          .filter((l) => !/\sidle$/.test(l.trim())),
      ),
    ];
    if (busy.length === 0) return;
    if (Date.now() >= deadline)
      throw new LabError(
        LabErrorCode.Timeout,
        `replay nodes not idle after ${timeoutMs} ms: ${busy.join(', ')}`,
      );
    await delay(500);
  }
}

/**
 * Submits every job at its scaled submit time, one after another in order (so Slurm's job ids, and
 * with `priority/basic` its priorities, follow the log's order). A submission that comes late (sbatch
 * takes a few ms, more on a busy machine) is sent at once; Slurm records when it arrived.
 * @throws {LabError} `COMMAND_FAILED` when sbatch refuses a job.
 */
export async function submitReplay(
  jobs: readonly ReplayJob[],
  options: { partition: string; leadMs?: number; onProgress?: (submitted: number) => void },
): Promise<SubmittedReplay> {
  const originMs = Date.now() + (options.leadMs ?? 1_000);
  const jobIds: number[] = [];
  for (const job of jobs) {
    const waitMs = originMs + job.submitS * 1000 - Date.now();
    if (waitMs > 0) await delay(waitMs);
    const { args, script } = replaySbatch(job, options.partition);
    jobIds.push(await sbatch(args, script));
    options.onProgress?.(jobIds.length);
  }
  return { jobIds, originS: originMs / 1000 };
}

/**
 * Waits until the partition's queue holds none of the replay's jobs, then until accounting has
 * recorded the end of every one of them.
 * @returns each job's final accounting state.
 * @throws {LabError} `TIMEOUT` when `timeoutMs` passes first.
 */
export async function waitForReplayEnd(
  client: SlurmClient,
  replay: SubmittedReplay,
  options: { partition: string; timeoutMs: number; onProgress?: (queued: number) => void },
): Promise<Map<number, string>> {
  const deadline = Date.now() + options.timeoutMs;
  const ours = new Set(replay.jobIds);
  for (;;) {
    const queue = await client.send(new ListQueue({ partitions: [options.partition] }));
    const queued = queue.filter((j) => ours.has(j.id.raw)).length;
    options.onProgress?.(queued);
    if (queued === 0) break;
    if (Date.now() >= deadline)
      throw new LabError(
        LabErrorCode.Timeout,
        `${queued} replay jobs still queued or running after ${options.timeoutMs} ms`,
      );
    await delay(2_000);
  }
  return waitForAccounting(replay.jobIds, Math.max(30_000, deadline - Date.now()));
}

/**
 * What accounting recorded for the replay's jobs, in the order of `replay.jobIds`.
 * @throws {LabError} `UNEXPECTED_STATE` when a job is missing, never started, or did not complete
 *   (a TIMEOUT means the sleep outran its limit: the margin in `replaySlice` is too small).
 */
export async function readReplay(client: SlurmClient, replay: SubmittedReplay): Promise<ReplayedJob[]> {
  const records = await client.send(
    new ListJobHistory({ startEpochS: Math.floor(replay.originS) - 3600, jobIds: [...replay.jobIds] }),
  );
  const byId = new Map(records.map((r) => [r.id.raw, r] as const));
  return replay.jobIds.map((jobId) => {
    const r = byId.get(jobId);
    if (r === undefined)
      throw new LabError(LabErrorCode.UnexpectedState, `job ${jobId} is not in accounting`);
    if (r.state !== 'COMPLETED')
      throw new LabError(
        LabErrorCode.UnexpectedState,
        `replay job ${jobId} ended ${r.state}, not COMPLETED; see slurmctld.log in ${loadLab().dir}`,
      );
    const { submitEpochS: submitS, startEpochS: startS, endEpochS: endS } = r;
    if (submitS === null || startS === null || endS === null)
      throw new LabError(
        LabErrorCode.UnexpectedState,
        `replay job ${jobId} has no submit, start or end time`,
      );
    return { jobId, state: r.state, submitS, startS, endS };
  });
}
