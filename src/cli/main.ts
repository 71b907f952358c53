#!/usr/bin/env node
import { rmSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  SignalExitCode,
  stderrTerminal,
  type CleanupMessage,
  type CommandWorkerData,
  type StopSignal,
} from './worker-protocol.js';

// The `slurmcast` process: a thin supervisor. The command itself (parsing included) runs in a worker
// thread, so that Ctrl-C and SIGTERM stop it at once even while it computes synchronously: a signal
// handler on this thread always runs, because this thread only forwards output. On a signal the worker
// is terminated, what it registered for removal (temporary outputs, lock directories) is removed, and
// the process exits 130 (SIGINT) or 143 (SIGTERM). This file loads nothing but Node's own modules.

/** How long a terminated worker may take to stop (it finishes a native call, e.g. one SQLite statement). */
const TERMINATE_WAIT_MS = 500;

function startWorker(data: CommandWorkerData): Worker {
  const options = { workerData: data, transferList: [data.cleanupPort], stdout: true, stderr: true };
  if (import.meta.url.endsWith('.ts')) {
    // Run from source (tests, development): the worker needs the same TypeScript loader (tsx) as we do.
    const loader = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./worker.ts', import.meta.url).href;
    const boot = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { ...options, eval: true });
  }
  return new Worker(new URL('./worker.js', import.meta.url), options);
}

/** Paths the worker registered for removal and has not released, read from its messages so far. */
function registeredPaths(port: MessagePort, paths: Set<string>): Set<string> {
  for (
    let received = receiveMessageOnPort(port);
    received !== undefined;
    received = receiveMessageOnPort(port)
  ) {
    const message = received.message as CleanupMessage;
    if ('add' in message) paths.add(message.add);
    else paths.delete(message.remove);
  }
  return paths;
}

function supervise(argv: readonly string[]): void {
  const channel = new MessageChannel();
  // Read only when the worker is stopped (receiveMessageOnPort), so the port never keeps us alive.
  channel.port1.unref();
  const registered = new Set<string>();
  const worker = startWorker({ argv, terminal: stderrTerminal(), cleanupPort: channel.port2 });
  worker.stdout.pipe(process.stdout, { end: false });
  worker.stderr.pipe(process.stderr, { end: false });

  let stopping = false;
  const stop = async (exitCode: number, signal: StopSignal | null): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.race([
      worker.terminate(),
      new Promise((resolve) => setTimeout(resolve, TERMINATE_WAIT_MS).unref()),
    ]);
    for (const path of registeredPaths(channel.port1, registered))
      rmSync(path, { recursive: true, force: true });
    // stderr is a terminal or a pipe here, both written synchronously, so this line is not lost.
    if (signal !== null) process.stderr.write(`\nslurmcast: stopped by ${signal}\n`);
    process.exit(exitCode);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => void stop(SignalExitCode[signal], signal));
  // A reader that stops early (`slurmcast … | head`) is not a failure of ours: stop the command quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') void stop(Number(process.exitCode ?? 0), null);
    else throw error;
  });

  let crashed = false;
  worker.on('error', (error) => {
    // Only what escaped the command's own error reporting arrives here.
    crashed = true;
    process.stderr.write(`slurmcast: ${error instanceof Error ? error.message : String(error)}\n`);
  });
  worker.on('exit', (code) => {
    if (stopping) return;
    // The worker's output may still be on its way: exit once both streams have ended.
    let open = 2;
    const ended = (): void => {
      open -= 1;
      if (open === 0) process.exitCode = crashed && code === 0 ? 1 : code;
    };
    for (const stream of [worker.stdout, worker.stderr]) {
      if (stream.readableEnded) ended();
      else stream.once('end', ended);
    }
  });
}

supervise(process.argv.slice(2));
