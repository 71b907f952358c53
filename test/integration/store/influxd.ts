import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A private influxd for tests that must stop and restart the server (the shared lab's influxd is
 * never stopped). Data lives under `dir`, so a restart keeps what was written.
 */
export interface PrivateInfluxd {
  host: string;
  port: number;
  /** Starts influxd and waits until /ping answers. */
  start(): Promise<void>;
  /** Stops the influxd this helper started (SIGTERM to its pid) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Prepares (does not start) an influxd with its config, data and logs under `dir`. */
export async function privateInfluxd(dir: string): Promise<PrivateInfluxd> {
  const port = await freePort();
  const bindPort = await freePort();
  mkdirSync(join(dir, 'meta'), { recursive: true });
  const config = join(dir, 'influxdb.conf');
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
  let child: ChildProcess | undefined;
  return {
    host: '127.0.0.1',
    port,
    async start() {
      const log = openSync(join(dir, 'influxd.log'), 'a');
      child = spawn('influxd', ['run', '-config', config], { stdio: ['ignore', log, log] });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`influxd exited early; see ${join(dir, 'influxd.log')}`);
        const ok = await fetch(`http://127.0.0.1:${port}/ping`).then(
          (r) => r.status === 204,
          () => false,
        );
        if (ok) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`influxd did not answer /ping within 30 s; see ${join(dir, 'influxd.log')}`);
    },
    async stop() {
      const running = child;
      if (running === undefined || running.exitCode !== null || running.pid === undefined) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      process.kill(running.pid, 'SIGTERM');
      await exited;
      child = undefined;
    },
  };
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
