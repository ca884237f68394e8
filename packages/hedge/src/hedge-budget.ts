import { type Clock, is, resolveOptions, steadyClock, systemClock } from '@dyno/core';

/** Options of `HedgeBudget`. */
export interface HedgeBudgetOptions {
  /**
   * Extra attempts allowed as a share of the calls made in the window: 0.1 lets 100 calls buy 10
   * hedges, so a slow dependency sees at most 10 % more traffic.
   * @default 0.1
   */
  readonly ratio?: number;
  /**
   * Extra attempts allowed per second of the window whatever the traffic (0: a quiet client
   * hedges only once it has made `1 / ratio` calls in the window).
   * @default 0
   */
  readonly minPerSecond?: number;
  /**
   * How far back calls and hedges count, in ms; it rolls in tenths.
   * @default 10_000
   */
  readonly window?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** The defaults of `HedgeBudget`. */
export const DEFAULT_HEDGE_BUDGET_OPTIONS: Readonly<Required<HedgeBudgetOptions>> = Object.freeze({
  ratio: 0.1,
  minPerSecond: 0,
  window: 10_000,
  clock: systemClock,
});

const BUCKETS = 10;

/**
 * A hedging budget, shareable between `Hedge` instances: every call deposits, every extra
 * attempt withdraws, and an extra attempt is allowed only while the extra attempts in the window
 * stay within `ratio * calls + minPerSecond * window / 1000`. The window rolls lazily when the
 * budget is used: no timer.
 */
export class HedgeBudget {
  /** Extra attempts allowed per call in the window. */
  readonly ratio: number;
  /** Extra attempts allowed per second of the window regardless of traffic. */
  readonly minPerSecond: number;
  /** The window, in ms. */
  readonly window: number;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #floor: number;
  readonly #calls = new Float64Array(BUCKETS);
  readonly #hedges = new Float64Array(BUCKETS);
  #head = 0;
  #headStart: number;
  #callTotal = 0;
  #hedgeTotal = 0;

  /** Throws `TypeError` or `RangeError` for bad options. */
  constructor(options?: HedgeBudgetOptions) {
    const o = resolveOptions(
      '@dyno/hedge',
      options,
      {
        ratio: is.number(0, 100),
        minPerSecond: is.number(0, 1_000_000),
        window: is.duration(BUCKETS),
        clock: is.clock,
      },
      DEFAULT_HEDGE_BUDGET_OPTIONS,
    );
    this.ratio = o.ratio;
    this.minPerSecond = o.minPerSecond;
    this.window = o.window;
    // a `NaN` reading kept the window from ever rolling again (see core's `steadyClock`)
    this.#clock = steadyClock(o.clock, '@dyno/hedge budget');
    this.#bucketMs = o.window / BUCKETS;
    this.#floor = (o.minPerSecond * o.window) / 1000;
    this.#headStart = this.#clock.now();
  }

  /** Counts one call (its first attempt). `Hedge` calls it for every call it runs. */
  recordCall(): void {
    this.#roll();
    this.#calls[this.#head]! += 1;
    this.#callTotal += 1;
  }

  /** Takes one extra attempt from the budget; `false`, taking nothing, when it is spent. */
  tryHedge(): boolean {
    this.#roll();
    if (this.#hedgeTotal + 1 > this.#allowance()) return false;
    this.#hedges[this.#head]! += 1;
    this.#hedgeTotal += 1;
    return true;
  }

  /** How many extra attempts the budget would allow now. */
  get available(): number {
    this.#roll();
    return Math.max(0, Math.floor(this.#allowance() - this.#hedgeTotal));
  }

  /** Calls counted in the window. */
  get calls(): number {
    this.#roll();
    return this.#callTotal;
  }

  /** Extra attempts taken in the window. */
  get hedges(): number {
    this.#roll();
    return this.#hedgeTotal;
  }

  #allowance(): number {
    // a small epsilon: 0.29 * 100 is 28.999999999999996 in doubles, and 29 hedges must fit
    return this.ratio * this.#callTotal + this.#floor + 1e-9;
  }

  #roll(): void {
    const elapsed = this.#clock.now() - this.#headStart;
    if (elapsed < this.#bucketMs) return;
    const steps = Math.floor(elapsed / this.#bucketMs);
    this.#headStart += steps * this.#bucketMs;
    if (steps >= BUCKETS) {
      this.#calls.fill(0);
      this.#hedges.fill(0);
      this.#callTotal = 0;
      this.#hedgeTotal = 0;
      return;
    }
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % BUCKETS;
      this.#callTotal -= this.#calls[this.#head]!;
      this.#hedgeTotal -= this.#hedges[this.#head]!;
      this.#calls[this.#head] = 0;
      this.#hedges[this.#head] = 0;
    }
  }
}
