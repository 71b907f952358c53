import { expandHostlist } from '../../sdk/parse/values.js';
import type { NodeGpuBusy } from '../series/gpu-busy.js';
import type { ReservationUse } from './hysteresis.js';

/**
 * Reservation use from what Slurm recorded, as a pure function of the reads: the owned reservations
 * (scontrol), the queue (squeue: running and pending jobs with their reservation), and the jobs that
 * ran in them since the last measurement (accounting, matched by reservation id). slurmdbd's
 * `sreport reservation utilization` is filled by an hourly rollup, so it cannot see use within minutes;
 * these reads can.
 */

/** An owned reservation as Slurm lists it. */
export interface MeasuredReservation {
  name: string;
  nodeNames: readonly string[];
}

/** A job as the queue or accounting lists it: its reservation, state and nodes (a hostlist). */
export interface MeasuredJob {
  reservation: string | null;
  state: string;
  nodes: string | null;
}

/** A node whose sampled GPUs all stayed below the busy share: its jobs held the GPUs but did not use them. */
function gpusIdle(node: NodeGpuBusy | undefined): boolean {
  return node !== undefined && node.idleGpus > 0 && node.busyGpus === 0 && node.unknownGpus === 0;
}

/**
 * Each owned reservation's use: the nodes of it that ran a job since the last measurement (a job
 * still running, or one that ran and ended between two cycles, both count: a reservation used between
 * cycles is not idle), and the jobs pending for it. A node whose jobs' GPUs were sampled (`gpuBusy`,
 * from `gpuBusyByNode` over the same window) and stayed idle counts as reserved but idle, not busy; a
 * node without samples counts by its jobs alone.
 * @param keyOf the plan key of an owned reservation's name (the actuator's naming), null for a name
 * that is not one of ours: such a reservation is not measured.
 */
export function reservationUseOf(input: {
  reservations: readonly MeasuredReservation[];
  queue: readonly MeasuredJob[];
  recentJobs: readonly MeasuredJob[];
  keyOf: (name: string) => string | null;
  gpuBusy?: readonly NodeGpuBusy[];
}): ReservationUse[] {
  const gpuByNode = new Map((input.gpuBusy ?? []).map((n) => [n.node, n]));
  const uses: ReservationUse[] = [];
  for (const reservation of input.reservations) {
    const key = input.keyOf(reservation.name);
    if (key === null) continue;
    const own = new Set(reservation.nodeNames);
    const busy = new Set<string>();
    // Pending jobs from the queue only: accounting lists the same jobs, and a job waits once.
    const pendingJobs = input.queue.filter(
      (job) => job.reservation === reservation.name && job.state === 'PENDING',
    ).length;
    for (const job of [...input.queue, ...input.recentJobs]) {
      if (job.reservation !== reservation.name || job.state === 'PENDING') continue;
      // A hostlist that cannot be read counts the job as using nothing rather than failing the cycle.
      for (const node of expandHostlist(job.nodes ?? '') ?? []) if (own.has(node)) busy.add(node);
    }
    const gpuIdle = [...busy].filter((node) => gpusIdle(gpuByNode.get(node))).length;
    uses.push({
      key,
      name: reservation.name,
      nodeCount: reservation.nodeNames.length,
      busyNodes: busy.size - gpuIdle,
      gpuIdleNodes: gpuIdle,
      pendingJobs,
    });
  }
  return uses;
}
