import type { Observation, PolicyDecisions, ProvisioningPolicy } from '../plan/types.js';

/**
 * `always-on`: no power saving at all; every node stays powered. The upper bound on idle node-hours
 * and the lower bound on boot waits.
 * @example const policy = alwaysOnPolicy();
 */
export function alwaysOnPolicy(): ProvisioningPolicy {
  return {
    name: 'always-on',
    powerSaving: false,
    intervalS: Number.POSITIVE_INFINITY,
    decide: (observation: Observation): PolicyDecisions => ({
      atS: observation.nowS,
      policy: 'always-on',
      decisions: [],
    }),
  };
}

/**
 * `reactive`: Slurm's own power saving and nothing else. Powered-down nodes boot when a job is
 * allocated to them (ResumeProgram); a node idle for the idle time (SuspendTime) powers down. Both are
 * done by the scheduler, so the policy itself never decides anything.
 * @example const policy = reactivePolicy();
 */
export function reactivePolicy(): ProvisioningPolicy {
  return {
    name: 'reactive',
    powerSaving: true,
    intervalS: Number.POSITIVE_INFINITY,
    decide: (observation: Observation): PolicyDecisions => ({
      atS: observation.nowS,
      policy: 'reactive',
      decisions: [],
    }),
  };
}
