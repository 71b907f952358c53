import {
  CommandFailedError,
  CreateReservation,
  DeleteReservation,
  InvalidInputError,
  ListNodes,
  ListReservations,
  PowerNodes,
  RestRequestError,
  SetNodeFeatures,
  SlurmError,
  UnsupportedOperationError,
  UpdateReservation,
  type SlurmClient,
} from '../../sdk/index.js';
import { ActConfigSchema, type ActConfig } from '../config/schema.js';
import { ConfigError } from '../config/errors.js';
import type { Plan } from '../plan/plan.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { enforceCaps, type CappedOperation } from './caps.js';
import {
  diffPlanDetailed,
  pruneLedger,
  revertDiff,
  type Diff,
  type LiveState,
  type Operation,
  type OperationRequest,
  type RevertSelector,
} from './diff.js';
import { ActUnsupportedError, SlurmUnavailableError } from './errors.js';
import { withEffect, type Ledger } from './ledger.js';
import { isOwnedReservation, type Ownership } from './ownership.js';
import {
  appendAudit,
  danglingIntents,
  defaultAuditLogPath,
  loadOrCreateSecret,
  readLedger,
  writeLedger,
  type AuditRecord,
} from './state.js';
import type { ApplyOptions, ApplyReport, OperationReport, PlanApplier } from './types.js';

/**
 * The actuator's edge: read fresh Slurm state through the SDK, diff (pure, diff.ts), cap, then send
 * each operation in turn. Dry run is the default. Every operation is written to the audit log, an
 * intent line before it is sent and a result line after; the ledger is replaced atomically around
 * each node change, so a run killed between two operations leaves files that say what it did.
 */

/** `act` config with every default applied: from the schema, the one place defaults live. */
export type ResolvedActConfig = ActConfig & { auditLog: string };

/**
 * @throws {ConfigError} naming the key when a value is out of range (exit 2 at the CLI).
 */
export function resolveActConfig(config: Partial<ActConfig> = {}): ResolvedActConfig {
  const parsed = ActConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new ConfigError('invalid act config', {
      issues: parsed.error.issues.map((i) => ({ key: ['act', ...i.path].join('.'), message: i.message })),
      cause: parsed.error,
    });
  }
  return { ...parsed.data, auditLog: parsed.data.auditLog ?? defaultAuditLogPath(parsed.data.stateDir) };
}

/** Options of `revertAction` and `revertAllOwned`: as `applyPlan`, dry run by default. */
export type RevertOptions = Omit<ApplyOptions, 'nodeTypes'>;

/** Why this client cannot write, or undefined when it can. */
function writeProblem(client: SlurmClient): string | undefined {
  const { transport, commandTransport } = client.config;
  if (transport.protocol === 'http' && commandTransport === undefined) {
    return 'slurmrestd (v0.0.38, Slurm 22.05) has no reservation or node writes and slurm.rest.writesVia is none';
  }
  return undefined;
}

function unavailable(error: unknown): error is SlurmError {
  return error instanceof SlurmError && error.retryable;
}

/** Reads what the diff needs, fresh. */
async function readLive(client: SlurmClient, clock: Clock, dryRun: boolean): Promise<LiveState> {
  try {
    const reservations = await client.send(new ListReservations());
    const nodes = await client.send(new ListNodes());
    return { nowS: Math.floor(clock.nowMs() / 1000), reservations, nodes };
  } catch (error) {
    if (unavailable(error)) {
      throw new SlurmUnavailableError(
        `cannot read the cluster's state (${error.message})`,
        { dryRun, operations: [], unchanged: 0, partial: false },
        { cause: error },
      );
    }
    throw error;
  }
}

function commandFor(request: OperationRequest) {
  switch (request.kind) {
    case 'create-reservation':
      return new CreateReservation(request.input);
    case 'update-reservation':
      return new UpdateReservation(request.input);
    case 'delete-reservation':
      return new DeleteReservation(request.input);
    case 'power-up':
    case 'power-down':
      return new PowerNodes(request.input);
    case 'set-features':
      return new SetNodeFeatures(request.input);
  }
}

/** Slurm's own words for a refusal, without the SDK's wrapping. */
function refusalText(error: unknown): string | undefined {
  if (error instanceof CommandFailedError) return error.stderrTail.trim() || error.message;
  if (error instanceof RestRequestError && !error.retryable) return error.message;
  if (error instanceof InvalidInputError) return error.message;
  return undefined;
}

interface Execution {
  client: SlurmClient;
  dryRun: boolean;
  command: 'apply' | 'revert';
  auditLogPath: string;
  stateDir: string;
  ledger: Ledger;
  clock: Clock;
}

function reportOf(op: Operation, outcome: OperationReport['outcome'], error?: string): OperationReport {
  return {
    actionId: op.actionId,
    kind: op.kind,
    target: op.target,
    before: op.before,
    after: op.after,
    reason: op.reason,
    outcome,
    ...(error === undefined ? {} : { error }),
  };
}

