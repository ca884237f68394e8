import type { CircuitBreaker, CircuitBreakerOptions } from '@dyno/breaker';
import { type Clock, is, type Rule, type Rules } from '@dyno/core';
import type { Metrics, MetricsOptions } from '@dyno/metrics';
import type { Pool, PoolOptions, Timeout } from '@dyno/pool';
import type { Retry, RetryOptions } from '@dyno/retry';

/**
 * What a call falls back to once it has failed: a value, or a function of the failure and the
 * call's arguments returning a value or a promise. Its result type joins the service's. To fall
 * back to a function value, return it from a function (`fallback: () => myFunction`).
 */
export type Fallback<A extends unknown[], F> =
  | ((error: unknown, args: A) => F | PromiseLike<F>)
  | (F & ({} | null));

/** Options of `service(fn, options)` and `@withService(options)`. */
export interface ServiceOptions<A extends unknown[] = unknown[], F = unknown> {
  /**
   * The name of the service: the default name of every part it builds (breaker, pool, retry,
   * metrics) and the `source` of its errors.
   * @default fn.name, else 'service#n'
   */
  readonly name?: string | undefined;
  /**
   * Retries each call: a shared `Retry`, `RetryOptions` for a new one, or `false`. What is
   * retried is the Retry's own decision (`isRetryable`, `shouldRetry`); a Retry built here also
   * never retries a refusal (`BrokenCircuitError`, `PoolFullError`) nor a failure of one of your
   * predicates (it rejects the call with what the predicate threw).
   * @default { attempts: 3 } (decorrelated jitter backoff from 100 ms)
   */
  readonly retry?: Retry | RetryOptions | false | undefined;
  /**
   * Stops calling a failing dependency: a shared `CircuitBreaker`, `CircuitBreakerOptions` for a
   * new one, or `false`. What it counts is its own decision (`isFailure`, asked once per
   * attempt); a refusal (the pool full, the circuit open) reaches it as neither success nor
   * failure, since the dependency was never called.
   * @default {} (Hystrix: 10 s window in 10 buckets, 20 calls, 50 %, open 5 s)
   */
  readonly breaker?: CircuitBreaker | CircuitBreakerOptions | false | undefined;
  /**
   * Bulkhead: a shared `Pool`, `PoolOptions` for a new one, or `false`.
   * @default {} (concurrency 10, no queue)
   */
  readonly pool?: Pool | PoolOptions | false | undefined;
  /**
   * A deadline per attempt in ms, a `Timeout` (its duration), or `false`. With a pool, the pool
   * applies it (the pool's own `timeout` for a pool built here, a per-call deadline on a shared
   * one), so a timed-out attempt holds its slot by the pool's rules (`abandonAfter`,
   * `maxAbandoned`) whichever way the options are written. Without a pool it is a `Timeout`
   * layer (the given instance, or one built here).
   * @default 1000 (Hystrix), or none added when a given `Pool` has its own `timeout`
   */
  readonly timeout?: number | Timeout | false | undefined;
  /**
   * What a failed call resolves with instead: a value or `(error, args) => value`. A fallback
   * function that throws or rejects rejects the call with what it threw (the call's own failure
   * is in the `onFallback` event).
   * @default undefined (no fallback)
   */
  readonly fallback?: Fallback<A, F> | undefined;
  /**
   * Which failures the fallback answers: called once per failed call with the error the call
   * would reject with (the failure itself, or retry's `CompoundError` after two or more failed
   * attempts); `false` passes the failure to the caller. Independent of what the breaker counts
   * and what retry retries. A call its caller cancelled, or one rejected by a predicate that
   * threw, never reaches it.
   * @default undefined (every failure, refusals included)
   */
  readonly fallbackOn?: ((error: unknown) => boolean) | undefined;
  /**
   * Where every attempt's outcome and latency are recorded: a shared `Metrics`, `MetricsOptions`
   * for a new one, or `false`.
   * @default { name }
   */
  readonly metrics?: Metrics | MetricsOptions | false | undefined;
  /**
   * The clock of every part built from options (a part's own `clock` option wins).
   * @default systemClock
   */
  readonly clock?: Clock | undefined;
}

/** The defaults of `ServiceOptions`: every part on, with its package's defaults. */
export const DEFAULT_SERVICE_OPTIONS: Readonly<{
  retry: Readonly<{
    attempts: number;
  }>;
  breaker: Readonly<{}>;
  pool: Readonly<{}>;
  timeout: number;
  metrics: Readonly<{}>;
}> = Object.freeze({
  retry: Object.freeze({ attempts: 3 }),
  breaker: Object.freeze({}),
  pool: Object.freeze({}),
  timeout: 1000,
  metrics: Object.freeze({}),
});

const positive = is.duration(0, true);

const part = (what: string): Rule => ({
  expected: `${what}, its options object or false`,
  test: (v) =>
    v === false || (typeof v === 'object' && v !== null && !Array.isArray(v)) ? undefined : 'type',
});

/** @internal */
export const SERVICE_RULES: Rules<ServiceOptions> = Object.freeze({
  name: is.string,
  retry: part('a Retry'),
  breaker: part('a CircuitBreaker'),
  pool: part('a Pool'),
  timeout: {
    expected: 'a duration in ms greater than 0 to 2147483647, false or a Timeout',
    test: (v: unknown) =>
      v === false || isPolicy(v) ? undefined : typeof v === 'number' ? positive.test(v) : 'type',
  },
  fallback: is.any,
  fallbackOn: is.function,
  metrics: part('a Metrics'),
  clock: is.clock,
});

/** True for a policy instance (it has `execute`), as opposed to an options object. */
export function isPolicy(value: unknown): value is { execute: Function; name: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { execute?: unknown }).execute === 'function'
  );
}
