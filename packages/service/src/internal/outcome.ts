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