function audit(
  x: Execution,
  op: Operation,
  phase: AuditRecord['phase'],
  outcome?: OperationReport['outcome'],
  error?: string,
): AuditRecord {
  return {
    time: new Date(x.clock.nowMs()).toISOString(),
    phase,
    command: x.command,
    actionId: op.actionId,
    operation: op.kind,
    target: op.target,
    before: op.before,
    after: op.after,
    reason: op.reason,
    ...(outcome === undefined ? {} : { outcome }),
    ...(error === undefined ? {} : { error }),
  };
}

/** Effects that must be in the ledger before the operation is sent: a kill right after must not lose them. */
function writeAhead(op: Operation): boolean {
  return op.effect.type === 'powered-up' || op.effect.type === 'features-set';
}

async function execute(x: Execution, ops: readonly CappedOperation[], diff: Diff): Promise<ApplyReport> {
  const reports: OperationReport[] = [];
  let ledger = x.ledger;
  const nowS = (): number => Math.floor(x.clock.nowMs() / 1000);
  const report = (): ApplyReport => ({
    dryRun: x.dryRun,
    operations: reports,
    unchanged: diff.unchanged,
    partial: reports.some((r) => r.outcome === 'refused'),
    skipped: diff.skipped,
  });
  for (const { operation: op, cappedBy } of ops) {
    if (cappedBy !== undefined || x.dryRun) {
      const r = reportOf(op, cappedBy === undefined ? 'dry-run' : 'capped', cappedBy);
      reports.push(r);
      await appendAudit(x.auditLogPath, [audit(x, op, 'result', r.outcome, r.error)]);
      continue;
    }
    await appendAudit(x.auditLogPath, [audit(x, op, 'intent')]);
    const before = ledger;
    if (writeAhead(op)) {
      ledger = withEffect(ledger, op.effect, op.actionId, nowS());
      await writeLedger(x.stateDir, ledger);
    }
    try {
      await x.client.send(commandFor(op.request));
    } catch (error) {
      const refused = refusalText(error);
      if (refused === undefined) {
        // Slurm stopped answering: the operation may or may not have happened, so the write-ahead
        // entry stays (the next run prunes it against what Slurm has) and nothing more is sent.
        const message = error instanceof Error ? error.message : String(error);
        await appendAudit(x.auditLogPath, [audit(x, op, 'result', undefined, `interrupted: ${message}`)]);
        if (unavailable(error)) {
          throw new SlurmUnavailableError(
            `Slurm stopped answering at ${op.kind} ${op.target} (${message})`,
            { ...report(), partial: true },
            { cause: error },
          );
        }
        if (error instanceof UnsupportedOperationError)
          throw new ActUnsupportedError(error.reason, { cause: error });
        throw error;
      }
      if (writeAhead(op)) {
        ledger = before;
        await writeLedger(x.stateDir, ledger);
      }
      reports.push(reportOf(op, 'refused', refused));
      await appendAudit(x.auditLogPath, [audit(x, op, 'result', 'refused', refused)]);
      continue;
    }
    if (!writeAhead(op) && op.effect.type !== 'none') {
      ledger = withEffect(ledger, op.effect, op.actionId, nowS());
      await writeLedger(x.stateDir, ledger);
    }
    reports.push(reportOf(op, 'applied'));
    await appendAudit(x.auditLogPath, [audit(x, op, 'result', 'applied')]);
  }
  return report();
}

interface Prepared {
  config: ResolvedActConfig;
  dryRun: boolean;
  clock: Clock;
  auditLogPath: string;
  ownership: Ownership;
  ledger: Ledger;
  live: LiveState;
}

/** What Slurm shows now of an operation's target, in words for the audit log. */
function observedNow(record: AuditRecord, live: LiveState): string {
  if (record.operation.endsWith('-reservation')) {
    const r = live.reservations.find((x) => x.name === record.target);
    return r === undefined
      ? `reservation ${record.target} does not exist`
      : `reservation ${record.target} exists on ${r.nodeNames.join(',') || 'no node'}`;
  }
  const node = live.nodes.find((n) => n.name === record.target);
  if (node === undefined) return `node ${record.target} is not listed`;
  if (record.operation === 'set-features')
    return `node ${record.target} has active features ${node.activeFeatures.join(',') || '(none)'}`;
  const power = node.power.poweringUp
    ? 'powering up'
    : node.power.poweringDown
      ? 'powering down'
      : node.power.poweredDown
        ? 'powered down'
        : 'powered';
  return `node ${record.target} is ${power}`;
}

/**
 * A run killed between an intent and its result left the intent open: record, before anything new is
 * sent, that it was interrupted and what Slurm shows of it now. The diff that follows reads the same
 * fresh state, so whatever the killed run did or did not do is converged on, never done twice.
 */
