import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A private influxd for tests that must stop and restart the server (the shared lab's influxd is
 * never stopped). Data lives under `dir`, so a restart keeps what was written.
 */
export interface PrivateInfluxd {
  host: string;
  /** The HTTP port; final once the first start succeeded (it may move before, if another process took it). */
  readonly port: number;
  /** Starts influxd and waits until /ping answers. */
  start(): Promise<void>;
  /** Stops the influxd this helper started (SIGTERM to its pid) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Prepares (does not start) an influxd with its config, data and logs under `dir`. */
export async function privateInfluxd(dir: string): Promise<PrivateInfluxd> {
  let port = await freePort();
  let bindPort = await freePort();
  mkdirSync(join(dir, 'meta'), { recursive: true });
  const config = join(dir, 'influxdb.conf');
  const writeConfig = (): void =>
    writeFileSync(
      config,
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${bindPort}"`,
        '[meta]',
        `  dir = "${join(dir, 'meta')}"`,
        '[data]',
        `  dir = "${join(dir, 'data')}"`,
        `  wal-dir = "${join(dir, 'wal')}"`,
        '  query-log-enabled = false',
        '  index-version = "tsi1"',
        '[http]',
        `  bind-address = "127.0.0.1:${port}"`,
        '  log-enabled = false',
        '[monitor]',
        '  store-enabled = false',
        '',
      ].join('\n'),
    );
  writeConfig();
  let child: ChildProcess | undefined;
  let everStarted = false;
  const logPath = join(dir, 'influxd.log');

  /** One start; resolves once this child answers, or rejects naming why (its log has the rest). */
  const launch = async (): Promise<void> => {
    const log = openSync(logPath, 'a');
    // Only what this start writes to the log counts (a restart appends to the same file).
    const logOffset = statSync(logPath).size;
    const started = spawn('influxd', ['run', '-config', config], { stdio: ['ignore', log, log] });
    closeSync(log);
    child = started;
    let spawnError: Error | undefined;
    started.once('error', (error) => (spawnError = error));
    // A /ping answer alone could come from another process that took the port between freePort()
    // and this bind (this influxd then exits). Ready means: this child is alive, its own log says
    // it listens on this port, and the port answers.
    const listening = `msg="Listening on HTTP"`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (spawnError !== undefined) throw new Error('influxd could not be started', { cause: spawnError });
      const ownLog = readFileSync(logPath, 'utf8').slice(logOffset);
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new InfluxdExitedError(logPath, ownLog.includes('address already in use'));
      }
      const bound = ownLog
        .split('\n')
        .some((line) => line.includes(listening) && line.includes(`addr=127.0.0.1:${port} `));
      const ok =
        bound &&
        (await fetch(`http://127.0.0.1:${port}/ping`).then(
          (r) => r.status === 204,
          () => false,
        ));
      if (ok && started.exitCode === null) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`influxd did not answer /ping within 30 s; see ${logPath}`);
  };

  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    async start() {
      // Another process (another lab on the machine) may take a port between freePort() and the
      // bind. Before the first start nobody depends on the port yet, so take two new ones and try
      // again; a restart must keep its address.
      for (let attempt = 1; ; attempt += 1) {
        try {
          await launch();
          everStarted = true;
          return;
        } catch (error) {
          const portTaken = error instanceof InfluxdExitedError && error.portTaken;
          if (everStarted || !portTaken || attempt >= 5) throw error;
          port = await freePort();
          bindPort = await freePort();
          writeConfig();
        }
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      if (running.pid === undefined) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      process.kill(running.pid, 'SIGTERM');
      // influxd stops in well under a second; one that hangs is killed rather than left behind.
      const killer = setTimeout(() => {
        if (running.exitCode === null && running.pid !== undefined) process.kill(running.pid, 'SIGKILL');
      }, 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** influxd ended on its own while starting; `portTaken` when its log says another process holds a port. */
class InfluxdExitedError extends Error {
  readonly portTaken: boolean;
  constructor(logPath: string, portTaken: boolean) {
    super(`influxd exited early${portTaken ? ' (a port was taken)' : ''}; see ${logPath}`);
    this.portTaken = portTaken;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
