import { readFile } from 'node:fs/promises';
import { Client } from 'undici';
import {
  AuthRefusedError,
  CredentialFormatError,
  HostUnreachableError,
  MalformedOutputError,
  SlurmError,
} from '../errors.js';
import { Redactor } from '../redact.js';
import type { HttpRequest, HttpResponse, HttpTransport, SendContext } from '../wire.js';

/** Options of the REST transport: exactly one of `socketPath` (auth/local) or `url` (JWT). */
export interface RestTransportOptions {
  /** slurmrestd's unix socket (rest_auth/local: the socket's permissions are the authentication). */
  socketPath?: string;
  /** slurmrestd's base URL, e.g. `http://head:6820` (rest_auth/jwt). */
  url?: string;
  /** X-SLURM-USER-NAME for JWT auth. */
  user?: string;
  /** Environment variable holding the JWT. Default `SLURM_JWT`. */
  tokenEnv?: string;
  /** File holding the JWT; read at every request so a renewed token is picked up. Wins over `tokenEnv`. */
  tokenFile?: string;
  /** Largest response body accepted, in bytes. Default 256 MiB. */
  outputLimitBytes?: number;
  /** Shared redactor: the token is registered with it when read. */
  redactor?: Redactor;
}

export interface ResolvedRestTransportOptions {
  target: { kind: 'socket'; socketPath: string } | { kind: 'url'; url: URL };
  user: string | undefined;
  tokenEnv: string;
  tokenFile: string | undefined;
  outputLimitBytes: number;
  redactor: Redactor;
}

export function resolveRestTransportOptions(o: RestTransportOptions): ResolvedRestTransportOptions {
  if ((o.socketPath === undefined) === (o.url === undefined)) {
    throw new RangeError('REST transport: give exactly one of socketPath or url');
  }
  return {
    target:
      o.socketPath !== undefined
        ? { kind: 'socket', socketPath: o.socketPath }
        : { kind: 'url', url: new URL(o.url ?? '') },
    user: o.user,
    tokenEnv: o.tokenEnv ?? 'SLURM_JWT',
    tokenFile: o.tokenFile,
    outputLimitBytes: o.outputLimitBytes ?? 256 * 1024 * 1024,
    redactor: o.redactor ?? new Redactor(),
  };
}

/**
 * Talks to slurmrestd with undici, over its unix socket or TCP. With a URL, every request carries
 * `X-SLURM-USER-NAME` and `X-SLURM-USER-TOKEN`; the token is read from a file or the environment at
 * request time, registered with the redactor, and never appears in a log line or error.
 */
export class RestTransport implements HttpTransport {
  readonly name = 'rest';
  readonly protocol = 'http' as const;
  /** The secrets this transport reads (token, passphrase) are registered here. */
  get redactor(): Redactor {
    return this.#o.redactor;
  }
  readonly #o: ResolvedRestTransportOptions;
  readonly #client: Client;

  constructor(options: RestTransportOptions) {
    this.#o = resolveRestTransportOptions(options);
    const t = this.#o.target;
    this.#client =
      t.kind === 'socket'
        ? new Client('http://slurmrestd', { socketPath: t.socketPath })
        : new Client(t.url.origin);
  }

  /** Where requests go, for messages: the socket path or the URL. */
  get endpoint(): string {
    const t = this.#o.target;
    return t.kind === 'socket' ? t.socketPath : t.url.origin;
  }

