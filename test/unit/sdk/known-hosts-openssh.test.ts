import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHostKey, hostFieldMatches, parseKnownHosts } from '../../../sdk/index.js';

/**
 * The known_hosts reader is security code, so it is checked against OpenSSH itself: for every query
 * the lines it matches must be the lines `ssh-keygen -F` finds, in plain and in hashed
 * (`ssh-keygen -H`) files. Queries are lower case, as ssh lowercases a host name before looking it
 * up (`ssh-keygen -F` does not, so for hashed entries it would miss an upper-case query ssh finds).
 */

const hasSshKeygen = spawnSync('sh', ['-c', 'command -v ssh-keygen']).status === 0;
/** `npm test` installs the tool and sets this: a missing one then fails the test, never skips it. */
const toolsRequired = process.env['SLURMCAST_TOOLS_REQUIRED'] === '1';
const dir = mkdtempSync(join(tmpdir(), 'sdk-known-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Found {
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
}

/** What `ssh-keygen -F <name> -f <file>` finds: line numbers, with REVOKED/CA markers. */
function opensshFinds(file: string, name: string): Found[] {
  const result = spawnSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  const found: Found[] = [];
  for (const m of result.stdout.matchAll(/^# Host .* found: line (\d+) ?(REVOKED|CA)?\s*$/gm)) {
    const tag = m[2];
    found.push({
      line: Number(m[1]),
      marker: tag === 'REVOKED' ? 'revoked' : tag === 'CA' ? 'cert-authority' : undefined,
    });
  }
  return found;
}

function parserFinds(text: string, host: string, port: number): Found[] {
  return parseKnownHosts(text)
    .filter((e) => hostFieldMatches(e.hosts, host, port))
    .map((e) => ({ line: e.line, marker: e.marker }));
}

const QUERIES: readonly [string, number][] = [
  ['head.example', 22],
  ['head.example', 2222],
  ['10.0.0.1', 22],
  ['10.0.0.2', 22],
  ['127.0.0.1', 2222],
  ['127.0.0.1', 22],
  ['127.0.0.1', 22222],
  ['gw.example', 2200],
  ['gw2.example', 2200],
  ['gw.example', 22],
  ['node.cluster.example', 22],
  ['a.b.cluster.example', 22],
  ['bad.cluster.example', 22],
  ['cluster.example', 22],
  ['node1.example', 22],
  ['node12.example', 22],
  ['revoked.example', 22],
  ['host.ca.example', 22],
  ['upper.example', 22],
  ['10.1.2.3', 2200],
  ['10.1.2.3', 22],
  ['10.2.0.9', 22],
  ['10.2.0.9', 2201],
  ['only.neg.example', 22],
  ['tabbed.example', 22],
  ['indented.example', 22],
  ['missing-key.example', 22],
  ['bad-key.example', 22],
  ['after-comment.example', 22],
  ['#comment.example', 22],
  ['dup.example', 22],
  ['[odd', 22],
  ['v6::1', 22],
  ['fe80::1', 2222],
  ['upper-marker.example', 22],
  ['odd-marker.example', 22],
  ['nowhere.example', 22],
];

describe.skipIf(!hasSshKeygen && !toolsRequired)(
  'known_hosts matching agrees with OpenSSH (ssh-keygen -F)',
  () => {
    let keyA = '';
    let keyB = '';
    let plain = '';
    let hashedText = '';
    const plainPath = join(dir, 'known_hosts');
    const hashedPath = join(dir, 'known_hosts_hashed');

    beforeAll(() => {
      for (const name of ['a', 'b']) {
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, name)]);
      }
      const pub = (name: string): string =>
        readFileSync(join(dir, `${name}.pub`), 'utf8')
          .trim()
          .split(' ')
          .slice(0, 2)
          .join(' ');
      keyA = pub('a');
      keyB = pub('b');
      const lines = [
        `head.example,10.0.0.1 ${keyA}`,
        `[127.0.0.1]:2222 ${keyA}`,
        `[gw.example]:2200,[gw2.example]:2200 ${keyB}`,
        `*.cluster.example,!bad.cluster.example ${keyB}`,
        `node?.example ${keyA}`,
        `@revoked revoked.example ${keyB}`,
        `@cert-authority *.ca.example ${keyA}`,
        '# a comment line',
        `UPPER.Example ${keyA}`,
        `[10.1.*]:2200 ${keyA}`,
        `10.2.0.* ${keyB}`,
        `!only.neg.example ${keyA}`,
        `tabbed.example\t${keyA.replace(' ', '\t')}`,
        `   indented.example ${keyA}`,
        'missing-key.example ssh-ed25519',
        'bad-key.example ssh-ed25519 not-base64!!!',
        'garbage',
        '',
        `after-comment.example ${keyA} a trailing comment`,
        `dup.example ${keyA}`,
        `dup.example ${keyB}`,
        `[odd ${keyA}`,
        `v6::1,[fe80::1]:2222 ${keyA}`,
        `[127.0.0.1]:22 ${keyB}`,
        `@revoked *.cluster.example ${keyA}`,
        `@REVOKED upper-marker.example ${keyB}`,
        `@unknown-marker odd-marker.example ${keyB}`,
      ];
      plain = `${lines.join('\n')}\n`;
      writeFileSync(plainPath, plain);
      // ssh-keygen -H refuses to hash a file with invalid lines: hash the file without them.
      const invalid = (l: string): boolean =>
        l === 'missing-key.example ssh-ed25519' || l === 'garbage' || /^@(REVOKED|unknown-marker) /.test(l);
      writeFileSync(hashedPath, `${lines.filter((l) => !invalid(l)).join('\n')}\n`);
      execFileSync('ssh-keygen', ['-q', '-H', '-f', hashedPath], { stdio: 'ignore' });
      rmSync(`${hashedPath}.old`, { force: true });
      hashedText = readFileSync(hashedPath, 'utf8');
    });

    it('the hashed file really is hashed', () => {
      expect(hashedText).toMatch(/^\|1\|/m);
      expect(hashedText).not.toContain('head.example');
    });

    for (const [host, port] of QUERIES) {
      const name = port === 22 ? host : `[${host}]:${port}`;
      it(`finds the same lines for ${name}, plain and hashed`, () => {
        expect(parserFinds(plain, host, port)).toEqual(opensshFinds(plainPath, name));
        expect(parserFinds(hashedText, host, port)).toEqual(opensshFinds(hashedPath, name));
      });
    }

    it('matches an upper-case host name against hashed entries, as ssh does after lowercasing it', () => {
      const key = Buffer.from(keyA.split(' ')[1] ?? '', 'base64');
      expect(checkHostKey(parseKnownHosts(hashedText), 'HEAD.Example', 22, key)).toBe('match');
    });
  },
);
