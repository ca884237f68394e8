import { type Clock, is, resolveOptions, steadyClock, systemClock } from '@dyno/core';

/** Options of `RetryBudget`. */
export interface RetryBudgetOptions {
  /**
   * Retries allowed as a share of the calls made in the window: 0.2 lets 100 calls buy 20
   * retries.
   * @default 0.2
   */
  readonly ratio?: number;
  /**
   * Retries allowed per second of the window whatever the traffic, so a quiet client can still
   * retry (10 over the default 10 s window).
   * @default 1
   */
  readonly minPerSecond?: number;
  /**
   * How far back calls and retries count, in ms; it rolls in tenths.
   * @default 10_000
   */
  readonly window?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** The defaults of `RetryBudget`. */
export const DEFAULT_RETRY_BUDGET_OPTIONS: Readonly<Required<RetryBudgetOptions>> = Object.freeze({
  ratio: 0.2,
  minPerSecond: 1,
  window: 10_000,
  clock: systemClock,
});

const BUCKETS = 10;

/**
 * A retry budget to share between Retry instances (or a whole process): every call deposits,
 * every retry withdraws, and a retry is allowed only while the retries in the window stay within
 * `ratio * calls + minPerSecond * window / 1000`. During an outage the traffic a dependency sees
 * grows by at most `ratio` instead of multiplying by `attempts`. The window rolls lazily when the
 * budget is used: no timer.
 */
export class RetryBudget {
  /** Retries allowed per call in the window. */
  readonly ratio: number;
  /** Retries allowed per second of the window regardless of traffic. */
  readonly minPerSecond: number;
  /** The window, in ms. */
  readonly window: number;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #floor: number;
  readonly #calls = new Float64Array(BUCKETS);
  readonly #retries = new Float64Array(BUCKETS);
  #head = 0;
  #headStart: number;
  #callTotal = 0;
  #retryTotal = 0;

  constructor(options?: RetryBudgetOptions) {
    const o = resolveOptions(
      '@dyno/retry',
      options,
      {
        ratio: is.number(0, 1000),
        minPerSecond: is.number(0, 1_000_000),
        window: is.duration(BUCKETS),
        clock: is.clock,
      },
      DEFAULT_RETRY_BUDGET_OPTIONS,
    );
    this.ratio = o.ratio;
    this.minPerSecond = o.minPerSecond;
    this.window = o.window;
    // a `NaN` reading kept the window from ever rolling again (see core's `steadyClock`)
    this.#clock = steadyClock(o.clock, '@dyno/retry budget');
    this.#bucketMs = o.window / BUCKETS;
    this.#floor = (o.minPerSecond * o.window) / 1000;
    this.#headStart = this.#clock.now();
  }

  /** Counts one call (its first attempt). Retry calls it for every call it runs. */
  recordCall(): void {
    this.#roll();
    this.#calls[this.#head]! += 1;
    this.#callTotal += 1;
  }

  /** Takes one retry from the budget; `false`, taking nothing, when the budget is spent. */
  tryRetry(): boolean {
    this.#roll();
    if (this.#retryTotal + 1 > this.#allowance()) return false;
    this.#retries[this.#head]! += 1;
    this.#retryTotal += 1;
    return true;
  }

  /** How many retries the budget would allow now. */
  get available(): number {
    this.#roll();
    return Math.max(0, Math.floor(this.#allowance() - this.#retryTotal));
  }

  /** Calls counted in the window. */
  get calls(): number {
    this.#roll();
    return this.#callTotal;
  }

  /** Retries taken in the window. */
  get retries(): number {
    this.#roll();
    return this.#retryTotal;
  }

  #allowance(): number {
    return this.ratio * this.#callTotal + this.#floor;
  }

  #roll(): void {
    const elapsed = this.#clock.now() - this.#headStart;
    if (elapsed < this.#bucketMs) return;
    const steps = Math.floor(elapsed / this.#bucketMs);
    this.#headStart += steps * this.#bucketMs;
    if (steps >= BUCKETS) {
      this.#calls.fill(0);
      this.#retries.fill(0);
      this.#callTotal = 0;
      this.#retryTotal = 0;
      return;
    }
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % BUCKETS;
      this.#callTotal -= this.#calls[this.#head]!;
      this.#retryTotal -= this.#retries[this.#head]!;
      this.#calls[this.#head] = 0;
      this.#retries[this.#head] = 0;
    }
  }
}
