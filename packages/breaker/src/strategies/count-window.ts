import type { CountWindowSnapshot, OutcomeCode, WindowSnapshot } from '../snapshot.js';
import { overThreshold, type Strategy } from './strategy.js';

/** The failure (and slow-call) ratio of the last `size` calls, judged from `minimum` calls. */
export class CountWindow implements Strategy {
  readonly slowCallDuration: number | undefined;
  readonly timed = false;
  readonly #size: number;
  readonly #minimum: number;
  readonly #threshold: number;
  readonly #slowThreshold: number;
  // allocated on the first outcome so an idle breaker stays small
  #ring: OutcomeCode[] | undefined;
  #next = 0;
  #calls = 0;
  #failures = 0;
  #slow = 0;

  constructor(
    size: number,
    minimum: number,
    threshold: number,
    slowDuration: number | undefined,
    slowThreshold: number,
  ) {
    this.#size = size;
    this.#minimum = minimum;
    this.#threshold = threshold;
    this.slowCallDuration = slowDuration;
    this.#slowThreshold = slowThreshold;
  }

  record(failure: boolean, slow: boolean): boolean {
    const code = ((failure ? 1 : 0) | (slow ? 2 : 0)) as OutcomeCode;
    this.#push(code);
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

  #push(code: OutcomeCode): void {
    if (this.#ring === undefined) this.#ring = new Array<OutcomeCode>(this.#size).fill(0);
    const ring = this.#ring;
    if (this.#calls === this.#size) {
      const old = ring[this.#next] as number;
      this.#failures -= old & 1;
      this.#slow -= old >> 1;
    } else {
      this.#calls++;
    }
    ring[this.#next] = code;
    this.#next = this.#next + 1 === this.#size ? 0 : this.#next + 1;
    this.#failures += code & 1;
    this.#slow += code >> 1;
  }

  reset(): void {
    this.#ring = undefined;
    this.#next = 0;
    this.#calls = 0;
    this.#failures = 0;
    this.#slow = 0;
  }

  snapshot(): CountWindowSnapshot {
    const ring = this.#ring ?? [];
    const outcomes =
      this.#calls < this.#size
        ? ring.slice(0, this.#calls)
        : [...ring.slice(this.#next), ...ring.slice(0, this.#next)];
    return {
      kind: 'count-window',
      outcomes,
      calls: this.#calls,
      failures: this.#failures,
      slowCalls: this.#slow,
    };
  }

  restore(snapshot: WindowSnapshot): void {
    if (snapshot.kind !== 'count-window') return;
    for (const code of snapshot.outcomes.slice(-this.#size)) this.#push(code);
  }
}
