import { BrokenCircuitError } from '@dyno/breaker';
import { PoolFullError, TimeoutError } from '@dyno/pool';

/** A refusal by a breaker or a pool: the dependency was never called. */
export function isRejection(error: unknown): boolean {
  return BrokenCircuitError.isInstance(error) || PoolFullError.isInstance(error);
}

/** A `TimeoutError` raised by the deadline named `source`. */
export function isOwnTimeout(error: unknown, source: string | undefined): boolean {
  return source !== undefined && TimeoutError.isInstance(error) && error.source === source;
}

/**
 * What an attempt rejects with, under a Retry the service built, when one of the user's
 * predicates (the breaker's `isFailure`) threw while the attempt was judged: that Retry's
 * `isRetryable` rethrows `thrown`, so Retry rejects the call with it, as itself, and never
 * retries it. Also what that Retry rejects with when the user's `isRetryable` or `shouldRetry`
 * threw in a service with a fallback, which then rethrows `thrown` instead of falling back.
 * Never seen outside the service.
 */
export class PredicateThrew {
  constructor(readonly thrown: unknown) {}
}
