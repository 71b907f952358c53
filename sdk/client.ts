import { classifyUnexpected } from './unexpected.js';
import { cliFailure, configFailure, httpFailure } from './classify.js';
import type { SlurmCommand } from './command.js';
import { ApiVersionError, SlurmError, UnsupportedOperationError } from './errors.js';
import {
  dryRunMiddleware,
  loggingMiddleware,
  silentLogger,
  timeoutMiddleware,
  type SlurmLogger,
} from './middleware.js';
import { Redactor } from './redact.js';
import type { RestMapping } from './rest/mapping.js';
import { missingWriteReason } from './rest/mapping.js';
import { REST_MAPPINGS, SUPPORTED_REST_VERSIONS, versionsInOpenApi } from './rest/versions.js';
import type {
  CliResponse,
  CliTransport,
  HttpRequest,
  HttpResponse,
  Middleware,
  SendContext,
  SendFn,
  Transport,
  WireRequest,
} from './wire.js';

/** Options of `SlurmClient`. Only `transport` is required. */
export interface SlurmClientOptions {
  /** Carries every command: local, ssh, rest, or a fake in tests. */
  transport: Transport;
  /**
   * With a REST transport: where writes go that the REST API version lacks (reservations and node
   * updates in v0.0.38). Without it such commands raise `UnsupportedOperationError`.
   */
  commandTransport?: CliTransport;
  /** slurmrestd API version to speak. Default `v0.0.38` (Slurm 22.05). */
  restApiVersion?: string;
  /** Per call. Default 30 s. */
  timeoutMs?: number;
  /** Writes are logged, not sent. Default false. */
  dryRun?: boolean;
  logger?: SlurmLogger;
  /** Extra middleware, outermost first, run inside timeout and logging. */
  middleware?: readonly Middleware[];
  /** Shared with the transports so that secrets they read are redacted everywhere. */
  redactor?: Redactor;
}

/** `SlurmClientOptions` with every default applied. */
export interface ResolvedSlurmClientConfig {
  transport: Transport;
  commandTransport: CliTransport | undefined;
  restApi: RestMapping;
  timeoutMs: number;
  dryRun: boolean;
  logger: SlurmLogger;
  middleware: readonly Middleware[];
  redactor: Redactor;
}

/**
 * Applies defaults once.
 * @throws {UnsupportedOperationError} when `restApiVersion` has no mapping in this SDK.
 */
export function resolveSlurmClientConfig(options: SlurmClientOptions): ResolvedSlurmClientConfig {
  const version = options.restApiVersion ?? 'v0.0.38';
  const restApi = REST_MAPPINGS[version];
  if (restApi === undefined) {
    throw new UnsupportedOperationError(
      `slurmrestd API ${version}`,
      `this SDK maps ${SUPPORTED_REST_VERSIONS.join(', ')}; set slurm.rest.apiVersion to one of them or add a mapping (docs/sdk.md)`,
    );
  }
  return {
    transport: options.transport,
    commandTransport: options.commandTransport,
    restApi,
    timeoutMs: options.timeoutMs ?? 30_000,
    dryRun: options.dryRun ?? false,
    logger: options.logger ?? silentLogger,
    middleware: options.middleware ?? [],
    redactor: linkedRedactor(options),
  };
}

function linkedRedactor(options: SlurmClientOptions): Redactor {
  const redactor = options.redactor ?? new Redactor();
  for (const t of [options.transport, options.commandTransport]) {
    if (t?.redactor !== undefined) redactor.link(t.redactor);
  }
  return redactor;
}

/**
 * The Slurm client: sends typed commands through one transport and returns typed results. The same
 * command gives the same result over local, ssh and REST.
 * @example
 * const client = new SlurmClient({ transport: new LocalTransport({ env: { SLURM_CONF: '/etc/slurm/slurm.conf' } }) });
 * const nodes = await client.send(new ListNodes());
 * await client.close();
 */
export class SlurmClient {
  readonly config: ResolvedSlurmClientConfig;
  readonly #send: SendFn;
  readonly #sendCommands: SendFn | undefined;

  constructor(options: SlurmClientOptions) {
    this.config = resolveSlurmClientConfig(options);
    this.#send = this.#wrap(this.config.transport);
    this.#sendCommands =
      this.config.commandTransport === undefined ? undefined : this.#wrap(this.config.commandTransport);
  }

  /**
   * Sends one command.
   * @throws {SlurmError} a subclass saying what went wrong (never a bare Error for Slurm-side failures).
   */
  async send<O>(command: SlurmCommand<unknown, O>): Promise<O> {
    try {
      return await this.#dispatch(command);
    } catch (error) {
      throw this.config.redactor.redactError(
        classifyUnexpected(error, { transport: this.config.transport.name, operation: command.operation }),
      );
    }
  }

