import { workerData } from 'node:worker_threads';
import { setAbortCleanupSink } from '../shared/abort-cleanup.js';
import { runCommandLine } from './command-line.js';
import type { CleanupMessage, CommandWorkerData } from './worker-protocol.js';

// The worker thread that runs one command for the supervisor in `main.ts`. Its stdout and stderr are
// pipes to the supervisor, which forwards them; its exit code is the command's.
const data = workerData as CommandWorkerData;
const send = (message: CleanupMessage): void => data.cleanupPort.postMessage(message);
setAbortCleanupSink({ add: (path) => send({ add: path }), remove: (path) => send({ remove: path }) });
process.exitCode = await runCommandLine(data.argv);
