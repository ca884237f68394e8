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

// Constants of the "decorrelated jitter V2" formula (george-polevoy, used by Polly and cockatiel):
// they make the first median wait close to `base` and keep the curve free of the spikes and
// clumps of the classic AWS formula.
const P_FACTOR = 4;
const RP_SCALING_FACTOR = 1 / 1.4;

/**
 * Exponential backoff with decorrelated jitter: waits grow about `factor`-fold per attempt, each
 * drawn at random so that clients that failed together do not retry together. The sum of the
 * waits up to attempt n is `base / 1.4 * g(n - 1 + U)` with `g(t) = factor^t * tanh(sqrt(4t))`;
 * `state` keeps the last `g`. Past the range of doubles it returns `Infinity`, never NaN, and
 * Retry clamps that to `maxDelay`.
 */
export class DecorrelatedJitterBackoff implements Backoff {
  /** About the first wait, in ms. */
  readonly base: number;
  /** The growth per attempt. */
  readonly factor: number;

  constructor(options?: DecorrelatedJitterBackoffOptions) {
    const o = resolveOptions(
      '@dyno/retry',
      options,
      { base: is.duration(), factor: is.number(1, 1000, true) },
      DEFAULT_DECORRELATED_JITTER_BACKOFF_OPTIONS,
    );
    this.base = o.base;
    this.factor = o.factor;
    Object.freeze(this);
  }

  delay(context: BackoffContext): number {
    if (this.base === 0) return 0;
    const u = context.random();
    // a custom random outside [0, 1) would make t go backwards and the wait negative
    const t = context.attempt - 1 + (u >= 0 && u < 1 ? u : 0.5);
    const next = this.factor ** t * Math.tanh(Math.sqrt(P_FACTOR * t));
    const previous = context.state;
    context.state = next;
    // once g overflows, Infinity - Infinity would be NaN (the peer bug this guards against)
    if (next === Number.POSITIVE_INFINITY) return next;
    return (next - previous) * RP_SCALING_FACTOR * this.base;
  }
}
