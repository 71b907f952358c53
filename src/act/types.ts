import type { ActConfig } from '../config/schema.js';
import type { Plan } from '../plan/plan.js';
import type { Clock } from '../shared/clock.js';

/**
 * The actuator's contract: what the adjust engine and the CLI (`apply`, `revert`) call. The actuator
 * diffs a plan against fresh Slurm state and sends only the operations that change something, on
 * objects Slurmcast owns; everything it does or would do is one `OperationReport`.
 */

/** The Slurm operations the actuator sends (through the SDK's typed commands). */
export const OperationKinds = [
  'create-reservation',
  'update-reservation',
  'delete-reservation',
  'power-up',
  'power-down',
  'set-features',
] as const;
export type OperationKind = (typeof OperationKinds)[number];

/** What became of one operation. */
export const OperationOutcomes = [
  /** Sent and accepted by Slurm. */
  'applied',
  /** Dry run (the default): shown, not sent. */
  'dry-run',
  /** Sent and refused by Slurm (nodes busy, overlap …): the error says why; the others still run. */
  'refused',
  /** Not sent: a per-cycle cap (nodes powered, reservations changed, share of a partition) was reached. */
  'capped',
] as const;
export type OperationOutcome = (typeof OperationOutcomes)[number];

/** One operation, before and after, with the plan action it serves. */
export interface OperationReport {
  /** The plan action's id, or `release:<object>` for an owned object the plan no longer wants. */
  actionId: string;
  kind: OperationKind;
  /** The reservation or node(s) it changes. */
  target: string;
  /** The object's state before, as the actuator read it (null when it did not exist). */
  before: Record<string, unknown> | null;
  /** The state it asks for (null for a delete). */
  after: Record<string, unknown> | null;
  reason: string;
  outcome: OperationOutcome;
  /** Why Slurm refused it, or which cap stopped it. */
  error?: string;
}

/** What one apply did: exit code 3 (partly done) when any operation was refused. */
export interface ApplyReport {
  dryRun: boolean;
  operations: OperationReport[];
  /** Owned objects the plan wants and Slurm already has as wanted: nothing sent for them. */
  unchanged: number;
  /** True when some operation was refused (the rest were applied). */
  partial: boolean;
  /** Plan actions that could not be served at all (no usable node of the type, …), with why. */
  skipped?: { actionId: string; reason: string }[];
}

/** Options of `applyPlan`. */
export interface ApplyOptions {
  /** Default true: compute and report, send nothing. */
  dryRun?: boolean;
  /** Where the audit log (JSON lines) is appended; default config `act.auditLog` (`<stateDir>/audit.jsonl`). */
  auditLogPath?: string;
  /** The actuator's config section (state directory, prefix, caps); defaults from the schema. */
  config?: Partial<ActConfig>;
  /** Node name → node type name, as the planner's inventory names them (else `defaultNodeType`). */
  nodeTypes?: Readonly<Record<string, string>>;
  /** The wall clock, injected (default the system clock, at the CLI). */
  clock?: Clock;
}

/** The actuator as the engine sees it: apply a plan to the cluster and say what happened. */
export type PlanApplier = (plan: Plan, options: ApplyOptions) => Promise<ApplyReport>;
