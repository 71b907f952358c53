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
