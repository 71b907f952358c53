import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { NodeSSH } from 'node-ssh';
import {
  AuthRefusedError,
  HostKeyError,
  HostUnreachableError,
  MalformedOutputError,
  SlurmError,
  SlurmTimeoutError,
  SshKeyError,
  type SshKeyProblem,
} from '../errors.js';
import { Redactor } from '../redact.js';
import { silentLogger, type SlurmLogger } from '../middleware.js';
import type { CliRequest, CliResponse, CliTransport, SendContext } from '../wire.js';
import { checkHostKey, fingerprint, parseKnownHosts, type HostKeyVerdict } from './known-hosts.js';
import { remoteInvocation } from './quote.js';

/** Options of the ssh transport. */
export interface SshTransportOptions {
  host: string;
  port?: number;
  username: string;
  /** Private key file; omit to authenticate through the ssh agent. */
  privateKeyPath?: string;
  /** Environment variable holding the private key's passphrase, read at connect time. */
  passphraseEnv?: string;
  /** ssh-agent socket; default $SSH_AUTH_SOCK. */
  agent?: string;
  /** known_hosts file the server's key is checked against. Default ~/.ssh/known_hosts. */
  knownHostsPath?: string;
  /** Accept any host key. Unsafe (a man in the middle could read and change everything); logged as a warning. */
  insecureSkipHostKeyCheck?: boolean;
  /** Environment for every remote command, e.g. `{ SLURM_CONF: … }`. */
  env?: Readonly<Record<string, string>>;
  /** Largest stdout accepted, in bytes. Default 256 MiB. */
  outputLimitBytes?: number;
  /** TCP connect + handshake timeout. Default 10 s. */
  connectTimeoutMs?: number;
  logger?: SlurmLogger;
  /** Shared redactor: the passphrase and env values are registered with it. */
  redactor?: Redactor;
}

export interface ResolvedSshTransportOptions {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string | undefined;
  passphraseEnv: string | undefined;
  agent: string | undefined;
  knownHostsPath: string;
  insecureSkipHostKeyCheck: boolean;
  env: Readonly<Record<string, string>>;
  outputLimitBytes: number;
  connectTimeoutMs: number;
  logger: SlurmLogger;
  redactor: Redactor;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
}

export function resolveSshTransportOptions(o: SshTransportOptions): ResolvedSshTransportOptions {
  return {
    host: o.host,
    port: o.port ?? 22,
    username: o.username,
    privateKeyPath: o.privateKeyPath === undefined ? undefined : expandHome(o.privateKeyPath),
    passphraseEnv: o.passphraseEnv,
    agent: o.agent ?? process.env['SSH_AUTH_SOCK'],
    knownHostsPath: expandHome(o.knownHostsPath ?? '~/.ssh/known_hosts'),
    insecureSkipHostKeyCheck: o.insecureSkipHostKeyCheck ?? false,
    env: o.env ?? {},
    outputLimitBytes: o.outputLimitBytes ?? 256 * 1024 * 1024,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    logger: o.logger ?? silentLogger,
    redactor: o.redactor ?? new Redactor(),
  };
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNRESET',
]);

/** The warning an ssh transport without host key checking gives, once, when it is made. */
export const INSECURE_HOST_KEY_WARNING =
  'INSECURE: ssh host key checking is OFF (insecureSkipHostKeyCheck); anyone on the path can impersonate this host. Use only for throwaway test hosts.';

/**
 * Runs Slurm programs on a remote host over ssh (node-ssh). The server's host key is checked against
 * known_hosts before anything is sent. The remote command line holds no data: environment and
 * arguments travel on stdin as POSIX shell text read by `/bin/sh` (see `remoteInvocation`), so they
 * are not visible in `ps` there and mean the same whatever the user's login shell (bash, tcsh…).
 * One connection is opened lazily and reused; `close()` ends it.
 */
export class SshTransport implements CliTransport {
  readonly name = 'ssh';
  readonly protocol = 'cli' as const;
  /** The secrets this transport reads (token, passphrase) are registered here. */
  get redactor(): Redactor {
    return this.#o.redactor;
  }
  /** Warnings about how this transport is configured, for the application to show its user. */
  readonly warnings: readonly string[];
  readonly #o: ResolvedSshTransportOptions;
  #connecting: Promise<NodeSSH> | undefined;

