/**
 * vitest globalSetup for the integration project: provides a running test lab.
 *
 * - `SLURMCAST_LAB_JSON` set to an existing lab.json: that lab is used and left running.
 * - Otherwise a lab is started in a fresh temporary directory with `test/lab/up.sh` and
 *   stopped with `test/lab/down.sh` when the run ends (the directory is removed unless
 *   `SLURMCAST_LAB_KEEP=1`, which keeps the logs for a look afterwards).
 *
 * Tests find the lab through `process.env.SLURMCAST_LAB_JSON` (workers inherit the
 * environment of the main process) and read it with `loadLab()` from `./lab.ts`.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLabUpOutput } from '../lab/output.js';
import { LAB_JSON_ENV, labEnv, loadLab } from './lab.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const upScript = join(projectRoot, 'test/lab/up.sh');
const downScript = join(projectRoot, 'test/lab/down.sh');

/** Runs a lab script; its progress goes to this process's stderr, its stdout is returned. */
function runLabScript(script: string, labDir: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [script, labDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', (cause) => reject(new Error(`could not run ${script}`, { cause })));
    child.on('close', (code) => {
      if (code === 0) resolvePromise(stdout);
      else
        reject(
          new Error(
            `${script} ${labDir} exited with ${String(code)}; its output above says which step failed`,
          ),
        );
    });
  });
}

/** Fails unless slurmctld and slurmdbd of the lab described by `labJson` answer. */
async function checkGivenLab(labJson: string): Promise<void> {
  const lab = loadLab();
  const ask = (command: string, args: readonly string[]): Promise<string> =>
    new Promise((resolvePromise, reject) => {
      execFile(command, [...args], { env: labEnv(), timeout: 20_000 }, (error, stdout, stderr) => {
        if (error === null) resolvePromise(stdout);
        else
          reject(
            new Error(
              `the lab in ${lab.dir} (${LAB_JSON_ENV}=${labJson}) does not answer \`${command} ${args.join(' ')}\`: ${stderr.trim() || error.message}; start it with test/lab/up.sh ${lab.dir}, or unset ${LAB_JSON_ENV} to let the tests start their own`,
              { cause: error },
            ),
          );
      });
    });
  const ping = await ask('scontrol', ['ping']);
  if (!/is UP/.test(ping)) {
    throw new Error(
      `slurmctld of the lab in ${lab.dir} is not UP (scontrol ping: ${ping.trim()}); restart it with test/lab/down.sh and up.sh`,
    );
  }
  await ask('sacctmgr', ['-n', '-P', 'show', 'cluster', lab.clusterName, 'format=ControlPort']);
}

let ownedLabDir: string | undefined;

/** Starts a lab unless one is given; sets `SLURMCAST_LAB_JSON` for the test workers. */
export async function setup(): Promise<void> {
  const given = process.env[LAB_JSON_ENV];
  if (given !== undefined && given !== '' && existsSync(given)) {
    // A lab.json outlives its lab: check the daemons answer before any test relies on them.
    await checkGivenLab(given);
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the integration tests start a Slurm lab and need root; or set SLURMCAST_LAB_JSON to a running lab',
    );
  }
  const labDir = await mkdtemp(join(tmpdir(), 'slurmcast-lab-'));
  ownedLabDir = labDir;
  const stdout = await runLabScript(upScript, labDir);
  process.env[LAB_JSON_ENV] = parseLabUpOutput(stdout).labJson;
}

/** Stops the lab this run started (a lab given through the environment is left alone). */
export async function teardown(): Promise<void> {
  if (ownedLabDir === undefined) return;
  const labDir = ownedLabDir;
  ownedLabDir = undefined;
  await runLabScript(downScript, labDir);
  if (process.env['SLURMCAST_LAB_KEEP'] !== '1') {
    await rm(labDir, { recursive: true, force: true });
  }
}
