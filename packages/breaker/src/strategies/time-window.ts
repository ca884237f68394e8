import type { TimeWindowSnapshot, WindowSnapshot } from '../snapshot.js';
import { overThreshold, type Strategy } from './strategy.js';

/** The settings of a time window: shared by every window built with the same values. */
interface Spec {
  readonly width: number;
  readonly buckets: number;
  readonly minimum: number;
  readonly threshold: number;
  readonly slowDuration: number | undefined;
  readonly slowThreshold: number;
}

let last: Spec | undefined;

// Breakers are usually built with the same strategy options; sharing the last spec when the
// values repeat keeps six numbers out of every instance.
function specOf(
  width: number,
  buckets: number,
  minimum: number,
  threshold: number,
  slowDuration: number | undefined,
  slowThreshold: number,
): Spec {
  const s = last;
  if (
    s?.width !== width ||
    s.buckets !== buckets ||
    s.minimum !== minimum ||
    s.threshold !== threshold ||
    s.slowDuration !== slowDuration ||
    s.slowThreshold !== slowThreshold
  ) {
    last = Object.freeze({ width, buckets, minimum, threshold, slowDuration, slowThreshold });
  }
  return last as Spec;
}

/**
 * The failure (and slow-call) ratio over a rolling time window of `buckets` buckets, judged from
 * `minimum` calls. Buckets roll lazily when an outcome is recorded or the window is read; the
 * first outcome after a reset aligns the buckets.
 */
export class TimeWindow implements Strategy {
  readonly #spec: Spec;
  // [calls, failures, slow] per bucket, made only once outcomes span two buckets: until then
  // the newest bucket holds every outcome in the window and the totals are its counts
  #counts: number[] | undefined;
  #head = 0;
  // `undefined` until the first outcome after a reset, which aligns the buckets
  #headStart: number | undefined = undefined;
  #calls = 0;
  #failures = 0;
  #slow = 0;

  constructor(
    window: number,
    buckets: number,
    minimum: number,
    threshold: number,
    slowDuration: number | undefined,
    slowThreshold: number,
  ) {
    this.#spec = specOf(window / buckets, buckets, minimum, threshold, slowDuration, slowThreshold);
  }

  /** Calls at least this slow (ms) count as slow; `undefined` when speed is not judged. */
  get slowCallDuration(): number | undefined {
    return this.#spec.slowDuration;
  }

  /** Always true: outcomes are placed in buckets by time. */
  get timed(): boolean {
    return true;
  }

  record(failure: boolean, slow: boolean, now: number): boolean {
    const spec = this.#spec;
    if (this.#headStart === undefined || now - this.#headStart >= spec.width) this.#roll(now);
    const counts = this.#counts;
    const i = this.#head * 3;
    this.#calls++;
    if (counts !== undefined) counts[i] = (counts[i] as number) + 1;
    if (failure) {
      this.#failures++;
      if (counts !== undefined) counts[i + 1] = (counts[i + 1] as number) + 1;
    }
    if (slow) {
      this.#slow++;
      if (counts !== undefined) counts[i + 2] = (counts[i + 2] as number) + 1;
    }
    return (
      this.#calls >= spec.minimum &&
      overThreshold(
        this.#calls,
        this.#failures,
        this.#slow,
        spec.threshold,
        spec.slowDuration,
        spec.slowThreshold,
      )
    );
  }

  #roll(now: number): void {
    const { width, buckets } = this.#spec;
    const headStart = this.#headStart;
    if (headStart === undefined) {
      this.#headStart = now;
      return;
    }
    const steps = Math.floor((now - headStart) / width);
    this.#headStart = headStart + steps * width;
    if (steps >= buckets) {
      // the whole window passed: back to one implicit bucket, on the same grid
      this.#counts = undefined;
      this.#head = 0;
      this.#calls = this.#failures = this.#slow = 0;
      return;
    }
    let counts = this.#counts;
    if (counts === undefined) {
      if (this.#calls === 0) return;
      // the implicit head bucket (index 0) becomes a real one
      counts = this.#counts = new Array<number>(buckets * 3).fill(0);
      counts[0] = this.#calls;
      counts[1] = this.#failures;
      counts[2] = this.#slow;
    }
    for (let s = 0; s < steps; s++) {
      this.#head = this.#head + 1 === buckets ? 0 : this.#head + 1;
      const i = this.#head * 3;
      this.#calls -= counts[i] as number;
      this.#failures -= counts[i + 1] as number;
      this.#slow -= counts[i + 2] as number;
      counts[i] = counts[i + 1] = counts[i + 2] = 0;
    }
  }

  reset(): void {
    this.#counts = undefined;
    this.#head = 0;
    this.#headStart = undefined;
    this.#calls = this.#failures = this.#slow = 0;
  }

  snapshot(now: number): TimeWindowSnapshot {
    const buckets: [number, number, number][] = [];
    if (this.#headStart !== undefined) {
      const n = this.#spec.buckets;
      if (now - this.#headStart >= this.#spec.width) this.#roll(now);
      const counts = this.#counts;
      for (let k = 1; k <= n; k++) {
        const i = ((this.#head + k) % n) * 3;
        if (counts !== undefined) {
          buckets.push([counts[i] as number, counts[i + 1] as number, counts[i + 2] as number]);
        } else {
          buckets.push(k === n ? [this.#calls, this.#failures, this.#slow] : [0, 0, 0]);
        }
      }
    }
    return {
      kind: 'time-window',
      elapsed: this.#headStart === undefined ? 0 : now - this.#headStart,
      buckets,
      calls: this.#calls,
      failures: this.#failures,
      slowCalls: this.#slow,
    };
  }

  restore(snapshot: WindowSnapshot, now: number): void {
    if (snapshot.kind !== 'time-window' || snapshot.buckets.length !== this.#spec.buckets) return;
    const counts = snapshot.buckets.flat();
    this.#counts = counts;
    this.#head = this.#spec.buckets - 1;
    this.#headStart = now - snapshot.elapsed;
    for (let i = 0; i < counts.length; i += 3) {
      this.#calls += counts[i] as number;
      this.#failures += counts[i + 1] as number;
      this.#slow += counts[i + 2] as number;
    }
  }
}
