import type { CycleResult, PlanResult } from '../engine/index.js';
import type { PlanAction } from '../plan/plan.js';
import { formatInstant } from '../shared/time.js';
import { table } from './context.js';

/** The human rendering of a plan and why: actions with reasons, forecasts, hysteresis, explanation. */
export function renderPlan(result: PlanResult): string {
  const { plan } = result;
  const size = (a: PlanAction): number => (a.kind === 'reservation' ? a.nodeCount : a.count);
  const lines = [
    `plan at ${formatInstant(result.nowS)} to ${formatInstant(plan.horizonEndS)}: ${plan.actions.length} action(s)`,
    plan.actions.length === 0
      ? '(no action)'
      : table(
          ['id', 'kind', 'node type', 'nodes', 'from', 'to', 'forecast', 'reason'],
          plan.actions.map((a) => [
            a.id,
            a.kind,
            a.nodeType,
            size(a),
            formatInstant(a.fromS),
            formatInstant(a.toS),
            `${a.forecast.pool} ${a.forecast.model} q${a.forecast.quantile} step ${a.forecast.horizonStep}`,
            a.reason,
          ]),
        ),
    '',
    'forecasts:',
    result.forecasts.length === 0
      ? '  (none: no pool in engine.pools could be forecast)'
      : table(
          ['pool', 'model', 'from', 'why'],
          result.forecasts.map((f) => [f.pool, f.model, f.source, f.why]),
        ),
  ];
  if (result.decisions.length > 0) {
    lines.push(
      '',
      'reservations (hysteresis):',
      table(
        ['key', 'measured', 'nodes now', 'planned', 'this cycle', 'why'],
        result.decisions.map((d) => [d.key, d.use, d.fromNodes, d.plannedNodes, d.toNodes, d.why]),
      ),
    );
  }
  lines.push(
    '',
    `objective: ${plan.explanation.objective} = ${plan.explanation.objectiveValue} (${plan.explanation.solver})`,
    ...plan.explanation.binding.map((b) => `  binding: ${b}`),
  );
  if (result.problems.length > 0) lines.push('', 'problems:', ...result.problems.map((p) => `  ${p}`));
  if (result.calendar.length > 0) lines.push('', 'calendar:', ...result.calendar.map((c) => `  ${c}`));
  return lines.join('\n');
}

/** The human rendering of an adjust cycle: the plan, then what was (or would be) sent. */
export function renderCycle(result: CycleResult): string {
  const ops = result.report.operations;
  return [
    renderPlan(result),
    '',
    ops.length === 0
      ? `operations: none (${result.report.unchanged} owned object(s) already as planned)`
      : table(
          ['action', 'operation', 'target', 'outcome', 'error'],
          ops.map((o) => [o.actionId, o.kind, o.target, o.outcome, o.error]),
        ),
    ...(result.measured.length === 0
      ? []
      : [
          '',
          'measured use (the next cycle decides by it):',
          table(
            ['reservation', 'nodes', 'busy', 'GPUs idle', 'pending jobs'],
            result.measured.map((u) => [u.name, u.nodeCount, u.busyNodes, u.gpuIdleNodes, u.pendingJobs]),
          ),
        ]),
    result.dryRun
      ? 'dry run: nothing was sent to Slurm; run `slurmcast adjust --apply` to act'
      : `applied: ${result.outcome === 'partial' ? 'partly (some operations were refused: see above)' : 'all operations'}`,
  ].join('\n');
}
