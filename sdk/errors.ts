/**
 * Every failure the SDK reports is a `SlurmError` subclass with a literal `name`, structured readonly
 * fields, the underlying `cause` and whether retrying can help. Callers branch on the class (or on
 * `name`), never on message text. Messages say what happened and what to check, and never carry a
 * secret: they are built from fields the SDK chose, and every message passes through `redact`.
 */

const MAX_TAIL_CHARS = 2_000;

/** Shortens text for a message: keeps the start and marks what was cut. */
export function truncateForMessage(text: string, maxChars = 400): string {
  return text.length <= maxChars
    ? text
    : `${text.slice(0, maxChars)}… (${text.length - maxChars} more chars)`;
}

/** Keeps the last `maxChars` of a stream such as stderr, where the useful part is usually at the end. */
export function tail(text: string, maxChars = MAX_TAIL_CHARS): string {
  const trimmed = text.trimEnd();
  return trimmed.length <= maxChars ? trimmed : `…${trimmed.slice(-maxChars)}`;
}

/** Options shared by every SDK error. */
export interface SlurmErrorOptions {
  cause?: unknown;
  /** Which transport was in use (`local`, `ssh`, `rest`, `fake`), when known. */
  transport?: string;
  /** The operation being performed, e.g. `ListJobHistory`. */
  operation?: string;
}

/** The base of every SDK error. */
export abstract class SlurmError extends Error {
  abstract override readonly name: string;
  /** Whether sending the same command again later can help. */
  abstract readonly retryable: boolean;
  readonly transport: string | undefined;
  readonly operation: string | undefined;
  constructor(message: string, options: SlurmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transport = options.transport;
    this.operation = options.operation;
  }
}

