import type { Node, NodePower } from '../../sdk/models.js';
import { ParameterRangeError, resolvePlanParams } from '../config/params.js';
import { InvalidPlanInputError } from './errors.js';
import type { Inventory, InventoryNode, NodePowerState, NodeType } from './plan.js';

/** Price and boot time of one node type, as config `plan.nodeTypes.<name>` gives them. */
export interface NodeTypeSettings {
  readonly pricePerNodeHour?: number | undefined;
  readonly bootS?: number | undefined;
}

/** Options of {@link inventoryFromNodes}; unset numbers come from `resolvePlanParams`. */
export interface InventoryOptions {
  /** When the nodes were read, Unix s (from the injected clock). */
  readonly atS: number;
  /** Per node type, by the name this function gives it (`gpu-h100x2`). */
  readonly nodeTypes?: Readonly<Record<string, NodeTypeSettings>> | undefined;
  readonly defaultBootS?: number | undefined;
  readonly defaultPricePerNodeHour?: number | undefined;
}

/**
 * Base states and flags with which Slurm will not start a job on a node. A node in any of them is
 * never counted as capacity: planning on a drained node would promise what an admin took away.
 */
const UNUSABLE_STATES: ReadonlySet<string> = new Set([
  'DOWN',
  'DRAIN',
  'DRAINED',
  'DRAINING',
  'FAIL',
  'FAILING',
  'FUTURE',
  'UNKNOWN',
  'INVAL',
  'ERROR',
  'NOT_RESPONDING',
  'MAINTENANCE',
  'INVALID',
  'INVALID_REG',
  'REBOOT_ISSUED',
]);

/** Whether Slurm may run jobs on the node: neither its base state nor any flag rules it out. */
export function isUsableNode(node: Pick<Node, 'state' | 'stateFlags'>): boolean {
  return !UNUSABLE_STATES.has(node.state) && !node.stateFlags.some((flag) => UNUSABLE_STATES.has(flag));
}

/**
 * The planner's power state from Slurm's flags. A transition wins over where it started from: a node
 * POWERING_UP is no longer off, and one POWERING_DOWN can no longer take jobs.
 */
export function powerStateOf(power: NodePower): NodePowerState {
  if (power.poweringUp) return 'powering-up';
  if (power.poweringDown) return 'powering-down';
  if (power.poweredDown) return 'powered-down';
  return 'on';
}

interface TypeShape {
  cpus: number;
  memMiB: number;
  gpuType: string | null;
  gpuCount: number;
  features: string[];
  partitions: string[];
}

function shapeOf(node: Node): TypeShape {
  const gpus = node.gres.filter((g) => g.name === 'gpu');
  const gpuCount = gpus.reduce((sum, g) => sum + g.count, 0);
  // A node with two GPU models is rare; its types joined keep it apart from either kind alone.
  const gpuTypes = [...new Set(gpus.map((g) => g.type ?? 'gpu'))].sort();
  return {
    cpus: node.cpus,
    memMiB: node.realMemoryMiB,
    gpuType: gpuCount > 0 ? gpuTypes.join('+') : null,
    gpuCount,
    features: [...new Set(node.availableFeatures)].sort(),
    partitions: [...new Set(node.partitions)].sort(),
  };
}

function shapeKey(s: TypeShape): string {
  return JSON.stringify([s.cpus, s.memMiB, s.gpuType, s.gpuCount, s.features, s.partitions]);
}

function baseName(s: TypeShape): string {
  return s.gpuType === null ? `cpu-${s.cpus}c` : `gpu-${s.gpuType}x${s.gpuCount}`;
}

/**
 * Names the shapes: `gpu-h100x2`, `cpu-64c`; shapes that share that name get the attributes that
 * tell them apart appended (memory, then features, then partitions), so each name depends only on the
 * shapes present, never on node order.
 */
