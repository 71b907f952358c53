import type { ApplyReport } from '../act/types.js';
import type { Plan, ReservationAction } from '../plan/plan.js';
import type { EngineState, ReservationTrack, ReservationUseClass } from './state.js';

/**
 * Hysteresis and cooldown over the planner's reservations, as pure functions of the engine state and
 * what Slurm recorded. The planner says what the forecast wants; this says how fast the cluster may
 * follow: a reservation shrinks only after it measured idle several cycles in a row (one node per
 * step, then it is released), grows when it measured full, is never shrunk while in use, and is not
 * resized at all within the cooldown after its last change. Without it a forecast that wobbles around
 * a node boundary would create and delete a reservation every cycle.
 */

/** One owned reservation's use, from what Slurm recorded (jobs in it per sacct, and the queue). */
export interface ReservationUse {
  /** The plan's reservation key. */
  key: string;
  /** Slurm's name. */
  name: string;
  nodeCount: number;
  /** Nodes running at least one job of the reservation (and, where GPUs were sampled, using them). */
  busyNodes: number;
  /** Nodes that ran jobs of the reservation whose sampled GPUs stayed idle: reserved but idle, not busy. */
  gpuIdleNodes: number;
  /** Jobs waiting for the reservation (squeue). */
  pendingJobs: number;
}

/** Thresholds of the hysteresis (config `engine`). */
export interface HysteresisSettings {
  cooldownS: number;
  idleCyclesToShrink: number;
  /** At most this share of nodes busy, and nothing pending: idle. */
  idleThreshold: number;
  /** At least this share of nodes busy, or a job pending: full. */
  fullThreshold: number;
}

/** Idle, used or full, by the thresholds; a job waiting for the reservation makes it full. */
export function classifyUse(use: ReservationUse, settings: HysteresisSettings): ReservationUseClass {
  if (use.pendingJobs > 0) return 'full';
  const busyShare = use.nodeCount === 0 ? 0 : use.busyNodes / use.nodeCount;
  if (busyShare >= settings.fullThreshold) return 'full';
  return busyShare <= settings.idleThreshold ? 'idle' : 'used';
}

/**
 * The state after a measurement: each measured reservation's use and idle run; a tracked reservation
 * that was not measured no longer exists in Slurm and is dropped. A reservation created or resized at
 * or after `cycleStartS` (by the cycle that now measures it) has had no time to be used: its idle run
 * starts with the next cycle's measurement, or a new reservation would count idle before any job
 * could reach it.
 */
export function recordMeasurements(
  state: EngineState,
  uses: readonly ReservationUse[],
  options: { nowS: number; settings: HysteresisSettings; cycleStartS?: number },
): EngineState {
  const tracks = new Map(state.reservations.map((t) => [t.key, t]));
  const cycleStartS = options.cycleStartS ?? Number.POSITIVE_INFINITY;
  const reservations: ReservationTrack[] = uses.map((use) => {
    const previous = tracks.get(use.key);
    const lastUse = classifyUse(use, options.settings);
    const justChanged = (previous?.lastChangeS ?? Number.NEGATIVE_INFINITY) >= cycleStartS;
    return {
      key: use.key,
      name: use.name,
      nodeCount: use.nodeCount,
      lastUse,
      idleCycles: lastUse === 'idle' && !justChanged ? (previous?.idleCycles ?? 0) + 1 : 0,
      lastChangeS: previous?.lastChangeS ?? null,
      measuredAtS: options.nowS,
      action: previous?.action ?? null,
    };
  });
  // Released ones are not in Slurm to be measured: kept until their cooldown is over.
  const measured = new Set(uses.map((u) => u.key));
  const released = state.reservations.filter(
    (t) =>
      t.nodeCount === 0 &&
      !measured.has(t.key) &&
      t.lastChangeS !== null &&
      options.nowS - t.lastChangeS < options.settings.cooldownS,
  );
  return {
    ...state,
    reservations: [...reservations, ...released].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  };
}

/** What the hysteresis did to one reservation, for the log and `slurmcast plan`. */
export interface ReservationDecision {
  key: string;
  use: ReservationUseClass | 'new';
  /** Nodes it has now (0 for a new one). */
  fromNodes: number;
  /** Nodes the planner asked for (0: the planner wants none). */
  plannedNodes: number;
  /** Nodes the adjusted plan asks for (0: released). */
  toNodes: number;
  why: string;
}

/**
 * The plan as the cluster may follow it this cycle: the planner's reservations, held, grown, shrunk or
 * released by the tracked state (see the module's comment). Actions other than reservations pass as
 * they are.
 * @param nodesOfType usable nodes per node type: a full reservation grows at most to these.
 */
