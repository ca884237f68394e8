import { is, resolveOptions } from '@dyno/core';
import type { Backoff } from './backoff.js';

/** Options of `ConstantBackoff`. */
export interface ConstantBackoffOptions {
  /**
   * The wait between attempts, in ms.
   * @default 100
   */
  readonly delay?: number;
}

/** The defaults of `ConstantBackoff`. */
export const DEFAULT_CONSTANT_BACKOFF_OPTIONS: Readonly<Required<ConstantBackoffOptions>> =
  Object.freeze({ delay: 100 });

/** Waits the same time before every retry: `delay`, `delay`, `delay`, ... */
export class ConstantBackoff implements Backoff {
  /** The wait between attempts, in ms. */
  readonly ms: number;

  constructor(options?: ConstantBackoffOptions) {
    const o = resolveOptions(
      '@dyno/retry',
      options,
      { delay: is.duration() },
      DEFAULT_CONSTANT_BACKOFF_OPTIONS,
    );
    this.ms = o.delay;
    Object.freeze(this);
  }

  delay(): number {
    return this.ms;
  }
}
