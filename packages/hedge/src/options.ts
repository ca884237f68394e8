import { type Clock, is, type Rule, type Rules, systemClock } from '@dyno/core';
import { HedgeBudget, type HedgeBudgetOptions } from './hedge-budget.js';

/**
 * What an attempt ended with, as `isAcceptable` sees it: a flag rather than a bare value, so that
 * `throw "x"` and `return "x"` are told apart.
 */
export type HedgeOutcome<T = unknown> =
  | { readonly failed: true; readonly error: unknown }
  | { readonly failed: false; readonly result: T };

/**
 * A hedging delay that follows the dependency: the given percentile of the latencies of recent
 * acceptable attempts (dyno's nearest-rank rule), each measured from its own start.
 */
export interface PercentileDelay {
  /** The percentile, greater than 0 and at most 100. */
  readonly percentile: number;
  /**
   * How many recent latencies count (a ring: the oldest drops out).
   * @default 1000
   */
  readonly samples?: number;
  /**
   * Latencies needed before the percentile is used; until then `initial` is the delay.
   * @default 20
   */
  readonly minSamples?: number;
  /**
   * The delay, in ms, until `minSamples` latencies are known.
   * @default 100
   */
  readonly initial?: number;
}

/** Options of `Hedge`. */
export interface HedgeOptions<T = unknown> {
  /**
   * How long an attempt may run before the next one starts: ms, or a `PercentileDelay` such as
   * `{ percentile: 95 }`. Counted from the start of the previous attempt.
   * @default 100
   */
  readonly delay?: number | PercentileDelay;
  /**
   * Attempts per call in all, the first included; so at most this many are in flight at once.
   * @default 2
   */
  readonly maxAttempts?: number;
  /**
   * Which outcomes end the call. The first acceptable outcome wins and every other attempt is
   * aborted; an unacceptable one starts the next attempt at once (if any is left).
   * @default results are acceptable, failures are not
   */
  readonly isAcceptable?: ((outcome: HedgeOutcome<T>, attempt: number) => boolean) | undefined;
  /**
   * Bounds the extra attempts: a shared `HedgeBudget`, options for a budget of this instance's
   * own, or `false` for none.
   * @default {} (a budget of 10 % extra attempts over 10 s)
   */
  readonly budget?: HedgeBudget | HedgeBudgetOptions | false;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * The instance name, in events and errors.
   * @default 'hedge#n'
   */
  readonly name?: string | undefined;
}

/** Hedge's options once defaults are filled in. */
export type ResolvedHedgeOptions = Required<
  Pick<HedgeOptions, 'delay' | 'maxAttempts' | 'budget' | 'clock'>
> &
  Pick<HedgeOptions, 'isAcceptable' | 'name'>;

/** The defaults of `Hedge`. */
export const DEFAULT_HEDGE_OPTIONS: Readonly<ResolvedHedgeOptions> = Object.freeze({
  delay: 100,
  maxAttempts: 2,
  isAcceptable: undefined,
  budget: Object.freeze({}),
  clock: systemClock,
  name: undefined,
});

/** The defaults of a `PercentileDelay`. */
export const DEFAULT_PERCENTILE_DELAY: Readonly<Required<Omit<PercentileDelay, 'percentile'>>> =
  Object.freeze({ samples: 1000, minSamples: 20, initial: 100 });

const budgetRule: Rule = Object.freeze({
  expected: 'a HedgeBudget, HedgeBudgetOptions or false',
  test: (v: unknown) => {
    if (v === false || v instanceof HedgeBudget) return undefined;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'type';
  },
});

/** The validation rules of `HedgeOptions` (a percentile delay's fields are checked apart). */
export const HEDGE_OPTION_RULES: Rules<ResolvedHedgeOptions> = Object.freeze({
  delay: is.either(is.duration(), is.object),
  maxAttempts: is.integer(1, 100),
  isAcceptable: is.function,
  budget: budgetRule,
  clock: is.clock,
  name: is.string,
});

/** The validation rules of `PercentileDelay`. */
export const PERCENTILE_DELAY_RULES: Rules<PercentileDelay> = Object.freeze({
  percentile: is.number(0, 100, true),
  samples: is.integer(1, 100_000),
  minSamples: is.integer(1, 100_000),
  initial: is.duration(),
});
