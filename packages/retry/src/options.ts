import { type Clock, is, type Rule, type Rules, systemClock } from '@dyno/core';
import type { Backoff } from './backoff/backoff.js';
import { DecorrelatedJitterBackoff } from './backoff/decorrelated-jitter.js';
import type { RetryBudget } from './retry-budget.js';

/**
 * What an attempt ended with, as `shouldRetry` sees it. A flag rather than a bare value, because
 * `throw "x"` and `return "x"` must be told apart.
 */
export type RetryOutcome<T = unknown> =
  | { readonly failed: true; readonly error: unknown }
  | { readonly failed: false; readonly result: T };

/** Options of `Retry`. */
export interface RetryOptions<T = unknown> {
  /**
   * Calls of `fn` in all, the first included; `Infinity` retries until the deadline, the budget,
   * `shouldRetry` or the signal stops it (its record stays bounded: see `CompoundError`).
   * @default 3
   */
  readonly attempts?: number;
  /**
   * Computes the wait before each retry.
   * @default new DecorrelatedJitterBackoff({ base: 100, factor: 2 })
   */
  readonly backoff?: Backoff;
  /**
   * The longest wait between attempts, in ms; every backoff's answer is clamped to it.
   * @default 10_000
   */
  readonly maxDelay?: number;
  /**
   * Decides whether to retry after an attempt. Called with `{ failed: true, error }` after a
   * failure and with `{ failed: false, result }` after a result; `true` means "try again".
   * Without it every failure is retried and every result accepted.
   * @default undefined
   */
  readonly shouldRetry?: ((outcome: RetryOutcome<T>, attempt: number) => boolean) | undefined;
  /**
   * Which failures may be retried, for the common case that only errors are judged: called with
   * the error after each failed attempt, never with a result (so a call that succeeds pays
   * nothing for it). `false` gives up at once (reason `not-retryable`). With `shouldRetry` as
   * well, a failure is retried only when both say so.
   * @default undefined (every failure may be retried)
   */
  readonly isRetryable?: ((error: unknown, attempt: number) => boolean) | undefined;
  /**
   * Lets a failure say how long to wait, as a rate limiter's or an open circuit's `retryAfter`
   * or an HTTP `Retry-After` do. `true` honours a numeric `retryAfter` property (in ms) of the
   * error, as Dyno's `RateLimitedError` and `BrokenCircuitError` carry; a function reads the
   * hint itself, from an error or from an unwanted result (a `Response`). A hint, a number from
   * 0 up, replaces the backoff's delay; anything else (`undefined`, `null`, NaN, a negative
   * number) leaves the wait to the backoff. The wait is still clamped to `maxDelay`, and when it
   * would end after the `deadline` Retry gives up at once. Off by default: a composition that
   * must fail fast (an open circuit with a fallback) would otherwise wait.
   * @default false
   */
  readonly retryAfter?:
    | boolean
    | ((outcome: RetryOutcome<T>, attempt: number) => number | null | undefined);
  /**
   * A total budget in ms from the start of the call: no attempt starts after it, and Retry gives
   * up at once when the next wait would end after it. A running attempt is not interrupted.
   * @default undefined (no deadline)
   */
  readonly deadline?: number | undefined;
  /**
   * A `RetryBudget` shared with other Retry instances; when it refuses, the call gives up at once.
   * @default undefined (no budget)
   */
  readonly budget?: RetryBudget | undefined;
  /**
   * Reject with the last failure itself instead of a `CompoundError` when two or more attempts
   * failed. (A single failure, never retried, always reaches the caller as itself.)
   * @default false
   */
  readonly throwLastError?: boolean;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * Random numbers in [0, 1) for jittered backoffs.
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * The instance name, in events and errors.
   * @default 'retry#n'
   */
  readonly name?: string | undefined;
}

/** Options of `retry(fn, options)` and `retry.run(fn, options)`: Retry's, plus a signal. */
export interface RetryCallOptions<T = unknown> extends RetryOptions<T> {
  /** Cancels the call(s): Retry rejects with the signal's reason at once. */
  readonly signal?: AbortSignal | undefined;
}

/** Retry's options once defaults are filled in (the five left `undefined` mean "none"). */
export type ResolvedRetryOptions = Required<
  Pick<
    RetryOptions,
    'attempts' | 'backoff' | 'maxDelay' | 'retryAfter' | 'throwLastError' | 'clock' | 'random'
  >
> &
  Pick<RetryOptions, 'shouldRetry' | 'isRetryable' | 'deadline' | 'budget' | 'name'>;

/** The defaults of `Retry`. */
export const DEFAULT_RETRY_OPTIONS: Readonly<ResolvedRetryOptions> = Object.freeze({
  attempts: 3,
  backoff: new DecorrelatedJitterBackoff(),
  maxDelay: 10_000,
  shouldRetry: undefined,
  isRetryable: undefined,
  retryAfter: false,
  deadline: undefined,
  budget: undefined,
  throwLastError: false,
  clock: systemClock,
  random: Math.random,
  name: undefined,
});

const backoffRule: Rule = Object.freeze({
  expected: 'a Backoff (an object with a delay(context) method)',
  test: (v: unknown) =>
    typeof v === 'object' && v !== null && typeof (v as Backoff).delay === 'function'
      ? undefined
      : 'type',
});

const budgetRule: Rule = Object.freeze({
  expected: 'a RetryBudget',
  test: (v: unknown) => {
    if (typeof v !== 'object' || v === null) return 'type';
    const b = v as RetryBudget;
    return typeof b.recordCall === 'function' && typeof b.tryRetry === 'function'
      ? undefined
      : 'type';
  },
});

/** The validation rules of `RetryOptions`. */
export const RETRY_OPTION_RULES: Rules<ResolvedRetryOptions> = Object.freeze({
  attempts: is.either(is.integer(1), is.oneOf(Number.POSITIVE_INFINITY)),
  backoff: backoffRule,
  maxDelay: is.duration(),
  shouldRetry: is.function,
  isRetryable: is.function,
  retryAfter: is.either(is.boolean, is.function),
  deadline: is.duration(0, true),
  budget: budgetRule,
  throwLastError: is.boolean,
  clock: is.clock,
  random: is.function,
  name: is.string,
});
