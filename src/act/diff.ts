import type {
  CreateReservationInput,
  DeleteReservationInput,
  Node,
  PowerNodesInput,
  Reservation,
  SetNodeFeaturesInput,
  UpdateReservationInput,
} from '../../sdk/index.js';
import type {
  KeepPoweredAction,
  Plan,
  PlanAction,
  ReservationAction,
  SetFeaturesAction,
} from '../plan/plan.js';
import { poweredTargets } from '../plan/decide.js';
import type { Ledger, LedgerEffect } from './ledger.js';
import { isOwnedReservation, ownedReservationName, type Ownership } from './ownership.js';
import type { OperationKind } from './types.js';

/**
 * The pure core of the actuator: a plan and fresh Slurm state in, the fewest operations that make Slurm
 * match the plan out. No clock (the state's `nowS` is the instant), no I/O. Everything that is not
 * Slurmcast's (an admin's reservation, a node an admin drained or reserved, a node change not in the
 * ledger) is read but never a target.
 */

/** Slurm as it is now, read fresh before every diff. */
export interface LiveState {
  /** The instant the state was read, Unix s. */
  nowS: number;
  reservations: readonly Reservation[];
  nodes: readonly Node[];
}

/** What an operation sends: the SDK command's input, by kind. */
export type OperationRequest =
  | { kind: 'create-reservation'; input: CreateReservationInput }
  | { kind: 'update-reservation'; input: UpdateReservationInput }
  | { kind: 'delete-reservation'; input: DeleteReservationInput }
  | { kind: 'power-up'; input: PowerNodesInput }
  | { kind: 'power-down'; input: PowerNodesInput }
  | { kind: 'set-features'; input: SetNodeFeaturesInput };

/** One Slurm change, with what it serves and what it changes. */
export interface Operation {
  /** The plan action's id, or `release:<object>` for an owned object the plan no longer wants. */
  actionId: string;
  kind: OperationKind;
  /** The reservation or node it changes. */
  target: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string;
  request: OperationRequest;
  /** What the ledger records once Slurm accepted it. */
  effect: LedgerEffect;
  /** For the partition-share cap: the partition and how many of its nodes the change adds (< 0 frees). */
  reservedDelta?: { partition: string; nodes: number };
}

/** A plan action the actuator could not serve at all (no node of the type is free to take, …). */
export interface SkippedAction {
  actionId: string;
  reason: string;
}

/** The diff in full: what to send, how many wanted objects are already right, what could not be served. */
export interface Diff {
  operations: Operation[];
  unchanged: number;
  skipped: SkippedAction[];
}

/** Options of `diffPlan`. */
export interface DiffOptions {
  ownership: Ownership;
  /** Node changes Slurmcast made earlier (from the state directory). */
  ledger: Ledger;
  /**
   * Node name → node type name, as the planner's inventory names them (`cpu-64c-in-a+b`). A node
   * answers to that name and to its `defaultNodeType` (`gpu-h100x2`, `cpu-8c`), so plans from the
   * planner and plans written by hand both find it.
   */
  nodeTypes?: Readonly<Record<string, string>>;
}

/** Base states and flags that mean an admin or a failure took the node out: Slurmcast leaves it alone. */
const UNUSABLE = new Set([
  'DOWN',
  'DRAIN',
  'DRAINED',
  'DRAINING',
  'FAIL',
  'FAILING',
  'FUTURE',
  'MAINT',
  'NOT_RESPONDING',
  'REBOOT_REQUESTED',
  'REBOOT_ISSUED',
  'UNKNOWN',
  'INVALID',
  'INVALID_REG',
]);

/** Whether Slurm may run jobs on the node and no admin or failure took it out. */
export function isUsable(node: Node): boolean {
  return !UNUSABLE.has(node.state) && !node.stateFlags.some((f) => UNUSABLE.has(f));
}

/**
 * The node type a node belongs to when the caller gives none: GPU nodes by GPU type and count
 * (`gpu-h100x2`), others by CPU count (`cpu-8c`). The planner's inventory should name types the same way.
 */
