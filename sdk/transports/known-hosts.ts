import { createHash, createHmac } from 'node:crypto';

/**
 * A small OpenSSH known_hosts reader: plain host patterns (with `*`, `?` and `!` negation),
 * `[host]:port` entries for non-standard ports, hashed `|1|salt|hash` entries, and the `@revoked`
 * marker (`@cert-authority` lines are skipped: certificates are not supported).
 */

export interface KnownHostEntry {
  /** 1-based line number in the file, as `ssh-keygen -F` reports it. */
  readonly line: number;
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  readonly hosts: string;
  readonly keyType: string;
  /** Base64 of the public key blob. */
  readonly keyBase64: string;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0] === '@revoked') marker = 'revoked';
    else if (parts[0] === '@cert-authority') marker = 'cert-authority';
    if (marker !== undefined) parts.shift();
    const [hosts, keyType, keyBase64] = parts;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) continue;
    out.push({ line: index + 1, marker, hosts, keyType, keyBase64 });
  }
  return out;
}

/** The name known_hosts uses for a host and port: `host` on 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(text);
}

/** Whether one entry's host field names this host. */
export function hostFieldMatches(field: string, host: string, port: number): boolean {
  // ssh lowercases the host name before it looks it up, and `ssh-keygen -H` hashes lowercased names.
  const name = knownHostsName(host.toLowerCase(), port);
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (salt === undefined || hash === undefined) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** `SHA256:…` fingerprint of a key blob, as `ssh-keygen -l` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The verdict on a host key. */
export type HostKeyVerdict = 'match' | 'unknown' | 'changed' | 'revoked';

/** Checks the key a server offered against known_hosts entries. */
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyVerdict {
  const offered = keyBlob.toString('base64');
  let sawHost = false;
  for (const e of entries) {
    if (e.marker === 'cert-authority' || !hostFieldMatches(e.hosts, host, port)) continue;
    if (e.marker === 'revoked') {
      if (e.keyBase64 === offered) return 'revoked';
      continue;
    }
    sawHost = true;
    if (e.keyBase64 === offered) return 'match';
  }
  return sawHost ? 'changed' : 'unknown';
}
