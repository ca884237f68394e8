import { is, resolveOptions } from '@dyno/core';
import type { Backoff, BackoffContext } from './backoff.js';

/** Options of `LinearBackoff`. */
export interface LinearBackoffOptions {
  /**
   * The wait after the first failed attempt, in ms.
   * @default 100
   */
  readonly base?: number;
  /**
   * What each later wait adds, in ms.
   * @default the value of `base`
   */
  readonly step?: number;
}

/** The defaults of `LinearBackoff` (`step` left out means "same as `base`"). */
export const DEFAULT_LINEAR_BACKOFF_OPTIONS: Readonly<LinearBackoffOptions> = Object.freeze({
  base: 100,
});

/** Waits `base + step * (attempt - 1)`: 100, 200, 300, ... by default. */
export class LinearBackoff implements Backoff {
  /** The first wait, in ms. */
  readonly base: number;
  /** The increment per attempt, in ms. */
  readonly step: number;

  constructor(options?: LinearBackoffOptions) {
    const o = resolveOptions(
      '@dyno/retry',
      options,
      { base: is.duration(), step: is.duration() },
      DEFAULT_LINEAR_BACKOFF_OPTIONS,
    );
    this.base = o.base as number;
    this.step = o.step ?? this.base;
    Object.freeze(this);
  }

  delay(context: BackoffContext): number {
    return this.base + this.step * (context.attempt - 1);
  }
}
