import { SlurmcastError } from '../shared/errors.js';

/** The base of every planning error. Code branches on the subclass, never on the message. */
export abstract class PlanError extends SlurmcastError {}

/**
 * The planner's input is not what it needs (a schema mismatch, a forecast without the sizing quantile
 * around it, a node of an unknown type): nothing is planned. Exit code 2 at the CLI.
 */
export class InvalidPlanInputError extends PlanError {
  override readonly name = 'InvalidPlanInputError' as const;
  readonly retryable = false;
  /** One entry per problem: the dotted path in the input and what is wrong there. */
  readonly issues: readonly { path: string; message: string }[];
  /** What to do about it. */
  readonly hint: string;
  constructor(
    issues: readonly { path: string; message: string }[],
    hint: string,
    options?: { cause?: unknown },
  ) {
    const listed = issues.map((i) => `${i.path === '' ? '(input)' : i.path}: ${i.message}`).join('; ');
    super(`cannot plan from this input: ${listed}`, options);
    this.issues = issues;
    this.hint = hint;
  }
}

/** The solver gave no optimal split (it should always find one: the shortfall keeps the model feasible). */
export class PlanSolverError extends PlanError {
  override readonly name = 'PlanSolverError' as const;
  readonly retryable = false;
  readonly status: string;
  readonly hint: string;
  constructor(status: string, what: string, hint?: string) {
    super(`the LP solver answered "${status}" for ${what}`);
    this.status = status;
    this.hint =
      hint ?? 'report this with the plan input (slurmcast plan --json); the model is always feasible';
  }
}