  constructor(options: SshTransportOptions) {
    this.#o = resolveSshTransportOptions(options);
    this.warnings = this.#o.insecureSkipHostKeyCheck ? [INSECURE_HOST_KEY_WARNING] : [];
    for (const warning of this.warnings) {
      this.#o.logger.warn({ host: this.#o.host, port: this.#o.port }, warning);
    }
  }

  async send(request: CliRequest, context: SendContext): Promise<CliResponse> {
    const ssh = await this.#connection(context);
    const invocation = remoteInvocation(
      request.program,
      request.args,
      { ...this.#o.env, ...(request.env ?? {}) },
      request.stdin ?? '',
    );
    const limit = this.#o.outputLimitBytes;
    let received = 0;
    // node-ssh decodes each chunk by itself, which breaks a UTF-8 character that spans two chunks
    // (a job name `ünïcødé` came back with U+FFFD): keep the bytes and decode them once, whole.
    const stdoutChunks: Buffer[] = [];
    const stderrChunks: Buffer[] = [];
    let channel: { close(): void } | undefined;
    let tooLarge = false;
    const onAbort = (): void => channel?.close();
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await ssh.execCommand(invocation.commandLine, {
        stdin: invocation.stdin,
        noTrim: true,
        onChannel: (c) => {
          channel = c;
          if (context.signal.aborted) c.close();
        },
        onStderr: (chunk) => {
          stderrChunks.push(chunk);
        },
        onStdout: (chunk) => {
          stdoutChunks.push(chunk);
          received += chunk.length;
          if (received > limit && !tooLarge) {
            tooLarge = true;
            channel?.close();
          }
        },
      });
      if (context.signal.aborted) throw abortReason(context);
      const stdout = Buffer.concat(stdoutChunks).toString('utf8');
      const stderr = Buffer.concat(stderrChunks).toString('utf8');
      if (tooLarge) {
        throw new MalformedOutputError(
          {
            reason: 'too-large',
            record: stdout.slice(0, 300),
            detail: `output exceeded the limit of ${limit} bytes; narrow the query or raise the limit`,
          },
          { transport: this.name, operation: context.operation },
        );
      }
      return { protocol: 'cli', stdout, stderr, exitCode: result.code };
    } catch (error) {
      if (error instanceof SlurmError) throw error;
      if (context.signal.aborted) throw abortReason(context);
      // The connection broke mid-command: drop it so the next call reconnects.
      this.#drop();
      throw new HostUnreachableError(
        this.#o.host,
        this.#o.port,
        `connection lost while running ${request.program}`,
        {
          transport: this.name,
          operation: context.operation,
          cause: error,
        },
      );
    } finally {
      context.signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    const pending = this.#connecting;
    this.#connecting = undefined;
    if (pending === undefined) return;
    try {
      (await pending).dispose();
    } catch {
      // It never connected; nothing to close.
    }
  }

  #drop(): void {
    const pending = this.#connecting;
    this.#connecting = undefined;
    pending?.then((s) => s.dispose()).catch(() => undefined);
  }

  #connection(context: SendContext): Promise<NodeSSH> {
    if (this.#connecting === undefined) {
      const attempt = this.#connect(context);
      this.#connecting = attempt;
      attempt.catch(() => {
        if (this.#connecting === attempt) this.#connecting = undefined;
      });
    }
    return this.#connecting;
  }

