import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'slurmcast-config-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Secrets of every kind a config may hold or be near, short ones included. */
const SECRETS = {
  shortToken: 'x7K',
  longToken: 'S3cr3tT0kenValue-very-long-0123456789abcdef',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyb290IiwiZXhwIjoxfQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg',
  password: 'hunter2!pw',
  passphrase: 'correct horse battery',
} as const;

let fileNumber = 0;
async function configError(text: string, extension: 'yaml' | 'json'): Promise<ConfigError> {
  const path = join(dir, `c${fileNumber++}.${extension}`);
  writeFileSync(path, text);
  const error: unknown = await loadConfig(path).then(
    () => new Error(`expected ${text} to be refused`),
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigError)) throw error;
  return error;
}

/** Everything a user or a log could see of an error: message, stack, fields, causes. */
function everythingShown(error: ConfigError): string {
  let text = `${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}\n${JSON.stringify(error.issues)}`;
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    text += `\n${cause.message}\n${cause.stack ?? ''}`;
    cause = cause.cause;
  }
  return text;
}

/** Syntax errors on the very line of the secret, in YAML and in JSON. */
const BROKEN: readonly {
  what: string;
  extension: 'yaml' | 'json';
  text: (secret: string) => string;
  /** The key the message must name (when the parser got that far), and the line it starts on. */
  key: string | undefined;
  line: number;
}[] = [
  {
    what: 'a second ": " on the secret line',
    extension: 'yaml',
    text: (s) => `slurm:\n  env:\n    SLURM_JWT: ${s}: extra\n`,
    key: 'slurm.env.SLURM_JWT',
    line: 3,
  },
  {
    what: 'an unclosed double quote',
    extension: 'yaml',
    text: (s) => `slurm:\n  env:\n    SLURM_JWT: "${s}\n  timeoutS: 5\n`,
    key: 'slurm.env.SLURM_JWT',
    line: 3,
  },
  {
    what: 'an unclosed single quote',
    extension: 'yaml',
    text: (s) => `slurm:\n  env:\n    INFLUX_PASSWORD: '${s}\n`,
    key: 'slurm.env.INFLUX_PASSWORD',
    line: 3,
  },
  {
    what: 'a tab as indentation',
    extension: 'yaml',
    text: (s) => `slurm:\n  env:\n\tSSH_PASSPHRASE: ${s}\n`,
    key: undefined,
    line: 3,
  },
  {
    what: 'a JSON string without its closing quote',
    extension: 'json',
    text: (s) => `{"slurm": {"env": {"SLURM_JWT": "${s}}}}\n`,
    key: 'slurm.env.SLURM_JWT',
    line: 1,
  },
  {
    what: 'JSON with a missing comma after the secret',
    extension: 'json',
    text: (s) => `{\n  "slurm": {\n    "env": { "SLURM_JWT": "${s}" "X": "1" }\n  }\n}\n`,
    key: 'slurm.env',
    line: 3,
  },
];

describe('config errors never show secrets', () => {
  for (const broken of BROKEN) {
    for (const [kind, secret] of Object.entries(SECRETS)) {
      it(`${broken.extension}: ${broken.what}, with a ${kind}: names the line, not its text`, async () => {
        const error = await configError(broken.text(secret), broken.extension);
        expect(error.message).toMatch(/not valid YAML or JSON: line \d+, column \d+/);
        expect(error.position?.line).toBeGreaterThanOrEqual(broken.line);
        if (broken.key !== undefined) expect(error.message).toContain(`in ${broken.key}`);
        expect(error.message).toContain(`line ${broken.line}`);
        expect(everythingShown(error)).not.toContain(secret);
      });
    }
  }

  it('prints no yaml warning (which would carry a code frame) for an unknown tag', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const path = join(dir, 'tagged.yaml');
      writeFileSync(path, `slurm:\n  env:\n    SLURM_JWT: !vault ${SECRETS.longToken}\n`);
      await loadConfig(path);
      const printed = JSON.stringify([warn.mock.calls, consoleWarn.mock.calls]);
      expect(printed).not.toContain(SECRETS.longToken);
      expect(warn).not.toHaveBeenCalled();
      expect(consoleWarn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      consoleWarn.mockRestore();
    }
  });

  for (const extension of ['yaml', 'json'] as const) {
    it(`${extension}: schema errors name keys and expected forms, never the values`, async () => {
      const config = {
        slurm: {
          transport: SECRETS.shortToken,
          env: { SLURM_JWT: 12345 },
          ssh: { host: 'h', username: 'u', passphrase: SECRETS.passphrase, port: SECRETS.password },
          rest: { url: SECRETS.longToken, tokenEnv: 'SLURM_JWT' },
        },
        store: { kind: 'influx', influx: { password: SECRETS.password } },
      };
      const text =
        extension === 'json'
          ? JSON.stringify(config)
          : `slurm:\n  transport: ${SECRETS.shortToken}\n  env:\n    SLURM_JWT: 12345\n  ssh:\n    host: h\n    username: u\n    passphrase: ${SECRETS.passphrase}\n    port: ${SECRETS.password}\n  rest:\n    url: ${SECRETS.longToken}\n    tokenEnv: SLURM_JWT\nstore:\n  kind: influx\n  influx:\n    password: ${SECRETS.password}\n`;
      const error = await configError(text, extension);
      const keys = error.issues.map((i) => i.key);
      expect(keys).toEqual(
        expect.arrayContaining([
          'slurm.transport',
          'slurm.env.SLURM_JWT',
          'slurm.ssh.passphrase',
          'slurm.ssh.port',
          'slurm.rest.url',
          'store.influx.password',
        ]),
      );
      const shown = everythingShown(error);
      for (const secret of Object.values(SECRETS)) expect(shown).not.toContain(secret);
    });
  }

  it('a JWT pasted where a key belongs is not echoed as the unknown key', async () => {
    const error = await configError(`slurm:\n  ${SECRETS.jwt}: 1\n`, 'yaml');
    expect(error.issues).toHaveLength(1);
    expect(everythingShown(error)).not.toContain(SECRETS.jwt);
  });
});
