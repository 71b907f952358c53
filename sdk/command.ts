import type { z } from 'zod';
import { InvalidInputError } from './errors.js';
import type { RestMapping } from './rest/mapping.js';
import type { CliRequest, CliResponse, HttpRequest, HttpResponse } from './wire.js';

/** How a command runs as a Slurm program: the request and how to read a successful response. */
export interface CliCall<O> {
  readonly request: CliRequest;
  /** Exit codes that still carry a result (default: only 0). */
  readonly okExitCodes?: readonly number[];
  parse(response: CliResponse): O;
}

/** How a command runs against slurmrestd. */
export interface RestCall<O> {
  readonly request: HttpRequest;
  parse(response: HttpResponse): O;
}

/**
 * One Slurm operation with validated input. Subclasses say how to express it as a Slurm program
 * call and, when the REST API version offers it, as a REST call; the client picks one by the
 * transport's protocol. Input is checked by zod in the constructor, so an invalid command never
 * reaches a transport.
 * @typeParam I - validated input
 * @typeParam O - typed result
 */
export abstract class SlurmCommand<I, O> {
  /** Operation name used in errors and logs, e.g. `ListJobHistory`. */
  abstract readonly operation: string;
  readonly input: I;
  /** @throws {InvalidInputError} when `raw` does not match `schema`. */
  protected constructor(operation: string, schema: z.ZodType<I>, raw: unknown) {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new InvalidInputError(
        operation,
        parsed.error.issues.map((i) => ({
          field: i.path.map(String).join('.') || '(input)',
          message: i.message,
        })),
      );
    }
    this.input = parsed.data;
  }
  /** The Slurm program call for this operation. */
  abstract cli(): CliCall<O>;
  /** The REST call in the given API version, or undefined when that version cannot do it. */
  abstract rest(api: RestMapping): RestCall<O> | undefined;
}

/** Any command, for APIs that accept every command. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySlurmCommand = SlurmCommand<any, any>;
/** The result type of a command. */
export type OutputOf<C> = C extends SlurmCommand<unknown, infer O> ? O : never;
