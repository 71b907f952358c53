import { SlurmError, SlurmTimeoutError } from './errors.js';
import type { Redactor } from './redact.js';
import type { Middleware, WireRequest, WireResponse } from './wire.js';

/** The logging surface the SDK needs; a pino logger fits it. */
export interface SlurmLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: SlurmLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** One line describing a request, for logs. Arguments are JSON-quoted so odd characters stay visible. */
export function describeRequest(request: WireRequest): string {
  return request.protocol === 'cli'
    ? `${request.program} ${request.args.map((a) => JSON.stringify(a)).join(' ')}`
    : `${request.method} ${request.path}`;
}

/**
 * Abandons a call after `timeoutMs`: aborts the transport's signal (which kills a local process,
 * closes an ssh channel, cancels an HTTP request) and rejects with `SlurmTimeoutError`.
 */
export function timeoutMiddleware(timeoutMs: number): Middleware {
  return (next, transport) => async (request, context) => {
    const controller = new AbortController();
    const onOuterAbort = (): void => controller.abort(context.signal.reason);
    context.signal.addEventListener('abort', onOuterAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new SlurmTimeoutError(describeRequest(request).slice(0, 200), timeoutMs, {
          transport: transport.name,
          operation: context.operation,
        });
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const work = next(request, { ...context, signal: controller.signal });
    // The losing promise must not become an unhandled rejection.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onOuterAbort);
    }
  };
}

/** Logs each call and its outcome, with secrets redacted. */
export function loggingMiddleware(logger: SlurmLogger, redactor: Redactor): Middleware {
  return (next, transport) => async (request, context) => {
    const started = performance.now();
    const what = redactor.redact(describeRequest(request));
    logger.debug({ transport: transport.name, operation: context.operation, request: what }, 'slurm call');
    try {
      const response = await next(request, context);
      const durationMs = Math.round(performance.now() - started);
      const outcome =
        response.protocol === 'cli' ? { exitCode: response.exitCode } : { status: response.status };
      logger.debug(
        { transport: transport.name, operation: context.operation, durationMs, ...outcome },
        'slurm call done',
      );
      return response;
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      const message = error instanceof Error ? redactor.redact(error.message) : 'non-error thrown';
      const name = error instanceof SlurmError ? error.name : 'Error';
      logger.warn(
        { transport: transport.name, operation: context.operation, durationMs, error: name, message },
        'slurm call failed',
      );
      throw error;
    }
  };
}

/**
 * Dry run: calls that change cluster state are logged and answered with an empty success instead of
 * being sent; reads go through, so a dry run still sees live state.
 */
export function dryRunMiddleware(logger: SlurmLogger, redactor: Redactor): Middleware {
  return (next, transport) => async (request, context) => {
    if (!request.mutates) return next(request, context);
    logger.info(
      {
        transport: transport.name,
        operation: context.operation,
        request: redactor.redact(describeRequest(request)),
      },
      'dry run: not sent',
    );
    const response: WireResponse =
      request.protocol === 'cli'
        ? { protocol: 'cli', stdout: '', stderr: '', exitCode: 0, dryRun: true }
        : { protocol: 'http', status: 200, body: '{"errors":[]}', dryRun: true };
    return response;
  };
}