/** The command's input did not pass validation; nothing was sent. */
export class InvalidInputError extends SlurmError {
  override readonly name = 'InvalidInputError' as const;
  readonly retryable = false;
  /** One entry per problem: dotted field path and what was wrong. */
  readonly issues: readonly { field: string; message: string }[];
  constructor(
    operation: string,
    issues: readonly { field: string; message: string }[],
    options: SlurmErrorOptions = {},
  ) {
    super(`${operation}: invalid input: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, {
      ...options,
      operation,
    });
    this.issues = issues;
  }
}

/** The host could not be reached at all (DNS, refused or filtered port, no route). */
export class HostUnreachableError extends SlurmError {
  override readonly name = 'HostUnreachableError' as const;
  readonly retryable = true;
  readonly host: string;
  readonly port: number | undefined;
  constructor(host: string, port: number | undefined, detail: string, options: SlurmErrorOptions = {}) {
    const where = port === undefined ? host : `${host}:${port}`;
    super(
      `cannot reach ${where} (${detail}): check the host name, that the service is running and listening on that port, and firewalls between here and there`,
      options,
    );
    this.host = host;
    this.port = port;
  }
}

/** The server refused our credentials (ssh key/agent, JWT, munge). */
export class AuthRefusedError extends SlurmError {
  override readonly name = 'AuthRefusedError' as const;
  readonly retryable = false;
  /** Which credential was refused, e.g. `ssh publickey`, `JWT`. */
  readonly credential: string;
  constructor(credential: string, detail: string, options: SlurmErrorOptions = {}) {
    super(`authentication refused (${credential}): ${detail}`, options);
    this.credential = credential;
  }
}

/** The ssh server's host key is not in known_hosts, or differs from the one recorded there. */
export class HostKeyError extends SlurmError {
  override readonly name = 'HostKeyError' as const;
  readonly retryable = false;
  readonly host: string;
  readonly port: number;
  /** `unknown`: no entry for this host; `changed`: entries exist but none matches (possible attack); `revoked`. */
  readonly reason: 'unknown' | 'changed' | 'revoked';
  /** SHA256 fingerprint of the key the server offered, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
  readonly knownHostsPath: string;
  constructor(
    details: {
      host: string;
      port: number;
      reason: 'unknown' | 'changed' | 'revoked';
      fingerprint: string;
      knownHostsPath: string;
    },
    options: SlurmErrorOptions = {},
  ) {
    const target = details.port === 22 ? details.host : `[${details.host}]:${details.port}`;
    const what =
      details.reason === 'unknown'
        ? `is not in ${details.knownHostsPath}: verify the fingerprint out of band, then add it (ssh-keyscan -p ${details.port} ${details.host} >> ${details.knownHostsPath})`
        : details.reason === 'changed'
          ? `does not match the key recorded in ${details.knownHostsPath}: someone may be intercepting the connection, or the host was reinstalled; confirm with its administrator before replacing the entry`
          : `is marked @revoked in ${details.knownHostsPath}`;
    super(`ssh host key of ${target} (${details.fingerprint}) ${what}`, options);
    this.host = details.host;
    this.port = details.port;
    this.reason = details.reason;
    this.fingerprint = details.fingerprint;
    this.knownHostsPath = details.knownHostsPath;
  }
}

/** Why a private key could not be used. */
export const SshKeyProblem = {
  unreadable: 'unreadable',
  unparseable: 'unparseable',
  passphraseNeeded: 'passphrase-needed',
  badPassphrase: 'bad-passphrase',
} as const;
export type SshKeyProblem = (typeof SshKeyProblem)[keyof typeof SshKeyProblem];

/**
 * The configured ssh private key cannot be used: the file cannot be read, is not a key ssh2 can
 * parse, or is passphrase-protected without (or with the wrong) passphrase. Nothing was sent.
 */
export class SshKeyError extends SlurmError {
  override readonly name = 'SshKeyError' as const;
  readonly retryable = false;
  readonly keyPath: string;
  readonly problem: SshKeyProblem;
  constructor(details: { keyPath: string; problem: SshKeyProblem }, options: SlurmErrorOptions = {}) {
    const fix =
      details.problem === 'unreadable'
        ? 'cannot be read: check slurm.ssh.privateKeyPath and the file permissions'
        : details.problem === 'unparseable'
          ? 'is not a private key the ssh client can read (OpenSSH or PEM: RSA, ECDSA, Ed25519): point slurm.ssh.privateKeyPath at the private key, not the .pub file'
          : details.problem === 'passphrase-needed'
            ? 'is protected by a passphrase: load it into ssh-agent (ssh-add) and omit slurm.ssh.privateKeyPath, or set slurm.ssh.passphraseEnv to a variable holding the passphrase'
            : 'could not be decrypted with the passphrase given (slurm.ssh.passphraseEnv): check the passphrase';
    super(`ssh private key ${details.keyPath} ${fix}`, options);
    this.keyPath = details.keyPath;
    this.problem = details.problem;
  }
}

/**
 * A credential has a form no server would accept (a token with a line break or other control or
 * space characters, often from a file edited on Windows or holding two tokens). The message names
 * where it came from and what is wrong with it, never the credential itself.
 */
export class CredentialFormatError extends SlurmError {
  override readonly name = 'CredentialFormatError' as const;
  readonly retryable = false;
  /** Which credential, e.g. `JWT`. */
  readonly credential: string;
  /** Where it was read from, e.g. `$SLURM_JWT` or `file /etc/slurmcast/jwt`. */
  readonly source: string;
  readonly problem: string;
  constructor(
    details: { credential: string; source: string; problem: string },
    options: SlurmErrorOptions = {},
  ) {
    super(
      `the ${details.credential} from ${details.source} ${details.problem}: write the token alone, on one line (scontrol token username=<user> lifespan=<s>)`,
      options,
    );
    this.credential = details.credential;
    this.source = details.source;
    this.problem = details.problem;
  }
}

/**
 * A Slurm client command could not load its configuration (slurm.conf missing, unreadable or
 * invalid) and stopped before contacting anything.
 */
export class SlurmConfigError extends SlurmError {
  override readonly name = 'SlurmConfigError' as const;
  readonly retryable = false;
  readonly program: string;
  readonly stderrTail: string;
  constructor(details: { program: string; stderrTail: string }, options: SlurmErrorOptions = {}) {
    super(
      `${details.program} cannot load the Slurm configuration: point SLURM_CONF (slurm.env in the config) at the cluster's slurm.conf, readable by this user, or fix the file. Slurm said: ${truncateForMessage(details.stderrTail, 600)}`,
      options,
    );
    this.program = details.program;
    this.stderrTail = details.stderrTail;
  }
}

/** slurmctld did not answer ("Unable to contact slurm controller"). */
export class SlurmctldDownError extends SlurmError {
  override readonly name = 'SlurmctldDownError' as const;
  readonly retryable = true;
  readonly stderrTail: string;
  constructor(stderrTail: string, options: SlurmErrorOptions = {}) {
    super(
      `slurmctld is not answering: check that slurmctld runs (scontrol ping), that SlurmctldHost/SlurmctldPort in the slurm.conf used here (SLURM_CONF) are right, and that munge works. Slurm said: ${truncateForMessage(stderrTail, 300)}`,
      options,
    );
    this.stderrTail = stderrTail;
  }
}

/** slurmdbd (accounting) did not answer, so sacct cannot read job history. */
export class SlurmdbdDownError extends SlurmError {
  override readonly name = 'SlurmdbdDownError' as const;
  readonly retryable = true;
  readonly stderrTail: string;
  constructor(stderrTail: string, options: SlurmErrorOptions = {}) {
    super(
      `slurmdbd (accounting) is not answering: check that slurmdbd and its database run and that AccountingStorageHost/Port in slurm.conf point at it. Slurm said: ${truncateForMessage(stderrTail, 300)}`,
      options,
    );
    this.stderrTail = stderrTail;
  }
}

