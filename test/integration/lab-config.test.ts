import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { createStore } from '../../src/store/create.js';
import { runCli } from '../unit/cli/cli.js';
import { loadLab, sbatch, waitForAccounting } from './lab.js';

/** The config test/lab/up.sh wrote; a lab from an older up.sh has none, which is a failure here. */
function labConfigPath(): string {
  const path = loadLab().slurmcastConfig;
  if (path === undefined) {
    throw new Error(
      'lab.json names no slurmcastConfig: this lab was started by an older test/lab/up.sh; restart it with this checkout',
    );
  }
  return path;
}

describe('the Slurmcast config the lab writes', () => {
  const lab = loadLab();
  const scratch = mkdtempSync(join(tmpdir(), 'slurmcast-labcfg-'));

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is a valid config naming the lab: local transport with its SLURM_CONF, store and spool in the lab directory', async () => {
    const config = await loadConfig(labConfigPath());
    expect(config.cluster).toBe(lab.clusterName);
    expect(config.slurm.transport).toBe('local');
    expect(config.slurm.env).toEqual({ SLURM_CONF: lab.slurmConf });
    expect(config.store.kind).toBe('embedded');
    expect(config.store.path.startsWith(`${lab.dir}/`)).toBe(true);
    expect(config.store.spoolDir.startsWith(`${lab.dir}/`)).toBe(true);
    expect(config.store.influx).toMatchObject({ host: lab.influx.host, port: lab.influx.port });
    expect(config.slurm.ssh).toMatchObject({ host: lab.ssh.host, port: lab.ssh.port });
    expect(config.slurm.rest).toMatchObject({ socket: lab.rest.socket, writesVia: 'local' });
  });

  it.each(['local', 'ssh', 'rest'] as const)(
    'slurmcast doctor passes every check over %s with it, changed in nothing but the transport',
    async (transport) => {
      const doc = parseDocument(readFileSync(labConfigPath(), 'utf8'));
      doc.setIn(['slurm', 'transport'], transport);
      const path = join(scratch, `${transport}.yaml`);
      writeFileSync(path, doc.toString());
      const result = await runCli(['--config', path, '--json', 'doctor']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as {
        transport: string;
        ok: boolean;
        checks: { name: string; ok: boolean }[];
      };
      expect(report.transport).toBe(transport);
      expect(report.checks.length).toBeGreaterThanOrEqual(3);
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.ok).toBe(true);
    },
  );

  it('slurmcast collect with it stores the jobs the lab ran, under the source slurm:lab', async () => {
    const jobId = await sbatch(
      ['-p', 'cpu', '-A', 'research', '-J', 'labcfg-collect', '-t', '2'],
      '#!/bin/sh\nsleep 1\n',
    );
    await waitForAccounting([jobId], 90_000);
    const path = labConfigPath();
    const result = await runCli(['--config', path, '--json', 'collect']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const config = await loadConfig(path);
    const store = await createStore(config.store);
    try {
      const found: string[] = [];
      for await (const batch of store.jobs({ source: 'slurm:lab' }))
        found.push(...batch.filter((r) => r.jobId === String(jobId)).map((r) => `${r.jobId} ${r.state}`));
      expect(found).toEqual([`${jobId} COMPLETED`]);
    } finally {
      await store.close();
    }
  });
});
