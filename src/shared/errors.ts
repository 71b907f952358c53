/**
 * The base of every application-layer error (config, store, collect, forecast, …). Each layer
 * derives one base class from it with a literal `name`; code branches on classes, never on message text.
 */
export abstract class SlurmcastError extends Error {
  /** Whether trying the same thing again later can help (a server down) or not (bad input). */
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
