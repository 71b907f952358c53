import type { Inventory, Plan, PlanAction } from '../plan/plan.js';

/**
 * Checks a plan against inventory read after planning (a node may have been drained, a type may be
 * gone meanwhile): an action for a node type the cluster no longer has is dropped, and counts are cut
 * to the usable nodes of the type. The actuator diffs against live state again; this keeps a plan made
 * on stale inventory from asking for nodes that are not there.
 */
export function validatePlan(plan: Plan, fresh: Inventory): { plan: Plan; problems: string[] } {
  const usable = new Map(Object.entries(usableNodesOfType(fresh)));
  const problems: string[] = [];
  const actions: PlanAction[] = [];
  for (const action of plan.actions) {
    const have = usable.get(action.nodeType);
    if (have === undefined) {
      problems.push(`${action.id}: node type ${action.nodeType} is no longer in the cluster: dropped`);
      continue;
    }
    const asked = action.kind === 'reservation' ? action.nodeCount : action.count;
    if (asked <= have) {
      actions.push(action);
      continue;
    }
    if (action.kind === 'reservation') {
      if (have === 0) {
        problems.push(`${action.id}: no usable ${action.nodeType} node left: dropped`);
        continue;
      }
      actions.push({ ...action, nodeCount: have });
    } else actions.push({ ...action, count: have });
    problems.push(
      `${action.id}: asks for ${asked} ${action.nodeType} nodes, ${have} usable now: cut to ${have}`,
    );
  }
  return { plan: { ...plan, actions }, problems };
}

/** Usable nodes per node type. */
export function usableNodesOfType(inventory: Inventory): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of inventory.nodeTypes) out[t.name] = 0;
  for (const n of inventory.nodes) if (n.usable) out[n.type] = (out[n.type] ?? 0) + 1;
  return out;
}
