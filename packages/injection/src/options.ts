import { type Clock, systemClock } from '@dyno/core';

/** Options of `inject`. */
export interface InjectOptions {
  /**
   * The name that appears in errors.
   * @default 'inject#n'
   */
  readonly name?: string;
  /**
   * The default construction of every dependency that does not say: `false` builds it on every
   * call, `true` builds it once and reuses it (a failed build is retried on the next call).
   * @default false
   */
  readonly once?: boolean;
  /**
   * The clock that times dependency timeouts.
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** The defaults of `inject`. */
export const DEFAULT_INJECT_OPTIONS: Readonly<Required<Omit<InjectOptions, 'name'>>> =
  Object.freeze({ once: false, clock: systemClock });
