/**
 * Every policy name the CLI and the simulator accept. Kept apart from the policies, which load the
 * forecasting models, so that the CLI can list the names without loading them.
 */
export const PolicyNames = ['always-on', 'reactive', 'predictive', 'seasonal-warm-pool', 'oracle'] as const;
export type PolicyName = (typeof PolicyNames)[number];
