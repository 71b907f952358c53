import type { SlurmClient } from './client.js';
import { ListJobHistory, ListNodes, Ping } from './commands/read.js';
import { SlurmError, UnsupportedOperationError } from './errors.js';

/** One end-to-end check and its outcome. */
export interface DiagnosticCheck {
  /** `reach`, `auth`, `host key`, `slurmctld`, `slurmdbd (sacct)`, `node list`, `REST API version`. */
  readonly name: string;
  readonly ok: boolean;
  /** What was seen. */
  readonly detail: string;
  /** What to do about a failure (absent when ok or when the check was skipped). */
  readonly fix?: string;
  /** True when an earlier failure made this check impossible. */
  readonly skipped?: boolean;
}

const CONNECTION_ERRORS: Readonly<Record<string, string>> = {
  HostUnreachableError: 'reach',
  AuthRefusedError: 'auth',
  HostKeyError: 'host key',
  // Credentials that cannot be used at all (a key that does not load, a token with a line break).
  SshKeyError: 'auth',
  CredentialFormatError: 'auth',
};

/** Errors raised before any connection is tried: the checks before them were not made, so not passed. */
const BEFORE_CONNECTING: ReadonlySet<string> = new Set(['SshKeyError', 'CredentialFormatError']);

function failed(name: string, error: unknown): DiagnosticCheck {
  const message = error instanceof Error ? error.message : String(error);
  const cut = message.indexOf(': ');
  return {
    name,
    ok: false,
    detail: error instanceof SlurmError ? error.name : 'Error',
    fix: cut > 0 && error instanceof SlurmError ? message : `${message}`,
  };
}

/**
 * Checks a client's transport end to end, in order: reaching the host or socket, authenticating,
 * the host key (ssh), the REST API version (REST), slurmctld, slurmdbd through a job-history query,
 * and the node list. A failure in the first step marks the rest as skipped.
 * @param options.nowEpochS - current time, for the job-history window (injected, not read here).
 */
export async function diagnose(
  client: SlurmClient,
  options: { nowEpochS: number },
): Promise<DiagnosticCheck[]> {
  const checks: DiagnosticCheck[] = [];
  const transport = client.config.transport;
  const connectionChecks =
    transport.name === 'ssh'
      ? ['reach', 'host key', 'auth']
      : transport.protocol === 'http'
        ? ['reach', 'auth']
        : [];

  if (transport.protocol === 'http') {
    try {
      const offered = await client.restApiVersions();
      const wanted = client.config.restApi.version;
      checks.push(
        offered.includes(wanted)
          ? { name: 'REST API version', ok: true, detail: `${wanted} (server offers ${offered.join(', ')})` }
          : {
              name: 'REST API version',
              ok: false,
              detail: `server offers ${offered.join(', ') || 'nothing recognisable'}, not ${wanted}`,
              fix: 'set slurm.rest.apiVersion to an offered version this SDK maps (docs/sdk.md)',
            },
      );
    } catch (error) {
      if (!(error instanceof UnsupportedOperationError)) checks.push(failed('REST API version', error));
    }
  }

  let pingError: unknown;
  try {
    const ping = await client.send(new Ping());
    for (const name of connectionChecks) checks.push({ name, ok: true, detail: transport.name });
    const up = ping.controllers.filter((c) => c.up);
    checks.push(
      up.length > 0
        ? {
            name: 'slurmctld',
            ok: true,
            detail: ping.controllers.map((c) => `${c.role} ${c.host} ${c.up ? 'UP' : 'DOWN'}`).join(', '),
          }
        : {
            name: 'slurmctld',
            ok: false,
            detail: 'no controller answers ping',
            fix: 'start slurmctld, and check SlurmctldHost/SlurmctldPort in slurm.conf and munge',
          },
    );
  } catch (error) {
    pingError = error;
    const which = error instanceof SlurmError ? CONNECTION_ERRORS[error.name] : undefined;
    if (which !== undefined) {
      // The connection failed at `which`: the steps before it worked, unless nothing was tried at all.
      const untried = error instanceof SlurmError && BEFORE_CONNECTING.has(error.name);
      for (const name of connectionChecks) {
        if (name === which) break;
        checks.push(
          untried
            ? { name, ok: false, skipped: true, detail: 'skipped: the credentials could not be used' }
            : { name, ok: true, detail: transport.name },
        );
      }
      checks.push(failed(which, error));
    } else {
      for (const name of connectionChecks) checks.push({ name, ok: true, detail: transport.name });
      checks.push(failed('slurmctld', error));
    }
  }
  const blocked = pingError instanceof SlurmError && CONNECTION_ERRORS[pingError.name] !== undefined;
  if (blocked) {
    for (const name of ['slurmctld', 'slurmdbd (sacct)', 'node list'])
      checks.push({ name, ok: false, skipped: true, detail: 'skipped: no connection' });
    return checks;
  }
  try {
    const jobs = await client.send(
      new ListJobHistory({ startEpochS: Math.max(0, options.nowEpochS - 3600) }),
    );
    checks.push({ name: 'slurmdbd (sacct)', ok: true, detail: `${jobs.length} job(s) in the last hour` });
  } catch (error) {
    checks.push(failed('slurmdbd (sacct)', error));
  }
  try {
    const nodes = await client.send(new ListNodes());
    checks.push({
      name: 'node list',
      ok: true,
      detail: `${nodes.length} node(s): ${nodes
        .map((n) => n.name)
        .slice(0, 8)
        .join(', ')}${nodes.length > 8 ? ', …' : ''}`,
    });
  } catch (error) {
    checks.push(failed('node list', error));
  }
  return checks;
}
