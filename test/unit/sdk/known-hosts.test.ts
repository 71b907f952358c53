import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostKey, fingerprint, knownHostsName, parseKnownHosts } from '../../../sdk/index.js';

const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY0000000', 'base64');
const other = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOTHERKEYOTHERKEYOTHERKEYOTHERKEY11111', 'base64');
const b64 = key.toString('base64');

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts matching', () => {
  it('matches plain, [host]:port and hashed entries', () => {
    expect(
      checkHostKey(parseKnownHosts(`head.example,10.0.0.1 ssh-ed25519 ${b64}\n`), 'head.example', 22, key),
    ).toBe('match');
    expect(
      checkHostKey(parseKnownHosts(`[127.0.0.1]:2222 ssh-ed25519 ${b64}\n`), '127.0.0.1', 2222, key),
    ).toBe('match');
    expect(checkHostKey(parseKnownHosts(`127.0.0.1 ssh-ed25519 ${b64}\n`), '127.0.0.1', 2222, key)).toBe(
      'unknown',
    );
    expect(
      checkHostKey(
        parseKnownHosts(`${hashed(knownHostsName('10.1.2.3', 2200))} ssh-ed25519 ${b64}\n`),
        '10.1.2.3',
        2200,
        key,
      ),
    ).toBe('match');
  });

  it('says changed when the host is known with another key, and honours wildcards, negation and @revoked', () => {
    const text = `# comment\n*.example,!bad.example ssh-ed25519 ${other.toString('base64')}\n@revoked * ssh-ed25519 ${b64}\n`;
    const entries = parseKnownHosts(text);
    expect(checkHostKey(entries, 'node.example', 22, other)).toBe('match');
    expect(checkHostKey(entries, 'node.example', 22, key)).toBe('revoked');
    expect(checkHostKey(parseKnownHosts(`h ssh-ed25519 ${other.toString('base64')}`), 'h', 22, key)).toBe(
      'changed',
    );
    expect(checkHostKey(entries, 'bad.example', 22, other)).toBe('unknown');
  });

  it('prints SHA256 fingerprints like ssh-keygen', () => {
    expect(fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