export function defaultNodeType(node: Node): string {
  const gpus = node.gres.filter((g) => g.name === 'gpu');
  const count = gpus.reduce((sum, g) => sum + g.count, 0);
  if (count > 0) return `gpu-${gpus[0]?.type ?? 'gpu'}x${count}`;
  return `cpu-${node.cpus}c`;
}

/** Node names in a stable order that reads well: c2 before c10. */
export function byNodeName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function sortedNames(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(byNodeName);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function isPowered(node: Node): boolean {
  return !node.power.poweredDown && !node.power.poweringDown;
}

function isIdle(node: Node): boolean {
  return node.state === 'IDLE' && node.cpusAllocated === 0 && !node.power.poweringUp;
}

/** The diff's context, computed once per call. */
interface Context {
  nowS: number;
  ownership: Ownership;
  ledger: Ledger;
  /** Whether the node answers to the type name (its inventory name or its default one). */
  isOfType: (node: Node, type: string) => boolean;
  /** The names the node answers to, the inventory's first. */
  typesOf: (node: Node) => readonly string[];
  nodes: readonly Node[];
  reservations: readonly Reservation[];
  /** Nodes in a reservation Slurmcast does not own that has not ended: never a target of node changes. */
  adminHeld: Set<string>;
}

/** A reservation's window; an unknown end (Slurm's INFINITE) never ends. */
function windowOf(r: Reservation): { startS: number; endS: number } {
  return { startS: r.startEpochS ?? 0, endS: r.endEpochS ?? Number.POSITIVE_INFINITY };
}

function overlaps(r: Reservation, fromS: number, toS: number): boolean {
  const w = windowOf(r);
  return w.startS < toS && w.endS > fromS;
}

/** Features a feature expression asks for, when it is a plain `a&b` conjunction (else null). */
function requiredFeatures(expression: string | null): string[] | null {
  if (expression === null) return [];
  if (!/^[A-Za-z0-9_.:-]+(&[A-Za-z0-9_.:-]+)*$/.test(expression)) return null;
  return expression.split('&');
}

function reservationDiff(
  ctx: Context,
  actions: readonly ReservationAction[],
  out: Diff,
): Map<string, ReservationAction> {
  const wanted = new Map<string, ReservationAction>();
  // Nodes already given to another wanted reservation this cycle.
  const taken = new Set<string>();
  for (const action of actions) {
    if (action.toS <= ctx.nowS) continue; // Over: not wanted any more, released below if it exists.
    const name = ownedReservationName(ctx.ownership, action.key);
    if (wanted.has(name)) {
      out.skipped.push({ actionId: action.id, reason: `another action already uses key ${action.key}` });
      continue;
    }
    wanted.set(name, action);
    const existing = ctx.reservations.find((r) => r.name === name);
    const members = new Set(existing?.nodeNames ?? []);
    const features = requiredFeatures(action.features);
    const heldByOthers = new Set(
      ctx.reservations
        .filter((r) => r.name !== name && overlaps(r, Math.max(action.fromS, ctx.nowS), action.toS))
        .flatMap((r) => r.nodeNames),
    );
    const candidates = ctx.nodes
      .filter(
        (n) =>
          ctx.isOfType(n, action.nodeType) &&
          n.partitions.includes(action.partition) &&
          isUsable(n) &&
          !taken.has(n.name) &&
          (features === null || features.every((f) => n.availableFeatures.includes(f))),
      )
      // Deterministic and minimal: keep what the reservation has, then free nodes, then the rest by
      // name (Slurm refuses those that another reservation holds, and the refusal is reported).
      .sort(
        (a, b) =>
          Number(members.has(b.name)) - Number(members.has(a.name)) ||
          Number(heldByOthers.has(a.name)) - Number(heldByOthers.has(b.name)) ||
          byNodeName(a.name, b.name),
      );
    const chosen = sortedNames(candidates.slice(0, action.nodeCount).map((n) => n.name));
    if (chosen.length === 0) {
      out.skipped.push({
        actionId: action.id,
        reason: `no usable ${action.nodeType} node in partition ${action.partition}${action.features === null ? '' : ` with ${action.features}`}`,
      });
      continue;
    }
    for (const n of chosen) taken.add(n);
    const short =
      chosen.length < action.nodeCount ? ` (only ${chosen.length} of ${action.nodeCount} nodes usable)` : '';
    const accounts = sortedNames(action.accounts);
    const users = sortedNames(action.users);
    const startNow = action.fromS <= ctx.nowS;
    const wantedState = {
      nodes: chosen,
      accounts,
      users,
      startS: startNow ? ctx.nowS : action.fromS,
      endS: action.toS,
      partition: action.partition,
    };
    if (existing === undefined) {
      out.operations.push({
        actionId: action.id,
        kind: 'create-reservation',
        target: name,
        before: null,
        after: wantedState,
        reason: action.reason + short,
        request: {
          kind: 'create-reservation',
          input: {
            name,
            // Slurm refuses a start in the past ("Invalid time specified").
            start: startNow ? 'now' : action.fromS,
            endEpochS: action.toS,
            nodes: chosen,
            partition: action.partition,
            ...(accounts.length > 0 ? { accounts } : {}),
            ...(users.length > 0 ? { users } : {}),
          },
        },
        effect: { type: 'reservation-created', name, key: action.key },
        reservedDelta: { partition: action.partition, nodes: chosen.length },
      });
      continue;
    }
    const change: Omit<UpdateReservationInput, 'name'> = {};
    if (!sameSet(existing.nodeNames, chosen)) change.nodes = chosen;
    if (!sameSet(existing.accounts, accounts) || !sameSet(existing.users, users)) {
      // Both at once: Slurm needs one of them non-empty at every moment.
      change.accounts = accounts;
      change.users = users;
    }
    if (existing.endEpochS !== action.toS) change.endEpochS = action.toS;
    if (windowOf(existing).startS > ctx.nowS) {
      if (startNow) change.start = 'now';
      else if (existing.startEpochS !== action.fromS) change.start = action.fromS;
    }
    if (Object.keys(change).length === 0) {
      out.unchanged += 1;
      continue;
    }
    out.operations.push({
      actionId: action.id,
      kind: 'update-reservation',
      target: name,
      before: {
        nodes: sortedNames(existing.nodeNames),
        accounts: sortedNames(existing.accounts),
        users: sortedNames(existing.users),
        startS: existing.startEpochS,
        endS: existing.endEpochS,
        partition: existing.partition,
      },
      after: wantedState,
      reason: action.reason + short,
      request: { kind: 'update-reservation', input: { name, ...change } },
      effect: { type: 'none' },
      reservedDelta: { partition: action.partition, nodes: chosen.length - existing.nodeNames.length },
    });
  }
  for (const r of ctx.reservations) {
    if (wanted.has(r.name) || !isOwnedReservation(ctx.ownership, r.name)) continue;
    out.operations.push(releaseReservation(r, 'the plan no longer asks for it'));
  }
  return wanted;
}

/** The delete of an owned reservation, for a release or a revert. */
export function releaseReservation(r: Reservation, reason: string, actionId?: string): Operation {
  return {
    actionId: actionId ?? `release:${r.name}`,
    kind: 'delete-reservation',
    target: r.name,
    before: {
      nodes: sortedNames(r.nodeNames),
      accounts: sortedNames(r.accounts),
      users: sortedNames(r.users),
      startS: r.startEpochS,
      endS: r.endEpochS,
      partition: r.partition,
    },
    after: null,
    reason,
    request: { kind: 'delete-reservation', input: { name: r.name } },
    effect: { type: 'reservation-deleted', name: r.name },
    ...(r.partition === null
      ? {}
      : { reservedDelta: { partition: r.partition, nodes: -r.nodeNames.length } }),
  };
}

/** The power-down of a node Slurmcast powered up, when it is idle and nobody else holds it. */
export function mayPowerDown(ctx: { adminHeld: Set<string> }, node: Node): boolean {
  return isUsable(node) && isPowered(node) && isIdle(node) && !ctx.adminHeld.has(node.name);
}

export function powerDownOperation(node: Node, reason: string, actionId?: string): Operation {
  return {
    actionId: actionId ?? `release:${node.name}`,
    kind: 'power-down',
    target: node.name,
    before: { power: 'on', state: node.state },
    after: { power: 'powered-down' },
    reason,
    request: { kind: 'power-down', input: { nodes: [node.name], mode: 'down' } },
    effect: { type: 'powered-down', node: node.name },
  };
}

function powerDiff(ctx: Context, actions: readonly KeepPoweredAction[], out: Diff): void {
  const target = poweredTargets(actions, ctx.nowS);
  const types = sortedNames([
    ...target.keys(),
    ...Object.keys(ctx.ledger.poweredUp).flatMap((name) => {
      const node = ctx.nodes.find((n) => n.name === name);
      if (node === undefined) return [];
      // Under the name a planned action uses, if any: one node must not be counted under two types.
      const names = ctx.typesOf(node);
      return [names.find((t) => target.has(t)) ?? names[0] ?? defaultNodeType(node)];
    }),
  ]);
  for (const type of types) {
    const action = target.get(type);
    const wanted = action?.count ?? 0;
    const ofType = ctx.nodes.filter((n) => ctx.isOfType(n, type));
    const powered = ofType.filter((n) => isUsable(n) && isPowered(n));
    if (action !== undefined && powered.length >= wanted && wanted > 0) out.unchanged += 1;
    if (action !== undefined && powered.length < wanted) {
      const candidates = ofType
        .filter(
          (n) =>
            isUsable(n) &&
            n.power.poweredDown &&
            !n.power.poweringUp &&
            !n.power.poweringDown &&
            !ctx.adminHeld.has(n.name),
        )
        .sort((a, b) => byNodeName(a.name, b.name))
        .slice(0, wanted - powered.length);
      if (candidates.length === 0) {
        out.skipped.push({
          actionId: action.id,
          reason: `${powered.length} of ${wanted} ${type} nodes powered and no other can be powered up (only powered-down, usable nodes outside admin reservations)`,
        });
      }
      for (const n of candidates) {
        out.operations.push({
          actionId: action.id,
          kind: 'power-up',
          target: n.name,
          before: { power: 'powered-down', state: n.state },
          after: { power: 'on' },
          reason: action.reason,
          request: { kind: 'power-up', input: { nodes: [n.name], mode: 'up' } },
          effect: { type: 'powered-up', node: n.name },
        });
      }
      continue;
    }
    // Only nodes Slurmcast powered up go back down, and only while idle: never an admin's.
    const excess = powered.length - wanted;
    if (excess <= 0) continue;
    const ours = powered
      .filter((n) => ctx.ledger.poweredUp[n.name] !== undefined && mayPowerDown(ctx, n))
      .sort((a, b) => byNodeName(a.name, b.name))
      .slice(0, excess);
    for (const n of ours) {
      out.operations.push(
        powerDownOperation(
          n,
          wanted === 0
            ? `the plan no longer keeps ${type} nodes powered`
            : `the plan keeps ${wanted} ${type} nodes powered, ${powered.length} are`,
        ),
      );
    }
  }
}

/** The restore of a node's features as they were before Slurmcast, if nobody changed them since. */
export function restoreFeaturesOperation(
  node: Node,
  entry: Ledger['features'][string],
  reason: string,
  actionId?: string,
): Operation | undefined {
  if (!sameSet(node.activeFeatures, entry.set)) return undefined; // An admin changed them: theirs now.
  if (!entry.original.every((f) => node.availableFeatures.includes(f))) return undefined;
  return {
    actionId: actionId ?? `release:${node.name}`,
    kind: 'set-features',
    target: node.name,
    before: { activeFeatures: sortedNames(node.activeFeatures) },
    after: { activeFeatures: sortedNames(entry.original) },
    reason,
    request: { kind: 'set-features', input: { nodes: [node.name], active: sortedNames(entry.original) } },
    effect: { type: 'features-restored', node: node.name },
  };
}

function featuresDiff(ctx: Context, actions: readonly SetFeaturesAction[], out: Diff): void {
  const claimed = new Set<string>();
  for (const action of [...actions].sort((a, b) => a.id.localeCompare(b.id))) {
    if (action.fromS > ctx.nowS || action.toS <= ctx.nowS) continue;
    const desired = sortedNames(action.activeFeatures);
    const ofType = ctx.nodes
      .filter((n) => ctx.isOfType(n, action.nodeType) && !claimed.has(n.name))
      // Nodes already Slurmcast's first, so a second cycle moves nothing.
      .sort(
        (a, b) =>
          Number(ctx.ledger.features[b.name] !== undefined) -
            Number(ctx.ledger.features[a.name] !== undefined) || byNodeName(a.name, b.name),
      );
    const already = ofType.filter((n) => sameSet(n.activeFeatures, desired)).slice(0, action.count);
    for (const n of already) claimed.add(n.name);
    const missing = action.count - already.length;
    if (missing <= 0) {
      out.unchanged += 1;
      continue;
    }
    const candidates = ofType
      .filter(
        (n) =>
          !claimed.has(n.name) &&
          isUsable(n) &&
          !ctx.adminHeld.has(n.name) &&
          desired.every((f) => n.availableFeatures.includes(f)) &&
          // A node whose features an admin set (they differ from what the ledger says Slurmcast set)
          // is theirs; a node not in the ledger is fair game, its features are recorded first.
          (ctx.ledger.features[n.name] === undefined ||
            sameSet(n.activeFeatures, ctx.ledger.features[n.name]?.set ?? [])),
      )
      .slice(0, missing);
    if (candidates.length < missing) {
      out.skipped.push({
        actionId: action.id,
        reason: `${already.length + candidates.length} of ${action.count} ${action.nodeType} nodes can carry ${desired.join(',') || '(no features)'}`,
      });
    }
    for (const n of candidates) {
      claimed.add(n.name);
      out.operations.push({
        actionId: action.id,
        kind: 'set-features',
        target: n.name,
        before: { activeFeatures: sortedNames(n.activeFeatures) },
        after: { activeFeatures: desired },
        reason: action.reason,
        request: { kind: 'set-features', input: { nodes: [n.name], active: desired } },
        effect: {
          type: 'features-set',
          node: n.name,
          original: sortedNames(ctx.ledger.features[n.name]?.original ?? n.activeFeatures),
          set: desired,
        },
      });
    }
  }
  for (const [name, entry] of Object.entries(ctx.ledger.features).sort(([a], [b]) => byNodeName(a, b))) {
    if (claimed.has(name)) continue;
    const node = ctx.nodes.find((n) => n.name === name);
    if (node === undefined || !isUsable(node) || sameSet(node.activeFeatures, entry.original)) continue;
    const op = restoreFeaturesOperation(node, entry, 'the plan no longer asks for these features');
    if (op !== undefined) out.operations.push(op);
  }
}

/** Releases before takes, so that what a cycle frees counts for the caps of what it then takes. */
const KIND_ORDER: Record<OperationKind, number> = {
  'delete-reservation': 0,
  'power-down': 1,
  'update-reservation': 2,
  'create-reservation': 3,
  'power-up': 4,
  'set-features': 5,
};

function context(live: LiveState, options: DiffOptions): Context {
  const nodeTypes = options.nodeTypes ?? {};
  const typesOf = (n: Node): readonly string[] => {
    const own = defaultNodeType(n);
    const named = nodeTypes[n.name];
    return named === undefined || named === own ? [own] : [named, own];
  };
  return {
    nowS: live.nowS,
    ownership: options.ownership,
    ledger: options.ledger,
    typesOf,
    isOfType: (n, type) => typesOf(n).includes(type),
    nodes: [...live.nodes].sort((a, b) => byNodeName(a.name, b.name)),
    reservations: [...live.reservations].sort((a, b) => a.name.localeCompare(b.name)),
    adminHeld: new Set(
      live.reservations
        .filter((r) => !isOwnedReservation(options.ownership, r.name) && windowOf(r).endS > live.nowS)
        .flatMap((r) => r.nodeNames),
    ),
  };
}

/**
 * The diff with its bookkeeping: the operations, how many wanted objects are already as the plan wants,
 * and the actions that could not be served.
 */
export function diffPlanDetailed(plan: Plan, live: LiveState, options: DiffOptions): Diff {
  const ctx = context(live, options);
  const out: Diff = { operations: [], unchanged: 0, skipped: [] };
  const of = <K extends PlanAction['kind']>(kind: K) =>
    plan.actions.filter((a): a is Extract<PlanAction, { kind: K }> => a.kind === kind);
  reservationDiff(ctx, of('reservation'), out);
  powerDiff(ctx, of('keep-powered'), out);
  featuresDiff(ctx, of('set-features'), out);
  out.operations.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  return out;
}

/**
 * The fewest Slurm operations that make `live` match `plan`, on objects Slurmcast owns only. Applying
 * the plan to the state these operations produce gives none.
 * @example
 * const ops = diffPlan(plan, { nowS, reservations, nodes }, { ownership, ledger });
 */
export function diffPlan(plan: Plan, live: LiveState, options: DiffOptions): Operation[] {
  return diffPlanDetailed(plan, live, options).operations;
}

/**
 * The ledger without entries that Slurm itself made untrue: a node Slurm powered down again
 * (SuspendTime) or that is gone, features that are back to what they were (a reconfigure or restart
 * drops live feature changes) or that an admin changed, reservations that no longer exist.
 */
export function pruneLedger(ledger: Ledger, live: LiveState): Ledger {
  const nodes = new Map(live.nodes.map((n) => [n.name, n]));
  const names = new Set(live.reservations.map((r) => r.name));
  return {
    version: 1,
    poweredUp: Object.fromEntries(
      Object.entries(ledger.poweredUp).filter(([name]) => {
        const n = nodes.get(name);
        return n !== undefined && (isPowered(n) || n.power.poweringUp);
      }),
    ),
    features: Object.fromEntries(
      Object.entries(ledger.features).filter(([name, entry]) => {
        const n = nodes.get(name);
        return n !== undefined && sameSet(n.activeFeatures, entry.set) && !sameSet(entry.set, entry.original);
      }),
    ),
    reservations: Object.fromEntries(Object.entries(ledger.reservations).filter(([name]) => names.has(name))),
  };
}

/** What a revert undoes: one plan action's changes, or everything Slurmcast owns. */
export type RevertSelector = { actionId: string } | { allOwned: true };

/**
 * The operations that undo Slurmcast's changes: delete its reservations, power down the nodes it
 * powered up (when idle), give nodes back the features they had. Node changes come from the ledger
 * only; reservations are found by their verified names (`allOwned`) or in the ledger (`actionId`).
 */
export function revertDiff(live: LiveState, options: DiffOptions, selector: RevertSelector): Diff {
  const ctx = context(live, options);
  const out: Diff = { operations: [], unchanged: 0, skipped: [] };
  const selected = (actionId: string): boolean => 'allOwned' in selector || selector.actionId === actionId;
  const label = 'allOwned' in selector ? 'revert --all-owned' : `revert ${selector.actionId}`;
  for (const r of ctx.reservations) {
    if (!isOwnedReservation(ctx.ownership, r.name)) continue;
    const entry = ctx.ledger.reservations[r.name];
    if ('allOwned' in selector || entry?.actionId === selector.actionId) {
      out.operations.push(releaseReservation(r, label, entry?.actionId ?? `release:${r.name}`));
    }
  }
  for (const [name, entry] of Object.entries(ctx.ledger.poweredUp).sort(([a], [b]) => byNodeName(a, b))) {
    if (!selected(entry.actionId)) continue;
    const node = ctx.nodes.find((n) => n.name === name);
    if (node === undefined || node.power.poweredDown) continue;
    if (mayPowerDown(ctx, node)) out.operations.push(powerDownOperation(node, label, entry.actionId));
    else
      out.skipped.push({
        actionId: entry.actionId,
        reason: `${name} is busy, drained or held by an admin: left powered`,
      });
  }
  for (const [name, entry] of Object.entries(ctx.ledger.features).sort(([a], [b]) => byNodeName(a, b))) {
    if (!selected(entry.actionId)) continue;
    const node = ctx.nodes.find((n) => n.name === name);
    if (node === undefined || sameSet(node.activeFeatures, entry.original)) continue;
    const op = restoreFeaturesOperation(node, entry, label, entry.actionId);
    if (op !== undefined) out.operations.push(op);
    else
      out.skipped.push({
        actionId: entry.actionId,
        reason: `${name}: its features were changed since Slurmcast set them: left as they are`,
      });
  }
  out.operations.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  return out;
}