async function closeDanglingIntents(path: string, live: LiveState, clock: Clock): Promise<void> {
  const open = await danglingIntents(path);
  await appendAudit(
    path,
    open.map((intent) => ({
      ...intent,
      time: new Date(clock.nowMs()).toISOString(),
      phase: 'result' as const,
      error: `interrupted: the run that sent it stopped before recording a result; now ${observedNow(intent, live)}`,
    })),
  );
}

async function prepare(client: SlurmClient, options: RevertOptions): Promise<Prepared> {
  const config = resolveActConfig(options.config);
  const dryRun = options.dryRun ?? true;
  const clock = options.clock ?? systemClock;
  if (!dryRun) {
    const problem = writeProblem(client);
    if (problem !== undefined) throw new ActUnsupportedError(problem);
  }
  const secret = await loadOrCreateSecret(config.stateDir);
  const ownership = { prefix: config.reservationPrefix, secret };
  const stored = await readLedger(config.stateDir);
  const live = await readLive(client, clock, dryRun);
  const auditLogPath = options.auditLogPath ?? config.auditLog;
  if (!dryRun) await closeDanglingIntents(auditLogPath, live, clock);
  const ledger = pruneLedger(stored, live);
  if (!dryRun && JSON.stringify(ledger) !== JSON.stringify(stored))
    await writeLedger(config.stateDir, ledger);
  return {
    config,
    dryRun,
    clock,
    auditLogPath,
    ownership,
    ledger,
    live,
  };
}

/**
 * Applies a plan: reads fresh state, sends the fewest operations on objects Slurmcast owns, within the
 * per-cycle caps. Dry run unless `dryRun: false`. A refused operation is reported (`refused`, Slurm's
 * words) and the rest still run; the report is then `partial`.
 * @example
 * const report = await applyPlan(client, plan, { dryRun: false, config: config.act });
 * @throws {SlurmUnavailableError} when Slurm stops answering; nothing more was sent, `report` says what was.
 * @throws {ActUnsupportedError} when the client cannot write (REST v0.0.38 without writesVia), before anything is sent.
 * @throws {ActStateError} when the state directory cannot be read or written.
 * @throws {ConfigError} for an `act` config value out of range.
 */
export async function applyPlan(
  client: SlurmClient,
  plan: Plan,
  options: ApplyOptions = {},
): Promise<ApplyReport> {
  const p = await prepare(client, options);
  const diff = diffPlanDetailed(plan, p.live, {
    ownership: p.ownership,
    ledger: p.ledger,
    ...(options.nodeTypes === undefined ? {} : { nodeTypes: options.nodeTypes }),
  });
  const ownedReserved = new Map<string, number>();
  for (const r of p.live.reservations) {
    if (r.partition === null || !isOwnedReservation(p.ownership, r.name)) continue;
    ownedReserved.set(r.partition, (ownedReserved.get(r.partition) ?? 0) + r.nodeNames.length);
  }
  const capped = enforceCaps(diff.operations, p.live.nodes, ownedReserved, p.config);
  return execute(
    {
      client,
      dryRun: p.dryRun,
      command: 'apply',
      auditLogPath: p.auditLogPath,
      stateDir: p.config.stateDir,
      ledger: p.ledger,
      clock: p.clock,
    },
    capped,
    diff,
  );
}

/** The actuator bound to a client, as the engine calls it. */
export function planApplier(client: SlurmClient): PlanApplier {
  return (plan, options) => applyPlan(client, plan, options);
}

async function revert(
  client: SlurmClient,
  selector: RevertSelector,
  options: RevertOptions,
): Promise<ApplyReport> {
  const p = await prepare(client, options);
  const diff = revertDiff(p.live, { ownership: p.ownership, ledger: p.ledger }, selector);
  return execute(
    {
      client,
      dryRun: p.dryRun,
      command: 'revert',
      auditLogPath: p.auditLogPath,
      stateDir: p.config.stateDir,
      ledger: p.ledger,
      clock: p.clock,
    },
    // Undoing is never capped: it only gives back.
    diff.operations.map((operation) => ({ operation })),
    diff,
  );
}

/**
 * Undoes what one plan action did: deletes its reservation, powers down the nodes it powered up (when
 * idle), gives nodes back their features. Dry run unless `dryRun: false`.
 * @example
 * const report = await revertAction(client, 'res:gpu-h100x2.research', { dryRun: false, config: config.act });
 * @throws as `applyPlan`.
 */
export function revertAction(
  client: SlurmClient,
  actionId: string,
  options: RevertOptions = {},
): Promise<ApplyReport> {
  return revert(client, { actionId }, options);
}

/**
 * Undoes everything Slurmcast owns: every reservation with a verified name, every node change in the
 * ledger. Dry run unless `dryRun: false`.
 * @example
 * const report = await revertAllOwned(client, { dryRun: false, config: config.act });
 * @throws as `applyPlan`.
 */
export function revertAllOwned(client: SlurmClient, options: RevertOptions = {}): Promise<ApplyReport> {
  return revert(client, { allOwned: true }, options);
}
