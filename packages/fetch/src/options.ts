import type { CircuitBreakerOptions } from '@dyno/breaker';
import { type Clock, is, type Rule, type Rules, systemClock } from '@dyno/core';
import type { HedgeBudget, HedgeBudgetOptions, PercentileDelay } from '@dyno/hedge';
import { MetricsRegistry } from '@dyno/metrics';
import type { Backoff, RetryBudget } from '@dyno/retry';

/** The `fetch` function shape `resilientFetch` calls and returns. */
export type FetchFunction = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/** What a `fallback` learns about the request that failed. */
export interface FetchRequestInfo {
  readonly url: string;
  readonly method: string;
  readonly origin: string;
}

/** How `resilientFetch` retries. Only idempotent requests with a replayable body are retried. */
export interface FetchRetryOptions {
  /**
   * Attempts in all, the first included.
   * @default 3
   */
  readonly attempts?: number;
  /**
   * The wait before each retry.
   * @default @dyno/retry's decorrelated jitter (base 100 ms, factor 2)
   */
  readonly backoff?: Backoff;
  /**
   * The longest wait between attempts in ms; a `Retry-After` is capped by it too.
   * @default 10_000
   */
  readonly maxDelay?: number;
  /**
   * Methods retried without an `Idempotency-Key` header (a request with one is always retryable).
   * @default ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']
   */
  readonly methods?: readonly string[];
  /**
   * Response statuses that are retried (network errors and attempt timeouts always are).
   * @default [408, 429, 500, 502, 503, 504]
   */
  readonly statuses?: readonly number[];
  /**
   * Honour a `Retry-After` header (seconds or an HTTP date) instead of the backoff.
   * @default true
   */
  readonly retryAfter?: boolean;
  /**
   * A `RetryBudget` shared by every call (and by other clients if you pass the same one), or
   * `false` for none.
   * @default a RetryBudget of this client's own (20 % of calls, plus 1 retry per second)
   */
  readonly budget?: RetryBudget | false;
}

/** How `resilientFetch` hedges, instead of retrying. */
export interface FetchHedgeOptions {
  /**
   * When the next attempt starts: ms, or a percentile of each origin's recent latency.
   * @default { percentile: 95 }
   */
  readonly delay?: number | PercentileDelay;
  /**
   * Attempts per call in all, the first included.
   * @default 2
   */
  readonly maxAttempts?: number;
  /**
   * A shared `HedgeBudget`, options for one per origin, or `false`.
   * @default {} (10 % extra attempts over 10 s, per origin)
   */
  readonly budget?: HedgeBudget | HedgeBudgetOptions | false;
}

/** Options of `resilientFetch`. */
export interface ResilientFetchOptions {
  /**
   * The `fetch` to call (undici's with a dispatcher, a test double, ...).
   * @default globalThis.fetch, looked up at each call
   */
  readonly fetch?: FetchFunction;
  /**
   * The whole call's deadline in ms, retries and the response body included; `false` for none.
   * A `runWithDeadline` scope around the call can only shorten it. A backoff that would end
   * after it is not begun: the call ends at once with the last attempt's failure or response.
   * @default 30_000
   */
  readonly timeout?: number | false;
  /**
   * Each attempt's deadline in ms, until the response headers arrive; `false` for none.
   * @default 10_000
   */
  readonly attemptTimeout?: number | false;
  /**
   * Retry options, or `false` for a single attempt.
   * @default {} (see `FetchRetryOptions`)
   */
  readonly retry?: FetchRetryOptions | false;
  /**
   * Hedge instead of retrying: options, or `false`.
   * @default false
   */
  readonly hedge?: FetchHedgeOptions | false;
  /**
   * Options of the circuit breaker made for each origin, or `false` for none. The breaker
   * counts network errors, attempt timeouts and 5xx responses as failures, every other
   * response as a success.
   * @default {} (@dyno/breaker's defaults: 10 s window, 20 calls, 50 %, open 5 s)
   */
  readonly breaker?: Omit<CircuitBreakerOptions, 'name' | 'clock' | 'isFailure'> | false;
  /**
   * Answers a call that failed (an open circuit, a network error, a timeout) instead of
   * rejecting; not called when the caller aborts.
   * @default undefined
   */
  readonly fallback?:
    | ((error: unknown, request: FetchRequestInfo) => Response | Promise<Response>)
    | undefined;
  /**
   * Reject with an `HttpError` when the final response is not ok (status outside 200-299),
   * instead of resolving with it as `fetch` does.
   * @default false
   */
  readonly throwHttpErrors?: boolean;
  /**
   * The largest request body, in bytes, read into memory so that it can be sent again. A
   * streamed body past it is sent once, as it streams, and that call is never retried or hedged.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxBufferedBody?: number;
  /**
   * A header on every attempt carrying the remaining budget in ms, for the server to honour
   * (`readDeadline` reads it); `false` sends none.
   * @default false
   */
  readonly deadlineHeader?: string | false;
  /**
   * Where each origin's `Metrics` is kept (named `<name> <origin>`); `false` records nothing.
   * @default a MetricsRegistry of this client's own
   */
  readonly metrics?: MetricsRegistry | false;
  /**
   * The most origins with a breaker, hedge and counters at once; beyond it the least recently
   * used origin is forgotten.
   * @default 1000
   */
  readonly maxOrigins?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * The client's name, in errors and metrics.
   * @default 'fetch#n'
   */
  readonly name?: string | undefined;
}

