import { SlurmcastError } from '../shared/errors.js';

/** The base of every forecasting error. Code branches on the subclass, never on the message. */
export abstract class ForecastError extends SlurmcastError {}

/** The series cannot be forecast as given (too short, bad step, unknown time zone, all values missing). */
export class InvalidSeriesError extends ForecastError {
  override readonly name = 'InvalidSeriesError' as const;
  readonly retryable = false;
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`cannot forecast this series: ${reason}`, options);
    this.reason = reason;
  }
}

/** Options passed to a forecasting entry point are out of range (horizon, levels, model names). */
export class InvalidForecastOptionsError extends ForecastError {
  override readonly name = 'InvalidForecastOptionsError' as const;
  readonly retryable = false;
  readonly option: string;
  constructor(option: string, detail: string, options?: { cause?: unknown }) {
    super(`invalid forecast option "${option}": ${detail}`, options);
    this.option = option;
  }
}

/** A model name that no registered model answers to. */
export class UnknownModelError extends ForecastError {
  override readonly name = 'UnknownModelError' as const;
  readonly retryable = false;
  readonly model: string;
  constructor(model: string, known: readonly string[]) {
    super(`unknown forecast model "${model}"; known models: ${known.join(', ')}`);
    this.model = model;
  }
}

/**
 * The tfjs wasm backend has not been initialised. Call `prepareLstmBackend()` (async) once before
 * fitting an LSTM; fitting itself is synchronous so that every model keeps the same interface.
 */
export class LstmBackendNotReadyError extends ForecastError {
  override readonly name = 'LstmBackendNotReadyError' as const;
  readonly retryable = true;
  constructor(options?: { cause?: unknown }) {
    super(
      'the tfjs wasm backend is not ready: await prepareLstmBackend() before fitting an LSTM model',
      options,
    );
  }
}

/** A job to predict is not in the history, or has nothing to learn from. */
export class JobPredictionError extends ForecastError {
  override readonly name = 'JobPredictionError' as const;
  readonly retryable = false;
  readonly jobId: string;
  constructor(jobId: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot predict job ${jobId}: ${reason}`, options);
    this.jobId = jobId;
  }
}

/**
 * A forecast asked for from a time the data does not reach: its last submit is more than one step before
 * the cut, so every step after it would be read as "no demand" and the forecast would be all zeros.
 */
export class UntilBeyondDataError extends ForecastError {
  override readonly name = 'UntilBeyondDataError' as const;
  readonly retryable = false;
  /** The cut asked for (Unix s). */
  readonly untilS: number;
  /** The last submit, start or end in the data read (Unix s); null when the data holds no job at all. */
  readonly lastEventS: number | null;
  /** What to do about it. */
  readonly hint: string;
  constructor(details: {
    untilIso: string;
    untilS: number;
    lastEventIso: string | null;
    lastEventS: number | null;
  }) {
    const hint =
      details.lastEventIso === null
        ? 'the data holds no job: check the file, --store or --source'
        : `give --until at most a day after the data's last event, ${details.lastEventIso}, or collect or import newer data`;
    super(
      `--until ${details.untilIso} is beyond the end of the data${
        details.lastEventIso === null ? '' : ` (last job event ${details.lastEventIso})`
      }: a forecast from there would read the missing data as zero demand; ${hint}`,
    );
    this.untilS = details.untilS;
    this.lastEventS = details.lastEventS;
    this.hint = hint;
  }
}
