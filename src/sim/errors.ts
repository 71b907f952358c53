import { SlurmcastError } from '../shared/errors.js';

/** The base of every simulator error. Code branches on the subclass (and its `code`), never on the message. */
export abstract class SimError extends SlurmcastError {}

/** What is wrong with the machine a replay was asked to run on. */
export const ClusterInventoryProblems = [
  /** The store holds no node inventory (node snapshot) for the source. */
  'no-inventory',
  /** The inventory lists no node at all. */
  'no-nodes',
  /** A node's values cannot describe a node (no CPUs, a negative count, a missing name). */
  'bad-node',
  /** The jobs come from several sources, so which machine they ran on is not known. */
  'several-sources',
] as const;
export type ClusterInventoryProblem = (typeof ClusterInventoryProblems)[number];

/**
 * The machine for a replay cannot be built from the inventory it was given: nothing is simulated.
 * Always bad input (exit code 2 at the CLI), so retrying the same call does not help.
 */
export class ClusterInventoryError extends SimError {
  override readonly name = 'ClusterInventoryError' as const;
  readonly retryable = false;
  readonly code: ClusterInventoryProblem;
  /** Where the inventory came from: a source name (`alibaba:gpuspec33`) or a file path. */
  readonly inventory: string;
  /** What to do about it. */
  readonly hint: string;
  constructor(details: {
    code: ClusterInventoryProblem;
    inventory: string;
    reason: string;
    hint: string;
    cause?: unknown;
  }) {
    super(
      `cannot build the machine to simulate from ${details.inventory}: ${details.reason}; ${details.hint}`,
      {
        cause: details.cause,
      },
    );
    this.code = details.code;
    this.inventory = details.inventory;
    this.hint = details.hint;
  }
}
