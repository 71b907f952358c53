import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, resolveConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/errors.js';

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function writeTemp(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slurmcast-config-'));
  tempDirs.push(dir);
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('config', () => {
  it('fills every default when no file is given', async () => {
    const config = await loadConfig(undefined);
    expect(config.slurm.transport).toBe('local');
    expect(config.store.kind).toBe('embedded');
    expect(config.costs.waitingJobHour).toBeGreaterThan(0);
  });

  it('accepts the shipped example config', async () => {
    const config = await loadConfig('config/slurmcast.example.yaml');
    expect(config.slurm.timeoutS).toBe(30);
  });

  it('reads JSON as well as YAML', async () => {
    const path = await writeTemp(
      'c.json',
      JSON.stringify({ slurm: { transport: 'ssh', ssh: { host: 'h', username: 'u' } } }),
    );
    const config = await loadConfig(path);
    expect(config.slurm.ssh?.port).toBe(22);
    expect(config.slurm.ssh?.insecureSkipHostKeyCheck).toBe(false);
  });

  it('names a misspelt key and where it is', () => {
    const error = catchError(() => resolveConfig({ slurm: { transprt: 'ssh' } }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toContainEqual(expect.objectContaining({ key: 'slurm.transprt' }));
    expect(error.message).toContain('slurm.transprt');
    expect(error.message).toContain('unknown key');
  });

  it('names a wrong value and the expected form', () => {
    const error = catchError(() =>
      resolveConfig({ slurm: { transport: 'telnet' }, costs: { idleNodeHour: -1 } }),
    );
    const keys = error.issues.map((i) => i.key);
    expect(keys).toEqual(expect.arrayContaining(['slurm.transport', 'costs.idleNodeHour']));
    expect(error.message).toMatch(/local.*ssh.*rest/);
  });

  it('reports an unreadable file with its path', async () => {
    const error = await loadConfig('/nonexistent/slurmcast.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('/nonexistent/slurmcast.yaml');
  });

  it('reports a file that is not YAML', async () => {
    const path = await writeTemp('bad.yaml', 'slurm: [unclosed');
    const error = await loadConfig(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('not valid YAML');
  });
});

function catchError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
