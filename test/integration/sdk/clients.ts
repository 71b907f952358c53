import {
  LocalTransport,
  RestTransport,
  SlurmClient,
  SshTransport,
  type SlurmClientOptions,
} from '../../../sdk/index.js';
import type { Lab } from '../lab.js';

/** One SDK client per transport against the lab: local, ssh, REST over the socket, REST with JWT. */
export function labClients(
  lab: Lab,
  extra: Partial<SlurmClientOptions> = {},
): Record<'local' | 'ssh' | 'restSocket' | 'restJwt', SlurmClient> {
  const local = (): LocalTransport => new LocalTransport({ env: lab.env });
  return {
    local: new SlurmClient({ transport: local(), ...extra }),
    ssh: new SlurmClient({ transport: new SshTransport({ ...lab.ssh, env: lab.env }), ...extra }),
    restSocket: new SlurmClient({
      transport: new RestTransport({ socketPath: lab.rest.socket }),
      commandTransport: local(),
      ...extra,
    }),
    restJwt: new SlurmClient({
      transport: new RestTransport({ url: lab.rest.url, user: lab.rest.user, tokenFile: lab.rest.tokenFile }),
      commandTransport: local(),
      ...extra,
    }),
  };
}
