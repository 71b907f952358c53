/**
 * A binary min-heap of events on typed arrays: a time and an integer code per entry, no object per
 * event. Ties on time pop in insertion order (a sequence number breaks them), which keeps runs
 * deterministic.
 */
export class EventHeap {
  #time: Float64Array;
  #seq: Float64Array;
  #code: Int32Array;
  #size = 0;
  #next = 0;

  constructor(capacity = 1024) {
    this.#time = new Float64Array(capacity);
    this.#seq = new Float64Array(capacity);
    this.#code = new Int32Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Time of the earliest event; `Infinity` when empty. */
  peekTime(): number {
    return this.#size === 0 ? Number.POSITIVE_INFINITY : (this.#time[0] as number);
  }

  /** Code of the earliest event; only valid when not empty. */
  peekCode(): number {
    return this.#code[0] as number;
  }

  push(timeS: number, code: number): void {
    if (this.#size === this.#time.length) this.#grow();
    const time = this.#time;
    const seq = this.#seq;
    const codes = this.#code;
    const s = this.#next++;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = time[parent] as number;
      if (pt < timeS || (pt === timeS && (seq[parent] as number) < s)) break;
      time[i] = pt;
      seq[i] = seq[parent] as number;
      codes[i] = codes[parent] as number;
      i = parent;
    }
    time[i] = timeS;
    seq[i] = s;
    codes[i] = code;
  }

  /** Removes the earliest event and returns its code. */
  pop(): number {
    const time = this.#time;
    const seq = this.#seq;
    const codes = this.#code;
    const top = codes[0] as number;
    const n = --this.#size;
    if (n > 0) {
      const t = time[n] as number;
      const s = seq[n] as number;
      const c = codes[n] as number;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        const right = child + 1;
        if (
          right < n &&
          ((time[right] as number) < (time[child] as number) ||
            ((time[right] as number) === (time[child] as number) &&
              (seq[right] as number) < (seq[child] as number)))
        ) {
          child = right;
        }
        const ct = time[child] as number;
        if (t < ct || (t === ct && s < (seq[child] as number))) break;
        time[i] = ct;
        seq[i] = seq[child] as number;
        codes[i] = codes[child] as number;
        i = child;
      }
      time[i] = t;
      seq[i] = s;
      codes[i] = c;
    }
    return top;
  }

  #grow(): void {
    const cap = this.#time.length * 2;
    const t = new Float64Array(cap);
    t.set(this.#time);
    const s = new Float64Array(cap);
    s.set(this.#seq);
    const c = new Int32Array(cap);
    c.set(this.#code);
    this.#time = t;
    this.#seq = s;
    this.#code = c;
  }
}

/**
 * A double-ended queue of (time, count) runs: many nodes that became idle (or will be ready) at the
 * same moment take one entry, so a 5,000-node job ending costs one push, not 5,000.
 */
export class RunDeque {
  #time: Float64Array;
  #count: Float64Array;
  #head = 0;
  #runs = 0;
  /** Total count over all runs. */
  total = 0;

  constructor(capacity = 64) {
    this.#time = new Float64Array(capacity);
    this.#count = new Float64Array(capacity);
  }

  get empty(): boolean {
    return this.#runs === 0;
  }

  /** Time of the oldest run (front); `Infinity` when empty. */
  frontTime(): number {
    return this.#runs === 0 ? Number.POSITIVE_INFINITY : (this.#time[this.#head] as number);
  }

  /** Count in the oldest run; 0 when empty. */
  frontCount(): number {
    return this.#runs === 0 ? 0 : (this.#count[this.#head] as number);
  }

  /** Adds `count` at `timeS` at the back (times must not decrease; equal times merge). */
  pushBack(timeS: number, count: number): void {
    if (count <= 0) return;
    const cap = this.#time.length;
    if (this.#runs > 0) {
      const last = (this.#head + this.#runs - 1) % cap;
      if (this.#time[last] === timeS) {
        this.#count[last] = (this.#count[last] as number) + count;
        this.total += count;
        return;
      }
    }
    if (this.#runs === cap) this.#grow();
    const at = (this.#head + this.#runs) % this.#time.length;
    this.#time[at] = timeS;
    this.#count[at] = count;
    this.#runs++;
    this.total += count;
  }

  /** Takes up to `count` from the back (newest first); returns how many were taken. */
  takeBack(count: number): number {
    let taken = 0;
    const cap = this.#time.length;
    while (taken < count && this.#runs > 0) {
      const last = (this.#head + this.#runs - 1) % cap;
      const have = this.#count[last] as number;
      const take = Math.min(have, count - taken);
      taken += take;
      if (take === have) this.#runs--;
      else this.#count[last] = have - take;
    }
    this.total -= taken;
    return taken;
  }

  /**
   * Takes up to `count` from the front (oldest first); returns the time of the newest run touched
   * (−Infinity when nothing was taken).
   */
  takeFront(count: number): number {
    let taken = 0;
    let latest = Number.NEGATIVE_INFINITY;
    const cap = this.#time.length;
    while (taken < count && this.#runs > 0) {
      const have = this.#count[this.#head] as number;
      const take = Math.min(have, count - taken);
      taken += take;
      latest = this.#time[this.#head] as number;
      if (take === have) {
        this.#head = (this.#head + 1) % cap;
        this.#runs--;
      } else {
        this.#count[this.#head] = have - take;
      }
    }
    this.total -= taken;
    return latest;
  }

  #grow(): void {
    const cap = this.#time.length;
    const t = new Float64Array(cap * 2);
    const c = new Float64Array(cap * 2);
    for (let i = 0; i < this.#runs; i++) {
      t[i] = this.#time[(this.#head + i) % cap] as number;
      c[i] = this.#count[(this.#head + i) % cap] as number;
    }
    this.#time = t;
    this.#count = c;
    this.#head = 0;
  }
}