export function adjustPlan(
  plan: Plan,
  state: EngineState,
  options: { nowS: number; settings: HysteresisSettings; nodesOfType: Readonly<Record<string, number>> },
): { plan: Plan; decisions: ReservationDecision[] } {
  const { nowS, settings } = options;
  const planned = new Map<string, ReservationAction>();
  for (const a of plan.actions) if (a.kind === 'reservation') planned.set(a.key, a);
  const tracks = new Map(state.reservations.map((t) => [t.key, t]));
  const decisions: ReservationDecision[] = [];
  const adjusted = new Map<string, ReservationAction | null>();

  for (const key of [...new Set([...planned.keys(), ...tracks.keys()])].sort()) {
    const want = planned.get(key);
    const track = tracks.get(key);
    const wanted = want?.nodeCount ?? 0;
    if (track === undefined || track.nodeCount === 0) {
      if (want === undefined) continue;
      // Released by the engine before: not created again within the cooldown, or a forecast that
      // keeps asking for a reservation nobody uses would have it made and released cycle after cycle.
      const sinceS = track?.lastChangeS === null || track === undefined ? null : nowS - track.lastChangeS;
      if (sinceS !== null && sinceS < settings.cooldownS) {
        decisions.push({
          key,
          use: track?.lastUse ?? 'idle',
          fromNodes: 0,
          plannedNodes: wanted,
          toNodes: 0,
          why: `released ${sinceS} s ago: not created again within the cooldown (${settings.cooldownS} s)`,
        });
        continue;
      }
      // Nothing of ours in Slurm: the planner's word stands (the actuator caps creations).
      adjusted.set(key, want);
      decisions.push({
        key,
        use: 'new',
        fromNodes: 0,
        plannedNodes: wanted,
        toNodes: wanted,
        why:
          track === undefined
            ? 'new reservation'
            : 'new reservation (the cooldown after its release is over)',
      });
      continue;
    }
    const current = track.nodeCount;
    let target: number;
    let why: string;
    if (track.lastUse === 'full') {
      const cap = options.nodesOfType[(want ?? track.action)?.nodeType ?? ''] ?? current + 1;
      target = Math.min(Math.max(wanted, current + 1), Math.max(cap, current));
      why = target > current ? 'measured full: grows' : 'measured full, but no node of its type is left';
    } else if (track.lastUse === 'used') {
      target = Math.max(wanted, current);
      why = target > current ? 'in use: grows as planned' : 'in use: never shrunk while jobs use it';
    } else if (track.idleCycles >= settings.idleCyclesToShrink) {
      target = current - 1;
      why = `idle ${track.idleCycles} cycles in a row: ${target === 0 ? 'released' : 'shrinks by one node'}`;
    } else {
      target = Math.max(wanted, current);
      why =
        target > current
          ? 'idle, but the forecast wants more: grows as planned'
          : `idle ${track.idleCycles} of ${settings.idleCyclesToShrink} cycles before it shrinks: kept`;
    }
    const inCooldown = track.lastChangeS !== null && nowS - track.lastChangeS < settings.cooldownS;
    if (target !== current && inCooldown) {
      why = `cooldown: changed ${nowS - (track.lastChangeS ?? nowS)} s ago (< ${settings.cooldownS} s), kept at ${current}`;
      target = current;
    }
    const base = want ?? track.action;
    if (target > 0 && base === null) {
      // A reservation the state has no action for cannot be restated; the planner does not want it.
      why = 'not planned and no earlier action to keep it by: released';
      target = 0;
    }
    decisions.push({
      key,
      use: track.lastUse,
      fromNodes: current,
      plannedNodes: wanted,
      toNodes: target,
      why,
    });
    if (target === 0 || base === null) {
      adjusted.set(key, null);
      continue;
    }
    adjusted.set(key, {
      ...base,
      nodeCount: target,
      reason: target === wanted && want !== undefined ? base.reason : `${base.reason}; engine: ${why}`,
    });
  }

  // Keep the planner's order; restated reservations (the planner dropped them) go after its actions.
  const actions: Plan['actions'] = [];
  for (const action of plan.actions) {
    if (action.kind !== 'reservation') actions.push(action);
    else {
      const kept = adjusted.get(action.key);
      if (kept !== null && kept !== undefined) actions.push(kept);
    }
  }
  for (const [key, action] of adjusted) if (action !== null && !planned.has(key)) actions.push(action);
  return { plan: { ...plan, actions }, decisions };
}

/**
 * The state after an apply: each reservation whose size the engine changed, and Slurm accepted, starts
 * its cooldown and a new idle run; one whose operation was refused or capped keeps its old state, so
 * the next cycle tries again. A dry run changes nothing.
 */
export function recordApplied(
  state: EngineState,
  input: { plan: Plan; decisions: readonly ReservationDecision[]; report: ApplyReport; nowS: number },
): EngineState {
  if (input.report.dryRun) return state;
  const actions = new Map<string, ReservationAction>();
  for (const a of input.plan.actions) if (a.kind === 'reservation') actions.set(a.key, a);
  const failed = new Set(
    input.report.operations
      .filter((op) => op.outcome === 'refused' || op.outcome === 'capped')
      .flatMap((op) => [op.actionId, op.target]),
  );
  const tracks = new Map(state.reservations.map((t) => [t.key, t]));
  for (const decision of input.decisions) {
    const action = actions.get(decision.key) ?? null;
    const track = tracks.get(decision.key);
    const changed = decision.toNodes !== decision.fromNodes;
    const refused =
      (action !== null && failed.has(action.id)) || (track !== undefined && failed.has(track.name));
    if (refused) continue;
    if (track === undefined || (track.nodeCount === 0 && changed)) {
      // A created reservation: its Slurm name is the target of the operation that created it.
      const created = input.report.operations.find(
        (op) => action !== null && op.actionId === action.id && op.kind === 'create-reservation',
      );
      if (action === null || created === undefined || created.outcome !== 'applied') continue;
      tracks.set(decision.key, {
        key: decision.key,
        name: created.target,
        nodeCount: decision.toNodes,
        lastUse: 'idle',
        idleCycles: 0,
        lastChangeS: input.nowS,
        measuredAtS: input.nowS,
        action,
      });
      continue;
    }
    // A released reservation stays tracked at 0 nodes until its cooldown is over (see adjustPlan).
    tracks.set(decision.key, {
      ...track,
      nodeCount: decision.toNodes,
      action,
      ...(changed ? { lastChangeS: input.nowS, idleCycles: 0 } : {}),
    });
  }
  return {
    ...state,
    reservations: [...tracks.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  };
}