/** The defaults of `resilientFetch`. */
export const DEFAULT_RESILIENT_FETCH_OPTIONS: Readonly<{
  fetch: undefined;
  timeout: number;
  attemptTimeout: number;
  retry: Readonly<{}>;
  hedge: boolean;
  breaker: Readonly<{}>;
  fallback: undefined;
  throwHttpErrors: boolean;
  maxBufferedBody: number;
  deadlineHeader: boolean;
  metrics: undefined;
  maxOrigins: number;
  clock: Clock;
  name: undefined;
}> = Object.freeze({
  fetch: undefined,
  timeout: 30_000,
  attemptTimeout: 10_000,
  retry: Object.freeze({}),
  hedge: false,
  breaker: Object.freeze({}),
  fallback: undefined,
  throwHttpErrors: false,
  maxBufferedBody: 1_048_576,
  deadlineHeader: false,
  metrics: undefined,
  maxOrigins: 1000,
  clock: systemClock,
  name: undefined,
}) satisfies Required<Record<keyof ResilientFetchOptions, unknown>>;

/** The defaults of `FetchRetryOptions`. */
export const DEFAULT_FETCH_RETRY_OPTIONS: Readonly<{
  attempts: number;
  backoff: undefined;
  maxDelay: number;
  methods: readonly string[];
  statuses: readonly number[];
  retryAfter: boolean;
  budget: undefined;
}> = Object.freeze({
  attempts: 3,
  backoff: undefined,
  maxDelay: 10_000,
  methods: Object.freeze(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']),
  statuses: Object.freeze([408, 429, 500, 502, 503, 504]),
  retryAfter: true,
  budget: undefined,
}) satisfies Required<Record<keyof FetchRetryOptions, unknown>>;

/** The defaults of `FetchHedgeOptions`. */
export const DEFAULT_FETCH_HEDGE_OPTIONS: Readonly<{
  delay: Readonly<{
    percentile: number;
  }>;
  maxAttempts: number;
  budget: Readonly<{}>;
}> = Object.freeze({
  delay: Object.freeze({ percentile: 95 }),
  maxAttempts: 2,
  budget: Object.freeze({}),
}) satisfies Required<Record<keyof FetchHedgeOptions, unknown>>;

const timeoutRule = is.either(is.duration(0, true), is.oneOf(false));
const objectOrFalse = is.either(is.object, is.oneOf(false));

// a field name as HTTP defines it (an RFC 9110 token): what `Headers` takes, and nothing else
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The rule of a header name (`deadlineHeader`, `readDeadline`'s `header`). */
export const headerNameRule: Rule = Object.freeze({
  expected: 'a header name',
  test: (v: unknown) =>
    typeof v !== 'string' ? 'type' : HEADER_NAME.test(v) ? undefined : 'range',
});

const metricsRule: Rule = Object.freeze({
  expected: 'a MetricsRegistry or false',
  test: (v: unknown) => (v === false || v instanceof MetricsRegistry ? undefined : 'type'),
});

/** The validation rules of `ResilientFetchOptions` (nested objects are checked apart). */
export const RESILIENT_FETCH_RULES: Rules<ResilientFetchOptions> = Object.freeze({
  fetch: is.function,
  timeout: timeoutRule,
  attemptTimeout: timeoutRule,
  retry: objectOrFalse,
  hedge: objectOrFalse,
  breaker: objectOrFalse,
  fallback: is.function,
  throwHttpErrors: is.boolean,
  maxBufferedBody: is.integer(0, 2 ** 31 - 1),
  deadlineHeader: is.either(headerNameRule, is.oneOf(false)),
  metrics: metricsRule,
  maxOrigins: is.integer(1, 1_000_000),
  clock: is.clock,
  name: is.string,
});

/** An array whose items are of one kind (else a TypeError) and valid (else a RangeError). */
const listRule = (
  expected: string,
  kind: (v: unknown) => boolean,
  valid: (v: unknown) => boolean,
): Rule =>
  Object.freeze({
    expected,
    test: (v: unknown) => {
      if (!Array.isArray(v) || !v.every(kind)) return 'type';
      return v.every(valid) ? undefined : 'range';
    },
  });

/** The validation rules of `FetchRetryOptions`. */
export const FETCH_RETRY_RULES: Rules<FetchRetryOptions> = Object.freeze({
  attempts: is.integer(1, 100),
  backoff: is.object,
  maxDelay: is.duration(),
  methods: listRule(
    'an array of method names',
    (m) => typeof m === 'string',
    (m) => (m as string).length > 0,
  ),
  statuses: listRule(
    'an array of HTTP statuses (integers from 100 to 599)',
    (s) => typeof s === 'number',
    (s) => Number.isInteger(s) && (s as number) >= 100 && (s as number) <= 599,
  ),
  retryAfter: is.boolean,
  budget: is.either(is.object, is.oneOf(false)),
});

/** The validation rules of `FetchHedgeOptions` (`@dyno/hedge` checks the values further). */
export const FETCH_HEDGE_RULES: Rules<FetchHedgeOptions> = Object.freeze({
  delay: is.either(is.duration(), is.object),
  maxAttempts: is.integer(1, 100),
  budget: is.either(is.object, is.oneOf(false)),
});
