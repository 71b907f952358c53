import type { ApplyReport, OperationReport } from './types.js';

/**
 * The diff for people: one line per operation, `+` for what Slurmcast takes, `-` for what it gives back,
 * `~` for a change, then the outcome when it was not simply applied.
 * @example
 * + create reservation slurmcast-gpu-h100x2.research-3fa9c01d: 1 node (c2) for research 14:00–18:00 UTC (burst expected)
 */

function hhmm(s: unknown): string {
  return typeof s === 'number' ? new Date(s * 1000).toISOString().slice(11, 16) : '?';
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

function who(state: Record<string, unknown>): string {
  const names = [...list(state['accounts']), ...list(state['users']).map((u) => `user ${u}`)];
  return names.length === 0 ? '' : ` for ${names.join(', ')}`;
}

function reservationText(state: Record<string, unknown>): string {
  const nodes = list(state['nodes']);
  return `${nodes.length} node${nodes.length === 1 ? '' : 's'} (${nodes.join(',')})${who(state)} ${hhmm(state['startS'])}–${hhmm(state['endS'])} UTC`;
}

function line(op: OperationReport): string {
  const after = op.after ?? {};
  const before = op.before ?? {};
  switch (op.kind) {
    case 'create-reservation':
      return `+ create reservation ${op.target}: ${reservationText(after)}`;
    case 'update-reservation':
      return `~ update reservation ${op.target}: ${reservationText(before)} → ${reservationText(after)}`;
    case 'delete-reservation':
      return `- delete reservation ${op.target}: ${reservationText(before)}`;
    case 'power-up':
      return `+ power up ${op.target}`;
    case 'power-down':
      return `- power down ${op.target}`;
    case 'set-features':
      return `~ set features of ${op.target}: ${list(before['activeFeatures']).join(',') || '(none)'} → ${list(after['activeFeatures']).join(',') || '(none)'}`;
  }
}

/** Renders a report for a terminal: the operations, then a summary line. */
export function renderReport(report: ApplyReport): string {
  const lines = report.operations.map((op) => {
    const outcome =
      op.outcome === 'applied' || op.outcome === 'dry-run'
        ? ''
        : ` [${op.outcome}${op.error === undefined ? '' : `: ${op.error}`}]`;
    return `${line(op)} (${op.reason})${outcome}`;
  });
  for (const s of report.skipped ?? []) lines.push(`! not served: ${s.actionId}: ${s.reason}`);
  const counts = new Map<string, number>();
  for (const op of report.operations) counts.set(op.outcome, (counts.get(op.outcome) ?? 0) + 1);
  const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'no operations';
  lines.push(
    `${report.dryRun ? 'dry run (nothing sent; --apply acts): ' : ''}${summary}, ${report.unchanged} unchanged${report.partial ? ' — partly applied' : ''}`,
  );
  return lines.join('\n');
}
