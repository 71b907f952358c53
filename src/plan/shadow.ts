import { isoMinute } from '../shared/time.js';
import type { ResolvedShadowParams } from '../config/params.js';
import type { EntityForecast } from '../forecast/sessions.js';
import type { Inventory, NodeType, ReservationAction } from './plan.js';

/**
 * Shadow reservations: whole nodes reserved shortly before a forecast session of one user or account,
 * for that user or account only, so that the session's first job starts on warm nodes (a warm-up job
 * runs in the reservation first). Pure: the engine reads the forecasts, the owned reservations and
 * their use, and the queue, and the actuator does the rest (owned names, caps, dry-run, audit).
 *
 * Rules, in order:
 * 1. An owned shadow reservation is reclaimed when it ran no job (warm-up aside) `reclaimAfterS` after
 *    it opened, or its last job ended `reclaimAfterS` ago and no window of the lead is forecast busy
 *    any more, or jobs of others wait for its node type (the rest of the cluster needs the nodes).
 *    A reclaimed one is not reopened for `reclaimAfterS`.
 * 2. An entity whose forecast is actionable (confidence ≥ plan.minForecastConfidence) and gives a
 *    window starting within `leadS` a probability ≥ `minProbability` gets (or keeps) a reservation
 *    from now until the end of its last such consecutive window plus `holdS`.
 * 3. Size: the nodes its typical window asks for (at least what its typical GPUs need), at most
 *    `maxNodesPerReservation`; all shadow reservations together hold at most `maxNodes`, given to
 *    the most probable sessions first.
 */

/** What one owned shadow reservation is, and how it has been used. */
export interface ShadowReservationUse {
  /** The plan key it was created under (`shadow.<kind>.<entity>`). */
  readonly key: string;
  readonly nodeType: string;
  readonly nodeCount: number;
  readonly startS: number;
  readonly endS: number;
  /** Jobs that ran or run in it, the warm-up job not counted. */
  readonly jobsRun: number;
  /** End of the last such job, or now for one still running; null when none ran. */
  readonly lastUsedS: number | null;
}

/** Everything the shadow planner reads. */
export interface ShadowPlanInput {
  readonly nowS: number;
  /** The session forecasts' cut (start of window 0) and window length. */
  readonly forecastStartS: number;
  readonly windowS: number;
  readonly entities: readonly EntityForecast[];
  readonly inventory: Inventory;
  readonly existing: readonly ShadowReservationUse[];
  /** Node type → nodes that pending jobs of others are waiting for (reason Resources) now. */
  readonly shortByType: Readonly<Record<string, number>>;
  /** Keys reclaimed recently, with when. */
  readonly reclaimedAt: Readonly<Record<string, number>>;
}

export interface ShadowPlanOptions extends ResolvedShadowParams {
  readonly by: readonly ('user' | 'account')[];
  readonly warmupScript: string | null;
}

export interface ShadowPlan {
  readonly actions: ReservationAction[];
  /** Owned shadow reservations not planned again, and why (the actuator releases them). */
  readonly reclaimed: { key: string; reason: string }[];
  /** Actionable entities that got nothing, and why. */
  readonly skipped: { entity: string; reason: string }[];
}

/** The plan key of an entity's shadow reservation; the actuator derives the owned name from it. */
export function shadowKey(kind: 'user' | 'account', entity: string): string {
  return `shadow.${kind}.${entity}`;
}

/**
 * Plans the shadow reservations of one cycle (see the module comment for the rules).
 * @example const { actions } = planShadowReservations(input, { ...resolveShadowParams({}), by: ['user'], warmupScript: null });
 */
