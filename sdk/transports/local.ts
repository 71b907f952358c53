import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { CommandFailedError, MalformedOutputError, SlurmConfigError, SlurmError } from '../errors.js';
import type { CliRequest, CliResponse, CliTransport, SendContext } from '../wire.js';

/** Options of the local transport. */
export interface LocalTransportOptions {
  /** Environment for every Slurm command, e.g. `{ SLURM_CONF: '/etc/slurm/slurm.conf' }`; merged over process.env. */
  env?: Readonly<Record<string, string>>;
  /** Largest stdout (and stderr) accepted, in bytes. Default 256 MiB. */
  outputLimitBytes?: number;
  /** Directory holding the Slurm programs; default: found on PATH. */
  binDir?: string;
}

export interface ResolvedLocalTransportOptions {
  env: Readonly<Record<string, string>>;
  outputLimitBytes: number;
  binDir: string | undefined;
}

export function resolveLocalTransportOptions(
  options: LocalTransportOptions = {},
): ResolvedLocalTransportOptions {
  return {
    env: options.env ?? {},
    outputLimitBytes: options.outputLimitBytes ?? 256 * 1024 * 1024,
    binDir: options.binDir,
  };
}

/**
 * Runs Slurm programs on this machine with `execFile` and an argument array: no shell is involved, so
 * no character in an argument has any meaning but itself. Cancellation (timeout) kills the process.
 */
export class LocalTransport implements CliTransport {
  readonly name = 'local';
  readonly protocol = 'cli' as const;
  readonly #options: ResolvedLocalTransportOptions;

  constructor(options: LocalTransportOptions = {}) {
    this.#options = resolveLocalTransportOptions(options);
  }

  async send(request: CliRequest, context: SendContext): Promise<CliResponse> {
    const file =
      this.#options.binDir === undefined ? request.program : `${this.#options.binDir}/${request.program}`;
    const env = { ...process.env, ...this.#options.env, ...(request.env ?? {}) };
    await checkSlurmConf(env['SLURM_CONF'], request, context);
    return new Promise((resolve, reject) => {
      const child = execFile(
        file,
        [...request.args],
        {
          env,
          encoding: 'utf8',
          maxBuffer: this.#options.outputLimitBytes,
          signal: context.signal,
          windowsHide: true,
        },
        (error, stdout, stderr) => {
          if (error === null) {
            resolve({ protocol: 'cli', stdout, stderr, exitCode: 0 });
            return;
          }
          const e = error as NodeJS.ErrnoException & { code?: string | number; signal?: string | null };
          if (context.signal.aborted) {
            const reason: unknown = context.signal.reason;
            reject(reason instanceof SlurmError ? reason : error);
          } else if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            reject(
              new MalformedOutputError(
                {
                  reason: 'too-large',
                  record: stdout.slice(0, 300),
                  detail: `output exceeded the limit of ${this.#options.outputLimitBytes} bytes; narrow the query (shorter time window) or raise the limit`,
                },
                { transport: this.name, operation: context.operation, cause: error },
              ),
            );
          } else if (e.code === 'ENOENT' || e.code === 'EACCES') {
            reject(
              new CommandFailedError(
                {
                  program: request.program,
                  exitCode: null,
                  stderrTail: `cannot run ${file} (${e.code}): install the Slurm client commands (slurm-client) or set the path to them`,
                },
                { transport: this.name, operation: context.operation, cause: error },
              ),
            );
          } else {
            resolve({
              protocol: 'cli',
              stdout,
              stderr,
              exitCode: typeof e.code === 'number' ? e.code : null,
            });
          }
        },
      );
      // Without this a program that reads stdin would wait for input until the timeout.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(request.stdin ?? '');
    });
  }
}

/**
 * Slurm's tools wait up to 60 s for a missing slurm.conf to appear (for late network mounts) before
 * they fail, longer than a call's timeout: a SLURM_CONF that names no file is reported at once.
 */
async function checkSlurmConf(
  path: string | undefined,
  request: CliRequest,
  context: SendContext,
): Promise<void> {
  if (path === undefined || path === '') return;
  try {
    await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new SlurmConfigError(
      { program: request.program, stderrTail: `SLURM_CONF=${path} cannot be read (${code})` },
      { transport: 'local', operation: context.operation, cause },
    );
  }
}
