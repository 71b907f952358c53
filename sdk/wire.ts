import type { Redactor } from './redact.js';

/**
 * What travels between a command and a transport. A command turns its input into a `WireRequest`
 * (a Slurm program with an argument array, or an HTTP request to slurmrestd); a transport carries it
 * and returns the matching `WireResponse`; the command parses that into typed models. Middleware
 * wraps the transport's one method, so timeout, logging, redaction and dry-run live in one place.
 */

/** The Slurm programs the SDK runs. A closed list: a transport never runs anything else. */
export const SlurmProgram = {
  sacct: 'sacct',
  sacctmgr: 'sacctmgr',
  squeue: 'squeue',
  sinfo: 'sinfo',
  scontrol: 'scontrol',
} as const;
export type SlurmProgram = (typeof SlurmProgram)[keyof typeof SlurmProgram];

/** Run one Slurm program. Arguments are passed as an array and never joined into a shell line locally. */
export interface CliRequest {
  readonly protocol: 'cli';
  readonly program: SlurmProgram;
  readonly args: readonly string[];
  /** Extra environment for this call (merged over the transport's configured env). */
  readonly env?: Readonly<Record<string, string>>;
  /** True when the call changes cluster state (dry-run middleware stops it). */
  readonly mutates: boolean;
  /** What the program reads on stdin; it sees end of input after it (and at once when absent). */
  readonly stdin?: string;
}

export interface CliResponse {
  readonly protocol: 'cli';
  readonly stdout: string;
  readonly stderr: string;
  /** Process exit code; null when it ended by a signal. */
  readonly exitCode: number | null;
  /** Set by the dry-run middleware when it answered instead of the transport. */
  readonly dryRun?: boolean;
}

/** One HTTP request to slurmrestd, path relative to its root (e.g. `/slurm/v0.0.38/nodes`). */
export interface HttpRequest {
  readonly protocol: 'http';
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly mutates: boolean;
}

export interface HttpResponse {
  readonly protocol: 'http';
  readonly status: number;
  readonly body: string;
  readonly dryRun?: boolean;
}

export type WireRequest = CliRequest | HttpRequest;
export type WireResponse = CliResponse | HttpResponse;
export type ResponseFor<R extends WireRequest> = R extends CliRequest ? CliResponse : HttpResponse;

/** Per-call context every transport receives. */
export interface SendContext {
  /** Aborted when the call times out or the caller gives up; transports must stop work and reject. */
  readonly signal: AbortSignal;
  /** The operation name, for errors and logs. */
  readonly operation: string;
}

/**
 * A transport: one method that carries a request and returns the raw response. `protocol` says which
 * kind of request it carries; the client picks the matching serialisation from the command.
 * Transports report connection-level failures as `SlurmError`s; they do not interpret Slurm output.
 */
export interface Transport<P extends 'cli' | 'http' = 'cli' | 'http'> {
  /** `local`, `ssh`, `rest`, `fake`… used in errors and logs. */
  readonly name: string;
  readonly protocol: P;
  send(
    request: P extends 'cli' ? CliRequest : HttpRequest,
    context: SendContext,
  ): Promise<P extends 'cli' ? CliResponse : HttpResponse>;
  /** Secrets the transport reads (tokens, passphrases); the client redacts them from everything it reports. */
  readonly redactor?: Redactor;
  /** Warnings about the transport's configuration (e.g. host key checking off), for the user to see. */
  readonly warnings?: readonly string[];
  /** Releases connections (ssh sessions, HTTP pools). Safe to call more than once. */
  close?(): Promise<void>;
}

export type CliTransport = Transport<'cli'>;
export type HttpTransport = Transport<'http'>;

/** The function a middleware wraps: the transport's `send`, possibly already wrapped. */
export type SendFn = (request: WireRequest, context: SendContext) => Promise<WireResponse>;

/** Cross-cutting behaviour around a transport (octokit `hook.wrap` style). */
export type Middleware = (next: SendFn, transport: { name: string; protocol: 'cli' | 'http' }) => SendFn;
