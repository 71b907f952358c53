/**
 * The actuator: a plan and fresh Slurm state in, the fewest owned Slurm changes out, dry run by
 * default, capped per cycle, every operation in the audit log. See docs/acting.md.
 */
export * from './types.js';
export {
  applyPlan,
  planApplier,
  revertAction,
  revertAllOwned,
  resolveActConfig,
  type ResolvedActConfig,
  type RevertOptions,
} from './apply.js';
export {
  diffPlan,
  diffPlanDetailed,
  defaultNodeType,
  isUsable,
  pruneLedger,
  revertDiff,
  type Diff,
  type DiffOptions,
  type LiveState,
  type Operation,
  type OperationRequest,
  type RevertSelector,
  type SkippedAction,
} from './diff.js';
export { enforceCaps, type Caps, type CappedOperation } from './caps.js';
export { ownedReservationName, isOwnedReservation, type Ownership } from './ownership.js';
export { emptyLedger, LedgerSchema, type Ledger, type LedgerEffect } from './ledger.js';
export { renderReport } from './render.js';
export { defaultAuditLogPath, type AuditRecord } from './state.js';
export { ActError, ActStateError, ActUnsupportedError, SlurmUnavailableError } from './errors.js';