export function planShadowReservations(input: ShadowPlanInput, options: ShadowPlanOptions): ShadowPlan {
  const reclaimed: ShadowPlan['reclaimed'] = [];
  const skipped: ShadowPlan['skipped'] = [];
  const existing = new Map(input.existing.map((e) => [e.key, e]));
  const gone = new Set<string>();
  for (const e of input.existing) {
    const why = reclaimReason(e, input, options);
    if (why !== null) {
      reclaimed.push({ key: e.key, reason: why });
      gone.add(e.key);
    }
  }

  const candidates: {
    forecast: EntityForecast;
    kind: 'user' | 'account';
    key: string;
    first: number;
    last: number;
    p: number;
  }[] = [];
  for (const f of input.entities) {
    const kind = f.kind;
    if (kind === 'task-type' || !options.by.includes(kind)) continue;
    if (!(f.confidence >= options.minConfidence)) continue;
    const key = shadowKey(kind, f.entity);
    if (gone.has(key)) continue;
    const since = input.reclaimedAt[key];
    if (since !== undefined && input.nowS - since < options.reclaimAfterS) {
      skipped.push({
        entity: f.entity,
        reason: `reclaimed ${Math.round((input.nowS - since) / 60)} min ago`,
      });
      continue;
    }
    const busy = busyWindows(f, input, options);
    if (busy === null) {
      // An entity whose session is still on keeps its reservation while a window is busy; else it ends.
      if (existing.has(key)) {
        reclaimed.push({
          key,
          reason: `no window of the next ${minutes(options.leadS)} is forecast busy any more`,
        });
        gone.add(key);
      }
      continue;
    }
    candidates.push({ forecast: f, kind, key, ...busy });
  }
  for (const e of input.existing)
    if (!gone.has(e.key) && !candidates.some((c) => c.key === e.key)) {
      reclaimed.push({ key: e.key, reason: 'its user or account has no actionable forecast any more' });
      gone.add(e.key);
    }

  // The most probable sessions first; the total cap is spent in that order.
  candidates.sort((a, b) => b.p - a.p || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const actions: ReservationAction[] = [];
  let nodesLeft = options.maxNodes;
  for (const c of candidates) {
    const type = nodeTypeFor(c.forecast, input.inventory);
    if (type === null) {
      skipped.push({ entity: c.forecast.entity, reason: nodeTypeMissing(c.forecast) });
      continue;
    }
    const held = existing.get(c.key);
    const wanted = held?.nodeCount ?? nodesFor(c.forecast, type, options.maxNodesPerReservation);
    if (wanted > nodesLeft) {
      skipped.push({
        entity: c.forecast.entity,
        reason: `shadow cap of ${options.maxNodes} nodes reached (plan.shadow.maxNodes)`,
      });
      continue;
    }
    nodesLeft -= wanted;
    const windowEndS = input.forecastStartS + (c.last + 1) * input.windowS;
    const fromS = held?.startS ?? input.nowS;
    const toS = Math.max(held?.endS ?? 0, windowEndS + options.holdS);
    const f = c.forecast;
    actions.push({
      kind: 'reservation',
      id: `shadow:${f.kind}:${f.entity}`,
      reason:
        `${f.kind} ${f.entity} is forecast to submit from ${isoMinute(input.forecastStartS + c.first * input.windowS)} ` +
        `(probability ${c.p.toFixed(2)}, confidence ${f.confidence.toFixed(2)}): ${wanted} node${wanted === 1 ? '' : 's'} of ` +
        `${type.name} held for it until ${isoMinute(toS)}`,
      forecast: {
        pool: `${f.kind}:${f.entity}`,
        series: 'sessions',
        model: 'session-propensity',
        quantile: Math.min(0.999, Math.max(0.001, c.p)),
        horizonStep: c.first,
        issuedAtS: input.forecastStartS,
      },
      fromS,
      toS,
      key: c.key,
      nodeType: type.name,
      nodeCount: wanted,
      partition:
        f.typical.partition !== '' && type.partitions.includes(f.typical.partition)
          ? f.typical.partition
          : (type.partitions[0] as string),
      accounts: c.kind === 'account' ? [f.entity] : [],
      users: c.kind === 'user' ? [f.entity] : [],
      features: null,
      shadow: {
        kind: c.kind,
        entity: f.entity,
        probability: c.p,
        confidence: f.confidence,
        warmupScript: options.warmupScript,
      },
    });
  }
  return { actions, reclaimed, skipped };
}

function reclaimReason(
  e: ShadowReservationUse,
  input: ShadowPlanInput,
  options: ShadowPlanOptions,
): string | null {
  const short = input.shortByType[e.nodeType] ?? 0;
  if (short > 0) return `jobs of others wait for ${short} node${short === 1 ? '' : 's'} of ${e.nodeType}`;
  if (e.jobsRun === 0 && input.nowS - e.startS >= options.reclaimAfterS)
    return `unused ${minutes(input.nowS - e.startS)} after it opened (plan.shadow.reclaimAfterS ${minutes(options.reclaimAfterS)})`;
  if (input.nowS >= e.endS) return 'its window has ended';
  return null;
}

/**
 * The windows from the first one starting within the lead whose probability reaches the threshold,
 * through the consecutive ones that also do; null when none does.
 */
function busyWindows(
  f: EntityForecast,
  input: ShadowPlanInput,
  options: ShadowPlanOptions,
): { first: number; last: number; p: number } | null {
  for (let k = 0; k < f.probabilities.length; k++) {
    const startS = input.forecastStartS + k * input.windowS;
    if (startS + input.windowS <= input.nowS) continue;
    if (startS - input.nowS > options.leadS) break;
    const p = f.probabilities[k] as number;
    if (p < options.minProbability) continue;
    let last = k;
    while (
      last + 1 < f.probabilities.length &&
      (f.probabilities[last + 1] as number) >= options.minProbability
    )
      last++;
    return { first: k, last, p };
  }
  return null;
}

/** The node type for an entity's jobs: its GPU type (or none), in its partition if one has it, most nodes first. */
function nodeTypeFor(f: EntityForecast, inventory: Inventory): NodeType | null {
  const wantsGpu = f.typical.gpus > 0;
  const usable = new Map<string, number>();
  for (const n of inventory.nodes) if (n.usable) usable.set(n.type, (usable.get(n.type) ?? 0) + 1);
  const fits = inventory.nodeTypes
    .filter((t) => (usable.get(t.name) ?? 0) > 0)
    .filter((t) =>
      wantsGpu
        ? t.gpuCount > 0 && (f.typical.gpuType === null || t.gpuType === f.typical.gpuType)
        : t.gpuCount === 0,
    )
    .sort(
      (a, b) =>
        Number(b.partitions.includes(f.typical.partition)) -
          Number(a.partitions.includes(f.typical.partition)) ||
        (usable.get(b.name) ?? 0) - (usable.get(a.name) ?? 0) ||
        (a.name < b.name ? -1 : 1),
    );
  return fits[0] ?? null;
}

function nodeTypeMissing(f: EntityForecast): string {
  return f.typical.gpus > 0
    ? `no usable node with ${f.typical.gpuType ?? 'any'} GPUs`
    : 'no usable node without GPUs';
}

function nodesFor(f: EntityForecast, type: NodeType, maxNodes: number): number {
  const forGpus = type.gpuCount > 0 ? Math.ceil(f.typical.gpus / type.gpuCount) : 0;
  return Math.max(1, Math.min(maxNodes, Math.max(Math.ceil(f.typical.nodes), forGpus)));
}

function minutes(s: number): string {
  return `${Math.round(s / 60)} min`;
}
