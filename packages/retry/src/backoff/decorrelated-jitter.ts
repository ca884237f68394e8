import { is, resolveOptions } from '@dyno/core';
import type { Backoff, BackoffContext } from './backoff.js';

/** Options of `DecorrelatedJitterBackoff`. */
export interface DecorrelatedJitterBackoffOptions {
  /**
   * The median wait after the first failed attempt, in ms (roughly).
   * @default 100
   */
  readonly base?: number;
  /**
   * The growth per attempt of the median wait; greater than 1.
   * @default 2
   */
  readonly factor?: number;
}

/** The defaults of `DecorrelatedJitterBackoff`, which is also Retry's default backoff. */
export const DEFAULT_DECORRELATED_JITTER_BACKOFF_OPTIONS: Readonly<
  Required<DecorrelatedJitterBackoffOptions>
> = Object.freeze({ base: 100, factor: 2 });

// `state` holds 1 + the last draw, so 0 (a fresh context) reads as "no draw yet".
const NO_DRAW = 1;

/**
 * Exponential backoff with decorrelated jitter: the median wait is `base * factor^(n - 1)` after
 * attempt n, for every factor, and each wait is drawn at random so that clients that failed
 * together do not retry together.
 *
 * As in "decorrelated jitter V2" (Polly, cockatiel), the jitter is put on the running total of
 * the waits rather than on each wait: the retries of a call fall at `C * factor^t` after its
 * first failure, with `t = n - 1 + U` for the n-th retry (`U` uniform in [0, 1), one draw each,
 * and one more, `t0 = U0 - 1`, for the start). The retries of many clients are then spread evenly
 * along the curve, without the clumps of plain jitter. V2's `tanh(sqrt(4t))` ramp only grows for
 * factor 2 (with factor 1.2 its medians fell from 70 to 24 to 20 ms); a pure exponential curve
 * started one step back makes every wait `C * factor^(n - 1) * (factor^U - factor^(U' - 1))`,
 * the same distribution scaled by `factor^(n - 1)`, so the median grows exactly `factor`-fold.
 * `C = base / (sqrt(factor) - 1 / sqrt(factor))` puts the middle draw (U = U' = 0.5) at `base`;
 * the n-th wait lies in `[0, (sqrt(factor) + 1 / sqrt(factor)) * base * factor^(n - 1))` (up to
 * 2.12 times the median for factor 2).
 *
 * Past the range of doubles it returns `Infinity`, never NaN, and Retry clamps that to
 * `maxDelay`.
 */
export class DecorrelatedJitterBackoff implements Backoff {
  /** About the first wait (its median), in ms. */
  readonly base: number;
  /** The growth per attempt of the median wait. */
  readonly factor: number;
  readonly #scale: number;

  constructor(options?: DecorrelatedJitterBackoffOptions) {
    const o = resolveOptions(
      '@dyno/retry',
      options,
      { base: is.duration(), factor: is.number(1, 1000, true) },
      DEFAULT_DECORRELATED_JITTER_BACKOFF_OPTIONS,
    );
    this.base = o.base;
    this.factor = o.factor;
    const root = Math.sqrt(o.factor);
    this.#scale = o.base / (root - 1 / root);
    Object.freeze(this);
  }

  delay(context: BackoffContext): number {
    if (this.base === 0) return 0;
    const u = draw(context.random);
    const last = context.state;
    // a fresh context (or a state not ours) starts one step back, at a draw of its own
    const previous = last >= NO_DRAW && last < NO_DRAW + 1 ? last - NO_DRAW : draw(context.random);
    context.state = NO_DRAW + u;
    const growth = this.factor ** (context.attempt - 1);
    // 0 * Infinity would be NaN (the peer bug this guards against); Retry clamps Infinity
    if (growth === Number.POSITIVE_INFINITY) return growth;
    return this.#scale * (this.factor ** u - this.factor ** (previous - 1)) * growth;
  }
}

/** One draw in [0, 1); a custom random outside it reads as 0.5 rather than a negative wait. */
function draw(random: () => number): number {
  const u = random();
  return u >= 0 && u < 1 ? u : 0.5;
}