  async #connect(context: SendContext): Promise<NodeSSH> {
    const o = this.#o;
    const errorOptions = { transport: this.name, operation: context.operation };
    const entries = o.insecureSkipHostKeyCheck ? [] : parseKnownHosts(await this.#readKnownHosts(context));
    let hostKeyProblem: { verdict: Exclude<HostKeyVerdict, 'match'>; fingerprint: string } | undefined;
    const ssh = new NodeSSH();
    let privateKey: string | undefined;
    if (o.privateKeyPath !== undefined) {
      try {
        privateKey = await readFile(o.privateKeyPath, 'utf8');
      } catch (cause) {
        throw new SshKeyError(
          { keyPath: o.privateKeyPath, problem: 'unreadable' },
          { ...errorOptions, cause },
        );
      }
    }
    const passphrase = o.passphraseEnv === undefined ? undefined : process.env[o.passphraseEnv];
    o.redactor.add(passphrase);
    const config: Parameters<NodeSSH['connect']>[0] = {
      host: o.host,
      port: o.port,
      username: o.username,
      readyTimeout: o.connectTimeoutMs,
      hostVerifier: (key: Buffer): boolean => {
        if (o.insecureSkipHostKeyCheck) return true;
        const verdict = checkHostKey(entries, o.host, o.port, key);
        if (verdict === 'match') return true;
        hostKeyProblem = { verdict, fingerprint: fingerprint(key) };
        return false;
      },
    };
    if (privateKey !== undefined) {
      config.privateKey = privateKey;
      if (passphrase !== undefined) config.passphrase = passphrase;
    } else if (o.agent !== undefined) config.agent = o.agent;
    else {
      throw new AuthRefusedError(
        'ssh',
        'no private key configured and no ssh agent ($SSH_AUTH_SOCK): set slurm.ssh.privateKeyPath or start an agent',
        errorOptions,
      );
    }
    const onAbort = (): void => ssh.connection?.end();
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await ssh.connect(config);
      return ssh;
    } catch (cause) {
      ssh.dispose();
      if (context.signal.aborted) throw abortReason(context);
      const keyProblem = privateKeyProblem(cause, passphrase !== undefined);
      if (keyProblem !== undefined && o.privateKeyPath !== undefined) {
        throw new SshKeyError({ keyPath: o.privateKeyPath, problem: keyProblem }, { ...errorOptions, cause });
      }
      if (hostKeyProblem !== undefined) {
        throw new HostKeyError(
          {
            host: o.host,
            port: o.port,
            reason: hostKeyProblem.verdict,
            fingerprint: hostKeyProblem.fingerprint,
            knownHostsPath: o.knownHostsPath,
          },
          { ...errorOptions, cause },
        );
      }
      const e = cause as { code?: unknown; level?: unknown; message?: unknown };
      const message = typeof e.message === 'string' ? e.message : String(cause);
      if (e.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
        throw new AuthRefusedError(
          'ssh publickey',
          `${o.username}@${o.host}:${o.port} refused the ${privateKey !== undefined ? `key ${o.privateKeyPath ?? ''}` : 'agent keys'}: check that its public key is in ~${o.username}/.ssh/authorized_keys there`,
          { ...errorOptions, cause },
        );
      }
      if (
        (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) ||
        /timed out|handshake/i.test(message)
      ) {
        throw new HostUnreachableError(o.host, o.port, typeof e.code === 'string' ? e.code : message, {
          ...errorOptions,
          cause,
        });
      }
      throw new HostUnreachableError(o.host, o.port, message, { ...errorOptions, cause });
    } finally {
      context.signal.removeEventListener('abort', onAbort);
    }
  }

  async #readKnownHosts(context: SendContext): Promise<string> {
    try {
      return await readFile(this.#o.knownHostsPath, 'utf8');
    } catch {
      // No file: every host is unknown, which the verifier reports with the fingerprint to add.
      context.signal.throwIfAborted();
      return '';
    }
  }
}

/**
 * Whether a connect failure is ssh2 refusing the private key before any connection was made. ssh2
 * says so only in its message ("Cannot parse privateKey: …"), so this is the one place that reads it.
 */
export function privateKeyProblem(error: unknown, passphraseGiven: boolean): SshKeyProblem | undefined {
  const message = error instanceof Error ? error.message : '';
  if (!/privateKey/.test(message)) return undefined;
  if (/no passphrase given/i.test(message)) return 'passphrase-needed';
  if (passphraseGiven && /passphrase|integrity|decrypt/i.test(message)) return 'bad-passphrase';
  return 'unparseable';
}

function abortReason(context: SendContext): Error {
  const reason: unknown = context.signal.reason;
  return reason instanceof Error
    ? reason
    : new SlurmTimeoutError('ssh command', 0, { transport: 'ssh', operation: context.operation });
}
