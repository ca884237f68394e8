import type { TimeWindowSnapshot, WindowSnapshot } from '../snapshot.js';
import { overThreshold, type Strategy } from './strategy.js';

/**
 * The failure (and slow-call) ratio over a rolling time window of `buckets` buckets, judged from
 * `minimum` calls. Buckets roll lazily when an outcome is recorded or the window is read; the
 * first outcome after a reset aligns the buckets.
 */
export class TimeWindow implements Strategy {
  readonly slowCallDuration: number | undefined;
  readonly timed = true;
  readonly #width: number;
  readonly #buckets: number;
  readonly #minimum: number;
  readonly #threshold: number;
  readonly #slowThreshold: number;
  // [calls, failures, slow] per bucket, allocated on the first outcome
  #counts: number[] | undefined;
  #head = 0;
  #headStart = 0;
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
    this.#width = window / buckets;
    this.#buckets = buckets;
    this.#minimum = minimum;
    this.#threshold = threshold;
    this.slowCallDuration = slowDuration;
    this.#slowThreshold = slowThreshold;
  }

  record(failure: boolean, slow: boolean, now: number): boolean {
    let counts = this.#counts;
    if (counts === undefined) {
      counts = this.#counts = new Array<number>(this.#buckets * 3).fill(0);
      this.#headStart = now;
    } else if (now - this.#headStart >= this.#width) {
      this.#roll(now);
    }
    const i = this.#head * 3;
    counts[i] = (counts[i] as number) + 1;
    this.#calls++;
    if (failure) {
      counts[i + 1] = (counts[i + 1] as number) + 1;
      this.#failures++;
    }
    if (slow) {
      counts[i + 2] = (counts[i + 2] as number) + 1;
      this.#slow++;
    }
    return (
      this.#calls >= this.#minimum &&
      overThreshold(
        this.#calls,
        this.#failures,
        this.#slow,
        this.#threshold,
        this.slowCallDuration,
        this.#slowThreshold,
      )
    );
  }

  #roll(now: number): void {
    const counts = this.#counts as number[];
    const steps = Math.floor((now - this.#headStart) / this.#width);
    this.#headStart += steps * this.#width;
    if (steps >= this.#buckets) {
      counts.fill(0);
      this.#calls = this.#failures = this.#slow = 0;
      return;
    }
    for (let s = 0; s < steps; s++) {
      this.#head = this.#head + 1 === this.#buckets ? 0 : this.#head + 1;
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
    this.#calls = this.#failures = this.#slow = 0;
  }

  snapshot(now: number): TimeWindowSnapshot {
    const counts = this.#counts;
    const buckets: [number, number, number][] = [];
    if (counts !== undefined) {
      if (now - this.#headStart >= this.#width) this.#roll(now);
      for (let k = 1; k <= this.#buckets; k++) {
        const i = ((this.#head + k) % this.#buckets) * 3;
        buckets.push([counts[i] as number, counts[i + 1] as number, counts[i + 2] as number]);
      }
    }
    return {
      kind: 'time-window',
      elapsed: counts === undefined ? 0 : now - this.#headStart,
      buckets,
      calls: this.#calls,
      failures: this.#failures,
      slowCalls: this.#slow,
    };
  }

  restore(snapshot: WindowSnapshot, now: number): void {
    if (snapshot.kind !== 'time-window' || snapshot.buckets.length !== this.#buckets) return;
    const counts = snapshot.buckets.flat();
    this.#counts = counts;
    this.#head = this.#buckets - 1;
    this.#headStart = now - snapshot.elapsed;
    for (let i = 0; i < counts.length; i += 3) {
      this.#calls += counts[i] as number;
      this.#failures += counts[i + 1] as number;
      this.#slow += counts[i + 2] as number;
    }
  }
}
