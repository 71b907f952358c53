import { readFile } from 'node:fs/promises';
import type { Plan } from '../plan/plan.js';
import { SlurmcastError } from '../shared/errors.js';

/** A saved plan file that cannot be read or is not a plan: exit 2, nothing was done. */
export class PlanFileError extends SlurmcastError {
  override readonly name = 'PlanFileError' as const;
  readonly retryable = false;
  readonly path: string;
  /** One entry per problem: the dotted field and what is wrong with it. */
  readonly issues: readonly { field: string; message: string }[];
  readonly hint = 'give a plan as `slurmcast plan --json` writes it (schema: PlanSchema in src/plan/plan.ts)';
  constructor(
    path: string,
    problem: string,
    issues: readonly { field: string; message: string }[],
    cause?: unknown,
  ) {
    super(`${path}: ${problem}`, { cause });
    this.path = path;
    this.issues = issues;
  }
}

/**
 * Reads a saved plan and checks it against `PlanSchema`.
 * @throws {PlanFileError} naming the file and each field that is wrong.
 */
export async function readPlanFile(path: string): Promise<Plan> {
  const { PlanSchema } = await import('../plan/plan.js');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new PlanFileError(path, `cannot be read (${code})`, [], error);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlanFileError(
      path,
      `is not JSON (${error instanceof Error ? error.message : String(error)})`,
      [],
      error,
    );
  }
  const parsed = PlanSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      field: i.path.join('.') || '(top)',
      message: i.message,
    }));
    throw new PlanFileError(
      path,
      `is not a plan: ${issues
        .slice(0, 5)
        .map((i) => `${i.field}: ${i.message}`)
        .join('; ')}`,
      issues,
      parsed.error,
    );
  }
  return parsed.data;
}