function nameShapes(shapes: readonly TypeShape[]): Map<string, string> {
  const byBase = new Map<string, TypeShape[]>();
  for (const s of shapes) byBase.set(baseName(s), [...(byBase.get(baseName(s)) ?? []), s]);
  const names = new Map<string, string>();
  for (const [base, group] of byBase) {
    const differs = (f: (s: TypeShape) => string): boolean => new Set(group.map(f)).size > 1;
    const memText = (s: TypeShape): string => `${s.memMiB}m`;
    const featText = (s: TypeShape): string =>
      s.features.length === 0 ? 'nofeatures' : s.features.join('+');
    const partText = (s: TypeShape): string => `in-${s.partitions.join('+')}`;
    const parts = [memText, featText, partText].filter((f) => group.length > 1 && differs(f));
    for (const s of group) names.set(shapeKey(s), [base, ...parts.map((f) => f(s))].join('-'));
  }
  return names;
}

/**
 * Groups Slurm nodes into the node types the planner sizes (same CPUs, memory, GPU type and count,
 * available features and partitions), with each type's boot time and price from the options.
 *
 * @throws {InvalidPlanInputError} when `atS` is not a finite time or a price or boot time is out of
 * range (the error names the node type).
 * @example
 * const inventory = inventoryFromNodes(await client.send(new ListNodes()), {
 *   atS: clock.nowS(),
 *   nodeTypes: config.plan.nodeTypes,
 *   defaultBootS: config.plan.defaultBootS,
 * });
 */
export function inventoryFromNodes(nodes: readonly Node[], options: InventoryOptions): Inventory {
  if (!Number.isFinite(options.atS)) {
    throw new InvalidPlanInputError(
      [{ path: 'atS', message: `expected a finite Unix time in seconds, got ${String(options.atS)}` }],
      'pass the time the nodes were read, from the clock',
    );
  }
  let defaults;
  try {
    defaults = resolvePlanParams(options);
  } catch (error) {
    if (!(error instanceof ParameterRangeError)) throw error;
    throw new InvalidPlanInputError(
      [{ path: error.parameter, message: `expected ${error.range}` }],
      error.hint,
      {
        cause: error,
      },
    );
  }
  const shapes = new Map<string, TypeShape>();
  const keyOfNode = nodes.map((n) => {
    const shape = shapeOf(n);
    const key = shapeKey(shape);
    if (!shapes.has(key)) shapes.set(key, shape);
    return key;
  });
  const names = nameShapes([...shapes.values()]);
  const nodeTypes: NodeType[] = [...shapes.entries()].map(([key, shape]) => {
    const name = names.get(key) ?? key;
    const settings = options.nodeTypes?.[name];
    const bootS = settings?.bootS ?? defaults.defaultBootS;
    const pricePerNodeHour = settings?.pricePerNodeHour ?? defaults.defaultPricePerNodeHour;
    const problems = [
      ...(Number.isInteger(bootS) && bootS >= 0
        ? []
        : [{ path: `nodeTypes.${name}.bootS`, message: 'expected a whole number of seconds ≥ 0' }]),
      ...(Number.isFinite(pricePerNodeHour) && pricePerNodeHour >= 0
        ? []
        : [{ path: `nodeTypes.${name}.pricePerNodeHour`, message: 'expected a finite number ≥ 0' }]),
    ];
    if (problems.length > 0) throw new InvalidPlanInputError(problems, 'fix config plan.nodeTypes');
    return { name, ...shape, bootS, pricePerNodeHour };
  });
  nodeTypes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const inventoryNodes: InventoryNode[] = nodes.map((n, i) => ({
    name: n.name,
    type: names.get(keyOfNode[i] ?? '') ?? '',
    power: powerStateOf(n.power),
    usable: isUsableNode(n),
    cpusAllocated: n.cpusAllocated,
    activeFeatures: [...new Set(n.activeFeatures)].sort(),
  }));
  return { atS: options.atS, nodeTypes, nodes: inventoryNodes };
}