  /**
   * The slurmrestd API versions the server offers (from `GET /openapi/v3`). REST transports only.
   * @throws {UnsupportedOperationError} for command transports.
   */
  async restApiVersions(): Promise<string[]> {
    if (this.config.transport.protocol !== 'http') {
      throw new UnsupportedOperationError('restApiVersions', 'the configured transport is not REST');
    }
    try {
      return await this.#offeredVersions('restApiVersions');
    } catch (error) {
      throw this.config.redactor.redactError(
        classifyUnexpected(error, { transport: this.config.transport.name, operation: 'restApiVersions' }),
      );
    }
  }

  /** Warnings about how the transports are configured (host key checking off…), for the user to see. */
  get warnings(): readonly string[] {
    return [...(this.config.transport.warnings ?? []), ...(this.config.commandTransport?.warnings ?? [])];
  }

  /** Closes the transports' connections. */
  async close(): Promise<void> {
    await this.config.transport.close?.();
    await this.config.commandTransport?.close?.();
  }

  async #dispatch<O>(command: SlurmCommand<unknown, O>): Promise<O> {
    const { transport, restApi } = this.config;
    if (transport.protocol === 'http') {
      const call = command.rest(restApi);
      if (call !== undefined) {
        const response = (await this.#call(this.#send, call.request, command.operation)) as HttpResponse;
        await this.#checkHttp(call.request, response, command.operation);
        return call.parse(response);
      }
      if (this.#sendCommands === undefined) {
        throw new UnsupportedOperationError(
          command.operation,
          missingWriteReason(restApi, command.operation),
          {
            transport: transport.name,
          },
        );
      }
      return this.#runCli(this.#sendCommands, command, this.config.commandTransport?.name ?? 'command');
    }
    return this.#runCli(this.#send, command, transport.name);
  }

  async #runCli<O>(send: SendFn, command: SlurmCommand<unknown, O>, transportName: string): Promise<O> {
    const call = command.cli();
    const response = (await this.#call(send, call.request, command.operation)) as CliResponse;
    const ok = call.okExitCodes ?? [0];
    const redactor = this.config.redactor;
    const redacted = (): CliResponse => ({
      ...response,
      stdout: redactor.redact(response.stdout),
      stderr: redactor.redact(response.stderr),
    });
    const options = { transport: transportName, operation: command.operation };
    const configProblem = configFailure(call.request, redacted(), options);
    if (configProblem !== undefined) throw configProblem;
    if (response.exitCode === null || !ok.includes(response.exitCode)) {
      throw cliFailure(call.request, redacted(), options);
    }
    return call.parse(response);
  }

  #call(send: SendFn, request: WireRequest, operation: string): Promise<unknown> {
    const context: SendContext = { signal: new AbortController().signal, operation };
    return send(request, context);
  }

  async #checkHttp(request: HttpRequest, response: HttpResponse, operation: string): Promise<void> {
    const options = { transport: this.config.transport.name, operation };
    if (response.status === 404 && /^\/slurm(db)?\/v\d/.test(request.path)) {
      const offered = await this.#offeredVersions(operation).catch(() => [] as string[]);
      if (!offered.includes(this.config.restApi.version)) {
        throw new ApiVersionError(
          { wanted: this.config.restApi.version, offered, supported: SUPPORTED_REST_VERSIONS },
          options,
        );
      }
    }
    // Error fields keep Slurm's text; redact it first, since a server may echo what it was sent.
    const redactor = this.config.redactor;
    const failure = httpFailure(request, { ...response, body: redactor.redact(response.body) }, options);
    if (failure !== undefined) throw failure;
  }

  async #offeredVersions(operation: string): Promise<string[]> {
    const request: HttpRequest = { protocol: 'http', method: 'GET', path: '/openapi/v3', mutates: false };
    const response = (await this.#call(this.#send, request, operation)) as HttpResponse;
    if (response.status !== 200) return [];
    try {
      return versionsInOpenApi(JSON.parse(response.body));
    } catch {
      return [];
    }
  }

  #wrap(transport: Transport): SendFn {
    const { logger, redactor, timeoutMs, dryRun, middleware } = this.config;
    const base: SendFn = (request, context) =>
      (transport.send as (r: WireRequest, c: SendContext) => Promise<never>)(request, context);
    // Outermost first: logging sees timeouts; dry-run sits inside so the log shows what was held back.
    const chain: Middleware[] = [
      loggingMiddleware(logger, redactor),
      timeoutMiddleware(timeoutMs),
      ...middleware,
    ];
    if (dryRun) chain.push(dryRunMiddleware(logger, redactor));
    const info = { name: transport.name, protocol: transport.protocol };
    return chain.reduceRight<SendFn>((next, m) => m(next, info), base);
  }
}

export { SlurmError };
