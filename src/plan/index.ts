/**
 * Planning: the provisioning-policy contract (what a policy observes and the decisions it returns) and
 * the policies that decide from forecasts. The simulator and the adjustment engine enter here.
 */
export * from './types.js';
export { ArrivalLog } from './policies/arrival-log.js';
export {
  newsvendorJobNodes,
  predictivePolicy,
  resolvePredictiveConfig,
  type PredictiveOptions,
  type ResolvedPredictiveConfig,
} from './policies/predictive.js';
export { seasonalWarmPoolPolicy, type SeasonalWarmPoolOptions } from './policies/seasonal-warm-pool.js';
export { newsvendorQuantile, quantileOf } from './policies/quantile.js';
export { warmDecisions } from './policies/decisions.js';
export * from './plan.js';
export { poolForecastOf, poweredTargets } from './decide.js';
export { planCapacity, resolvePlanOptions, type PlanOptions, type ResolvedPlanOptions } from './planner.js';
export {
  inventoryFromNodes,
  isUsableNode,
  powerStateOf,
  type InventoryOptions,
  type NodeTypeSettings,
} from './inventory.js';
export {
  HIGHS_SOLVER,
  loadHighsSplitSolver,
  solveSplit,
  SPLIT_SOLVER,
  yalpsSplitSolver,
  type SplitProblem,
  type SplitSolution,
  type SplitSolver,
} from './split.js';
export * from './errors.js';
