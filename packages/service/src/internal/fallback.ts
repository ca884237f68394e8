import { abortReason } from '@dyno/core';
import { CompoundError } from '@dyno/retry';
import { FallbackError } from '../errors.js';
import type { Parts } from './parts.js';

/**
 * Answers a failed call with the service's fallback, or rethrows: a call its caller cancelled
 * rejects with the signal's reason, and an error the breaker's `isFailure` does not count as a
 * failure is the dependency's answer, passed on as it is (opossum#540). A fallback's own failure
 * rejects with `FallbackError`; every fallback outcome is counted in the metrics.
 */
export function runFallback(
  p: Parts,
  error: unknown,
  thisArg: unknown,
  args: unknown[],
  signal: AbortSignal | undefined,
): unknown {
  if (signal?.aborted) throw abortReason(signal);
  if (p.breaker !== undefined && !p.breaker.countsAsFailure(lastError(error))) throw error;
  const fallback = p.fallback;
  if (typeof fallback !== 'function') {
    p.metrics?.record('fallback-success');
    return fallback;
  }
  let result: unknown;
  try {
    result = fallback.call(thisArg, error, args);
  } catch (fallbackError) {
    throw failed(p, error, fallbackError);
  }
  return Promise.resolve(result).then(
    (value) => {
      p.metrics?.record('fallback-success');
      return value;
    },
    (fallbackError) => {
      throw failed(p, error, fallbackError);
    },
  );
}

function failed(p: Parts, error: unknown, fallbackError: unknown): FallbackError {
  p.metrics?.record('fallback-failure');
  return new FallbackError(p.name, error, fallbackError);
}

/** The error of the last attempt: retry's `CompoundError` keeps it as its `cause`. */
function lastError(error: unknown): unknown {
  return CompoundError.isInstance(error) ? error.cause : error;
}
