import { SlurmClient } from './client.js';
import { UnsupportedOperationError } from './errors.js';
import type { SlurmLogger } from './middleware.js';
import { Redactor } from './redact.js';
import { LocalTransport } from './transports/local.js';
import { RestTransport } from './transports/rest.js';
import { SshTransport, type SshTransportOptions } from './transports/ssh.js';
import type { CliTransport, Transport } from './wire.js';

/**
 * The plain options `clientFromConfig` takes: the shape of the `slurm` section of Slurmcast's config
 * file (`src/config/schema.ts`), so the application passes that section straight through.
 */
export interface SlurmConnectionOptions {
  transport: 'local' | 'ssh' | 'rest';
  env?: Record<string, string>;
  timeoutS?: number;
  outputLimitBytes?: number;
  dryRun?: boolean;
  ssh?:
    | {
        host: string;
        port?: number;
        username: string;
        privateKeyPath?: string | undefined;
        passphraseEnv?: string | undefined;
        agent?: string | undefined;
        knownHostsPath?: string;
        insecureSkipHostKeyCheck?: boolean;
      }
    | undefined;
  rest?:
    | {
        url?: string | undefined;
        socket?: string | undefined;
        apiVersion?: string;
        user?: string | undefined;
        tokenEnv?: string;
        tokenFile?: string | undefined;
        writesVia?: 'none' | 'local' | 'ssh';
      }
    | undefined;
}

/** Environment variable names whose values are credentials. */
export const SECRET_ENV_NAME = /JWT|TOKEN|PASS|SECRET|CREDENTIAL|(^|_)KEY($|_)/i;

/**
 * Builds a `SlurmClient` from plain options.
 * @throws {UnsupportedOperationError} when the section the transport needs (`ssh`, `rest`) is missing
 *   or the REST API version has no mapping.
 * @example
 * const client = clientFromConfig({ transport: 'rest', rest: { socket: '/run/slurmrestd.sock' } });
 */
export function clientFromConfig(
  options: SlurmConnectionOptions,
  extras: { logger?: SlurmLogger } = {},
): SlurmClient {
  const redactor = new Redactor();
  const env = options.env ?? {};
  // slurm.env may carry credentials (SLURM_JWT, …): keep them out of every message.
  for (const [name, value] of Object.entries(env)) if (SECRET_ENV_NAME.test(name)) redactor.add(value);
  const limit = options.outputLimitBytes === undefined ? {} : { outputLimitBytes: options.outputLimitBytes };
  const local = (): LocalTransport => new LocalTransport({ env, ...limit });
  const ssh = (): SshTransport => {
    if (options.ssh === undefined) {
      throw new UnsupportedOperationError(
        'ssh transport',
        'slurm.ssh is not configured: give host and username at least',
      );
    }
    const s = options.ssh;
    const o: SshTransportOptions = { host: s.host, username: s.username, env, ...limit, redactor };
    if (s.port !== undefined) o.port = s.port;
    if (s.privateKeyPath !== undefined) o.privateKeyPath = s.privateKeyPath;
    if (s.passphraseEnv !== undefined) o.passphraseEnv = s.passphraseEnv;
    if (s.agent !== undefined) o.agent = s.agent;
    if (s.knownHostsPath !== undefined) o.knownHostsPath = s.knownHostsPath;
    if (s.insecureSkipHostKeyCheck !== undefined) o.insecureSkipHostKeyCheck = s.insecureSkipHostKeyCheck;
    if (extras.logger !== undefined) o.logger = extras.logger;
    return new SshTransport(o);
  };
  let transport: Transport;
  let commandTransport: CliTransport | undefined;
  let restApiVersion: string | undefined;
  if (options.transport === 'local') transport = local();
  else if (options.transport === 'ssh') transport = ssh();
  else {
    const r = options.rest;
    if (r === undefined) {
      throw new UnsupportedOperationError(
        'rest transport',
        'slurm.rest is not configured: give socket or url',
      );
    }
    const target = r.socket !== undefined ? { socketPath: r.socket } : { url: r.url ?? '' };
    transport = new RestTransport({
      ...target,
      ...(r.user === undefined ? {} : { user: r.user }),
      ...(r.tokenEnv === undefined ? {} : { tokenEnv: r.tokenEnv }),
      ...(r.tokenFile === undefined ? {} : { tokenFile: r.tokenFile }),
      ...limit,
      redactor,
    });
    restApiVersion = r.apiVersion;
    if (r.writesVia === 'local') commandTransport = local();
    else if (r.writesVia === 'ssh') commandTransport = ssh();
  }
  return new SlurmClient({
    transport,
    ...(commandTransport === undefined ? {} : { commandTransport }),
    ...(restApiVersion === undefined ? {} : { restApiVersion }),
    timeoutMs: (options.timeoutS ?? 30) * 1000,
    dryRun: options.dryRun ?? false,
    ...(extras.logger === undefined ? {} : { logger: extras.logger }),
    redactor,
  });
}