  async send(request: HttpRequest, context: SendContext): Promise<HttpResponse> {
    const errorOptions = { transport: this.name, operation: context.operation };
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#o.target.kind === 'url') {
      const token = await this.#token(errorOptions);
      headers['x-slurm-user-name'] = this.#o.user ?? process.env['USER'] ?? 'root';
      headers['x-slurm-user-token'] = token;
    }
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    const prefix = this.#o.target.kind === 'url' ? this.#o.target.url.pathname.replace(/\/$/, '') : '';
    const query = request.query === undefined ? '' : `?${new URLSearchParams(request.query).toString()}`;
    const path = `${prefix}${request.path}${query}`;
    try {
      const response = await this.#client.request({
        path,
        method: request.method,
        headers,
        body: body ?? null,
        signal: context.signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > this.#o.outputLimitBytes) {
          response.body.destroy();
          throw new MalformedOutputError(
            {
              reason: 'too-large',
              record: Buffer.concat(chunks).toString('utf8', 0, 300),
              detail: `response exceeded ${this.#o.outputLimitBytes} bytes; narrow the query or raise the limit`,
            },
            errorOptions,
          );
        }
        chunks.push(buf);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (this.#o.target.kind === 'url' && response.statusCode === 500 && isBareUnspecifiedError(text)) {
        // slurmrestd 22.05 answers an invalid or expired JWT with 500 and no reason (a missing one gets 401).
        throw new AuthRefusedError(
          'JWT',
          `slurmrestd refused the request without a reason, which is how 22.05 answers an invalid or expired token: renew it (scontrol token username=${this.#o.user ?? '<user>'}) and check that the user name matches`,
          errorOptions,
        );
      }
      return { protocol: 'http', status: response.statusCode, body: text };
    } catch (error) {
      if (error instanceof SlurmError) throw error;
      if (context.signal.aborted) {
        const reason: unknown = context.signal.reason;
        throw reason instanceof Error ? reason : error;
      }
      const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
      const code =
        typeof e.cause?.code === 'string' ? e.cause.code : typeof e.code === 'string' ? e.code : 'error';
      const t = this.#o.target;
      const host = t.kind === 'socket' ? `unix socket ${t.socketPath}` : t.url.hostname;
      const port =
        t.kind === 'socket' ? undefined : Number(t.url.port || (t.url.protocol === 'https:' ? 443 : 80));
      throw this.#o.redactor.redactError(
        new HostUnreachableError(host, port, `${code}; is slurmrestd running?`, {
          ...errorOptions,
          cause: error,
        }),
      );
    }
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  async #token(errorOptions: { transport: string; operation: string }): Promise<string> {
    let token: string | undefined;
    if (this.#o.tokenFile !== undefined) {
      try {
        token = (await readFile(this.#o.tokenFile, 'utf8')).trim();
      } catch (cause) {
        throw new AuthRefusedError(
          'JWT',
          `cannot read the token file ${this.#o.tokenFile}: check the path and permissions`,
          {
            ...errorOptions,
            cause,
          },
        );
      }
    } else {
      token = process.env[this.#o.tokenEnv]?.trim();
    }
    if (token === undefined || token === '') {
      throw new AuthRefusedError(
        'JWT',
        `no token: set ${this.#o.tokenFile === undefined ? `$${this.#o.tokenEnv}` : `a token in ${this.#o.tokenFile}`} (scontrol token username=<user> lifespan=<s>)`,
        errorOptions,
      );
    }
    if (token.startsWith('SLURM_JWT=')) token = token.slice('SLURM_JWT='.length);
    this.#o.redactor.add(token);
    const problem = tokenFormatProblem(token);
    if (problem !== undefined) {
      throw new CredentialFormatError(
        {
          credential: 'JWT',
          source: this.#o.tokenFile === undefined ? `$${this.#o.tokenEnv}` : `file ${this.#o.tokenFile}`,
          problem,
        },
        errorOptions,
      );
    }
    return token;
  }
}

/**
 * What is wrong with a token's form, if anything. A JWT is printable ASCII without spaces; anything
 * else could not travel in an HTTP header (undici refuses CR/LF there, which would otherwise surface
 * as a connection failure) and no slurmrestd would accept it.
 */
export function tokenFormatProblem(token: string): string | undefined {
  if (/[\r\n]/.test(token)) return 'contains a line break (CR or LF) inside it';
  if (/[\s]/.test(token)) return 'contains spaces or tabs inside it';
  if (/[^\x21-\x7e]/.test(token)) return 'contains control or non-ASCII characters';
  return undefined;
}

function isBareUnspecifiedError(body: string): boolean {
  try {
    const json = JSON.parse(body) as { errors?: { error?: string }[] };
    const errors = json.errors ?? [];
    return errors.length === 1 && errors[0]?.error === 'Unspecified error';
  } catch {
    return false;
  }
}
