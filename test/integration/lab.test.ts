import { readFileSync } from 'node:fs';
import { NodeSSH } from 'node-ssh';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { loadLab, parseScontrolLine, runSlurm, sbatch, waitForAccounting, waitForJobState } from './lab.js';

async function showNodes(): Promise<Map<string, Record<string, string>>> {
  const { stdout } = await runSlurm('scontrol', ['-o', 'show', 'node']);
  const nodes = new Map<string, Record<string, string>>();
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const fields = parseScontrolLine(line);
    const name = fields['NodeName'];
    if (name !== undefined) nodes.set(name, fields);
  }
  return nodes;
}

/**
 * The job's accounting row. sacct lags slurmctld: a row can be missing, or still say RUNNING, right
 * after the job ended; wait until accounting has recorded its end, then read it.
 */
async function sacctRow(jobId: number, fields: readonly string[]): Promise<Record<string, string>> {
  await waitForAccounting([jobId], 60_000);
  const { stdout } = await runSlurm('sacct', ['-n', '-X', '-P', '-o', fields.join(','), '-j', String(jobId)]);
  const values = (stdout.split('\n')[0] ?? '').split('|');
  expect(values, `sacct row of job ${jobId}`).toHaveLength(fields.length);
  return Object.fromEntries(fields.map((field, i) => [field, values[i] ?? '']));
}