/** slurmrestd does not serve the OpenAPI version this client was configured for. */
export class ApiVersionError extends SlurmError {
  override readonly name = 'ApiVersionError' as const;
  readonly retryable = false;
  readonly wanted: string;
  /** Versions the server advertises (empty when it could not be determined). */
  readonly offered: readonly string[];
  /** Versions this SDK has a mapping for. */
  readonly supported: readonly string[];
  constructor(
    details: { wanted: string; offered: readonly string[]; supported: readonly string[] },
    options: SlurmErrorOptions = {},
  ) {
    const offered = details.offered.length > 0 ? details.offered.join(', ') : 'none that could be determined';
    const usable = details.offered.filter((v) => details.supported.includes(v));
    const fix =
      usable.length > 0
        ? `set slurm.rest.apiVersion to ${usable[usable.length - 1] ?? ''}`
        : `this SDK maps ${details.supported.join(', ')}; add a mapping for one of the offered versions (see docs/sdk.md)`;
    super(`slurmrestd does not serve API ${details.wanted}; it offers ${offered}: ${fix}`, options);
    this.wanted = details.wanted;
    this.offered = details.offered;
    this.supported = details.supported;
  }
}

/** The command or request did not finish in time; it was abandoned (and killed, for local commands). */
export class SlurmTimeoutError extends SlurmError {
  override readonly name = 'SlurmTimeoutError' as const;
  readonly retryable = true;
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number, options: SlurmErrorOptions = {}) {
    super(
      `${what} did not finish within ${timeoutMs} ms: check that slurmctld/slurmdbd are responsive (scontrol ping, sdiag), or raise slurm.timeoutS`,
      options,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** Output could not be understood: garbled, cut short, or larger than the configured limit. */
export class MalformedOutputError extends SlurmError {
  override readonly name = 'MalformedOutputError' as const;
  readonly retryable = false;
  readonly reason: 'garbled' | 'truncated' | 'too-large';
  /** The field (column or JSON path) that failed, when one did. */
  readonly field: string | undefined;
  /** The offending record, truncated for display. */
  readonly record: string;
  constructor(
    details: {
      reason: 'garbled' | 'truncated' | 'too-large';
      field?: string;
      record: string;
      detail: string;
    },
    options: SlurmErrorOptions = {},
  ) {
    const record = truncateForMessage(details.record, 300);
    const field = details.field === undefined ? '' : ` in field ${details.field}`;
    super(
      `${options.operation ?? 'output'}: ${details.reason} output${field}: ${details.detail}; record: ${JSON.stringify(record)}. Check that the Slurm version matches the SDK's (22.05) and that nothing on the path (login banners, shell rc files) writes to stdout`,
      options,
    );
    this.reason = details.reason;
    this.field = details.field;
    this.record = record;
  }
}

/** A Slurm command exited non-zero (or a REST call returned errors) for a reason not covered above. */
export class CommandFailedError extends SlurmError {
  override readonly name = 'CommandFailedError' as const;
  readonly retryable = false;
  readonly program: string;
  readonly exitCode: number | null;
  readonly stderrTail: string;
  constructor(
    details: { program: string; exitCode: number | null; stderrTail: string },
    options: SlurmErrorOptions = {},
  ) {
    super(
      `${details.program} failed${details.exitCode === null ? '' : ` with exit code ${details.exitCode}`}: ${truncateForMessage(details.stderrTail, 600) || '(no error output)'}`,
      options,
    );
    this.program = details.program;
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
  }
}

/** slurmrestd answered with an HTTP error status not covered by a more specific class. */
export class RestRequestError extends SlurmError {
  override readonly name = 'RestRequestError' as const;
  readonly retryable: boolean;
  readonly status: number;
  readonly path: string;
  /** Slurm's own error descriptions from the response body, if any. */
  readonly slurmErrors: readonly string[];
  constructor(
    details: { status: number; path: string; slurmErrors: readonly string[] },
    options: SlurmErrorOptions = {},
  ) {
    super(
      `slurmrestd answered ${details.status} for ${details.path}${details.slurmErrors.length > 0 ? `: ${details.slurmErrors.join('; ')}` : ''}`,
      options,
    );
    this.status = details.status;
    this.path = details.path;
    this.slurmErrors = details.slurmErrors;
    this.retryable = details.status >= 500;
  }
}

/** The operation cannot be done over this transport/API version, and no command transport is configured for it. */
export class UnsupportedOperationError extends SlurmError {
  override readonly name = 'UnsupportedOperationError' as const;
  readonly retryable = false;
  readonly reason: string;
  constructor(operation: string, reason: string, options: SlurmErrorOptions = {}) {
    super(`${operation} is not supported: ${reason}`, { ...options, operation });
    this.reason = reason;
  }
}

/** Every concrete error class, for exhaustive handling and tests. */
export type AnySlurmError =
  | InvalidInputError
  | HostUnreachableError
  | AuthRefusedError
  | HostKeyError
  | SshKeyError
  | CredentialFormatError
  | SlurmConfigError
  | SlurmctldDownError
  | SlurmdbdDownError
  | ApiVersionError
  | SlurmTimeoutError
  | MalformedOutputError
  | CommandFailedError
  | RestRequestError
  | UnsupportedOperationError;
