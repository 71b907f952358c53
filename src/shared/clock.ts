/**
 * Time is injected so that the same decision code runs on the wall clock in production and on a
 * virtual clock in the simulator and in tests.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** The real wall clock; only the outermost layer (CLI, engine entry) should create one. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that moves only when told to: for the simulator and for tests. */
export class ManualClock implements Clock {
  #nowMs: number;
  constructor(startMs: number) {
    this.#nowMs = startMs;
  }
  nowMs(): number {
    return this.#nowMs;
  }
  /** Moves the clock to `ms`; time never runs backwards. */
  set(ms: number): void {
    if (ms < this.#nowMs) throw new RangeError(`clock cannot move backwards (${ms} < ${this.#nowMs})`);
    this.#nowMs = ms;
  }
  advance(ms: number): void {
    this.set(this.#nowMs + ms);
  }
}
