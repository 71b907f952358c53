import { stderrTerminal, writeStderrNow, type TerminalInfo } from './worker-protocol.js';

/**
 * `SLURMCAST_PROGRESS=lines` prints progress as plain lines on stderr even when it is not a terminal
 * (and with --json): for logs of long runs, and for tests that must know a computation has started.
 */
export const ProgressEnvVar = 'SLURMCAST_PROGRESS';

/** How progress is shown: a line redrawn in place, one line per tenth of the work, or not at all. */
export type ProgressMode = 'redraw' | 'lines' | 'off';

/** Progress is for people at a terminal; scripts (a pipe, --json) get none unless asked for. */
export function progressMode(json: boolean, terminal: TerminalInfo, env: NodeJS.ProcessEnv): ProgressMode {
  if (env[ProgressEnvVar] === 'lines') return 'lines';
  return json || !terminal.stderrIsTty ? 'off' : 'redraw';
}

/** One state of a long computation, as the computation reports it. */
export interface ProgressState {
  /** What is being done, e.g. `simulating predictive`. */
  readonly label: string;
  readonly done: number;
  /** 0 when the total is not known (then no percentage is shown). */
  readonly total: number;
  /** Unit of `done` and `total`, e.g. `jobs`; empty to show only the percentage. */
  readonly unit: string;
  /** More about the state, shown after it, e.g. `12,345 jobs` while reading a file by bytes. */
  readonly detail?: string;
}

/** Whole numbers with thousands separators; small fractional amounts (MiB) keep one decimal. */
const count = (n: number): string =>
  n < 100 && !Number.isInteger(n) ? n.toFixed(1) : Math.round(n).toLocaleString('en-US');

/** The state of reading a file, by (compressed) bytes, with the jobs read so far as detail. */
export function bytesProgress(
  label: string,
  read: { readonly bytesRead: number; readonly totalBytes: number; readonly jobs: number },
): ProgressState {
  const mib = 2 ** 20;
  return {
    label,
    done: read.bytesRead / mib,
    total: read.totalBytes / mib,
    unit: 'MiB',
    detail: `${count(read.jobs)} jobs`,
  };
}

/** The fraction done, 0 to 1 (0 without a known total). */
export function progressFraction(state: ProgressState): number {
  return state.total > 0 ? Math.min(1, Math.max(0, state.done / state.total)) : 0;
}

/** The text of a progress line, e.g. `simulating predictive: 8,192 / 98,765 jobs (8%)`. */
export function progressText(state: ProgressState): string {
  const detail = state.detail === undefined ? '' : `, ${state.detail}`;
  if (state.total <= 0) return `${state.label}: ${count(state.done)} ${state.unit}${detail}`;
  const percent = Math.floor(progressFraction(state) * 100);
  if (state.unit === '') return `${state.label} (${percent}%)${detail}`;
  return `${state.label}: ${count(state.done)} / ${count(state.total)} ${state.unit} (${percent}%)${detail}`;
}

/** Shows a computation's progress on stderr; `end` clears what was drawn. */
export interface Progress {
  update(state: ProgressState): void;
  end(): void;
}

/**
 * Progress on stderr for a command given `--json` or not: a line redrawn in place at a terminal,
 * nothing otherwise (see `progressMode`). The computation calls `update` (through its `onProgress`
 * option); drawing happens only when the text changes, so no clock is needed to throttle it.
 */
export function terminalProgress(
  json: boolean,
  options: { env?: NodeJS.ProcessEnv; terminal?: TerminalInfo; write?: (text: string) => void } = {},
): Progress {
  const terminal = options.terminal ?? stderrTerminal();
  const mode = progressMode(json, terminal, options.env ?? process.env);
  const write = options.write ?? writeStderrNow;
  if (mode === 'off') return { update: () => undefined, end: () => undefined };
  // Computations call `update` often (each simulator tick): compare a cheap step first, format later.
  const stepsPerTask = mode === 'lines' ? 10 : 1000;
  let lastLabel: string | undefined;
  let lastStep = -1;
  let shown = '';
  return {
    update: (state) => {
      // Without a total, lines mode says only that the task started; a redrawn line shows every count.
      const unknownTotalStep = mode === 'lines' ? 0 : Math.floor(state.done);
      const step = state.total > 0 ? Math.floor(progressFraction(state) * stepsPerTask) : unknownTotalStep;
      if (state.label === lastLabel && step === lastStep) return;
      lastLabel = state.label;
      lastStep = step;
      if (mode === 'lines') {
        // One line when a task starts and at each further tenth of it.
        write(`${progressText(state)}\n`);
        return;
      }
      const text = progressText(state).slice(0, Math.max(1, terminal.columns - 1));
      if (text === shown) return;
      shown = text;
      // Back to the line start, draw, clear whatever a longer earlier line left.
      write(`\r${text}\x1b[K`);
    },
    end: () => {
      if (shown !== '') write('\r\x1b[K');
      shown = '';
    },
  };
}
