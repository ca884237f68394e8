import { is, resolveOptions } from '@dyno/core';
import type { Backoff, BackoffContext } from './backoff.js';

/** Options of `ExponentialBackoff`. */
export interface ExponentialBackoffOptions {
  /**
   * The wait after the first failed attempt, in ms.
   * @default 100
   */
  readonly base?: number;
  /**
   * What each wait is multiplied by.
   * @default 2
   */
  readonly factor?: number;
}

/** The defaults of `ExponentialBackoff`. */
export const DEFAULT_EXPONENTIAL_BACKOFF_OPTIONS: Readonly<Required<ExponentialBackoffOptions>> =
  Object.freeze({ base: 100, factor: 2 });

/**
 * Waits `base * factor^(attempt - 1)` without jitter: 100, 200, 400, ... by default. Prefer
 * `DecorrelatedJitterBackoff` (the default) when many clients retry the same dependency.
 */
export class ExponentialBackoff implements Backoff {
  /** The first wait, in ms. */
  readonly base: number;
  /** The growth per attempt. */
  readonly factor: number;

  constructor(options?: ExponentialBackoffOptions) {
    const o = resolveOptions(
      '@dyno/retry',
      options,
      { base: is.duration(), factor: is.number(1, 1000) },
      DEFAULT_EXPONENTIAL_BACKOFF_OPTIONS,
    );
    this.base = o.base;
    this.factor = o.factor;
    Object.freeze(this);
  }

  delay(context: BackoffContext): number {
    // 0 * Infinity is NaN: a zero base stays zero at any attempt
    if (this.base === 0) return 0;
    // overflows to Infinity past about attempt 1024 at factor 2; Retry clamps it to maxDelay
    return this.base * this.factor ** (context.attempt - 1);
  }
}