describe('the test lab', () => {
  it('registers the nodes with their GPUs, features and partitions', async () => {
    const lab = loadLab();
    const nodes = await showNodes();
    expect([...nodes.keys()].sort()).toEqual([...lab.nodes].sort());

    const c1 = nodes.get('c1');
    expect(c1?.['Gres']).toBe('gpu:a100:4');
    expect(c1?.['AvailableFeatures']).toBe('ib');
    const c2 = nodes.get('c2');
    expect(c2?.['Gres']).toBe('gpu:h100:2');
    expect(c2?.['AvailableFeatures']?.split(',').sort()).toEqual(['bigmem', 'ib']);
    expect(nodes.get('c3')?.['AvailableFeatures']).toBe('bigmem');

    for (const name of ['c1', 'c2', 'c3', 'c4']) {
      const node = nodes.get(name);
      expect(node?.['State'], name).toMatch(/^(IDLE|MIXED|ALLOCATED)/);
      expect(node?.['SlurmdStartTime'], name).toMatch(/^\d{4}-/);
      expect(Number(node?.['CPUTot']), name).toBeGreaterThanOrEqual(8);
      expect(Number(node?.['RealMemory']), name).toBeGreaterThanOrEqual(16_000);
    }
    // c5 may still be up from an earlier test on a reused lab; it is a CLOUD node either way.
    expect(nodes.get('c5')?.['State']).toContain('CLOUD');

    const { stdout } = await runSlurm('scontrol', ['-o', 'show', 'partition']);
    const partitions = Object.fromEntries(
      stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const fields = parseScontrolLine(line);
          return [fields['PartitionName'] ?? '', fields] as const;
        }),
    );
    expect(partitions['cpu']?.['Nodes']).toBe('c[3-5]');
    expect(partitions['cpu']?.['Default']).toBe('YES');
    expect(partitions['gpu']?.['Nodes']).toBe('c[1-2]');
    expect(partitions['all']?.['Nodes']).toBe('c[1-5]');
  });

  it('runs a job on two a100 GPUs and accounts them in AllocTRES', async () => {
    const lab = loadLab();
    const out = `${lab.dir}/job-gpu-%j.out`;
    const jobId = await sbatch(
      [
        '-p',
        'gpu',
        '--gres=gpu:a100:2',
        '-t',
        '2',
        '-J',
        'lab gpu check',
        '--comment',
        'lab-test',
        '-o',
        out,
      ],
      '#!/bin/sh\necho "CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"\nsleep 1\n',
    );
    await waitForJobState(jobId, ['COMPLETED'], 60_000);

    const row = await sacctRow(jobId, ['JobIDRaw', 'State', 'AllocTRES', 'NodeList', 'Comment']);
    expect(row['State']).toBe('COMPLETED');
    expect(row['NodeList']).toBe('c1');
    expect(row['AllocTRES']?.split(',')).toContain('gres/gpu:a100=2');
    expect(row['Comment']).toBe('lab-test');
    expect(readFileSync(out.replace('%j', String(jobId)), 'utf8')).toContain('CUDA_VISIBLE_DEVICES=0,1');
  });

  it('powers c5 up for a job sent to it and runs the job there', async () => {
    const jobId = await sbatch(
      ['-p', 'cpu', '-w', 'c5', '-t', '2', '-J', 'lab power-up check'],
      '#!/bin/sh\nhostname\n',
    );
    await waitForJobState(jobId, ['COMPLETED'], 110_000);
    const row = await sacctRow(jobId, ['JobIDRaw', 'State', 'NodeList', 'Partition']);
    expect(row).toMatchObject({ State: 'COMPLETED', NodeList: 'c5', Partition: 'cpu' });
    const nodes = await showNodes();
    expect(nodes.get('c5')?.['SlurmdStartTime']).toMatch(/^\d{4}-/);
  });

  it('creates and deletes a reservation with scontrol', async () => {
    const name = `lab-res-${process.pid}`;
    await runSlurm('scontrol', [
      'create',
      'reservation',
      `ReservationName=${name}`,
      'Nodes=c4',
      'StartTime=now+1hour',
      'Duration=30',
      'Users=root',
    ]);
    try {
      const { stdout } = await runSlurm('scontrol', ['-o', 'show', 'reservation', name]);
      const fields = parseScontrolLine(stdout);
      expect(fields).toMatchObject({ ReservationName: name, Nodes: 'c4', Users: 'root' });
    } finally {
      // Also when the check fails: a reservation left on c4 would hold later runs on the same lab.
      await runSlurm('scontrol', ['delete', `ReservationName=${name}`]);
    }
    const after = await runSlurm('scontrol', ['-o', 'show', 'reservation']);
    expect(after.stdout).not.toContain(`ReservationName=${name} `);
  });

  it('answers REST on the unix socket and, with a JWT, on TCP', async () => {
    const lab = loadLab();
    const path = `/slurm/${lab.rest.apiVersion}/ping`;

    const agent = new Agent({ connect: { socketPath: lab.rest.socket } });
    try {
      const local = await request(`http://localhost${path}`, { dispatcher: agent });
      expect(local.statusCode).toBe(200);
      expect(JSON.stringify(await local.body.json())).toContain('"ping":"UP"');
    } finally {
      await agent.close();
    }

    const token = readFileSync(lab.rest.tokenFile, 'utf8').trim();
    const withToken = await request(`${lab.rest.url}${path}`, {
      headers: { 'X-SLURM-USER-NAME': lab.rest.user, 'X-SLURM-USER-TOKEN': token },
    });
    expect(withToken.statusCode).toBe(200);
    await withToken.body.dump();

    const anonymous = await request(`${lab.rest.url}${path}`);
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
  });

  it('accepts the lab key over ssh and runs Slurm commands there', async () => {
    const lab = loadLab();
    const ssh = new NodeSSH();
    const knownHosts = readFileSync(lab.ssh.knownHostsPath, 'utf8');
    await ssh.connect({
      host: lab.ssh.host,
      port: lab.ssh.port,
      username: lab.ssh.username,
      privateKeyPath: lab.ssh.privateKeyPath,
      // Accept only the lab sshd's own host key.
      hostVerifier: (key: Buffer) => knownHosts.includes(key.toString('base64')),
    });
    try {
      // node-ssh quotes each argument for the remote shell.
      const viaArgs = await ssh.exec('env', [`SLURM_CONF=${lab.slurmConf}`, 'sinfo', '-h', '-o', '%P'], {
        stream: 'stdout',
      });
      expect(viaArgs.split('\n').sort()).toEqual(['all', 'cpu*', 'gpu']);
    } finally {
      ssh.dispose();
    }
  });

  it('answers InfluxDB pings', async () => {
    const lab = loadLab();
    const response = await fetch(`http://${lab.influx.host}:${lab.influx.port}/ping`);
    expect(response.status).toBe(204);
  });
});
