import { abortReason, checkAnswer, invoke, untilAborted } from '@dyno/core';
import type { Call } from './call-types.js';
import type { Parts } from './parts.js';

/**
 * Answers a failed call with the service's fallback, or rethrows. A call its caller cancelled
 * rejects with the signal's reason, and so does one cancelled while the fallback runs; a failure
 * `fallbackOn` turns down reaches the caller as it is. The fallback is user code: what its
 * function throws or rejects with is the call's rejection, as itself (the call's own failure
 * goes to `onFallback`). Every fallback outcome is counted in the metrics; `fallbackOn` throwing
 * rejects the call with what it threw, and one returning a promise with a `TypeError` naming it.
 */
export function runFallback(call: Call, error: unknown): unknown {
  const { parts: p, signal } = call;
  if (signal?.aborted) throw abortReason(signal);
  if (p.fallbackOn !== undefined) {
    if (!checkAnswer('@dyno/service', 'fallbackOn', p.fallbackOn(error))) throw error;
  }
  const fallback = p.fallback;
  let result: unknown;
  try {
    result =
      typeof fallback === 'function' ? fallback.call(call.thisArg, error, call.args) : fallback;
  } catch (fallbackError) {
    throw failed(p, error, fallbackError);
  }
  // a plain value needs no turn of the event loop
  if (isPlain(result)) return succeeded(p, error, result);
  // a thenable is adopted; a value whose `then` cannot be read rejects, as `await` would
  const answered = invoke(() => result, undefined).then(
    (value) => succeeded(p, error, value),
    (fallbackError) => {
      throw failed(p, error, fallbackError);
    },
  );
  // a caller who aborts is released at once, even from a fallback that hangs (counted as it ends)
  return untilAborted(answered, signal);
}

/** True when a promise resolved with `value` fulfils with `value` itself (no `then` to adopt). */
function isPlain(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return true;
  try {
    return typeof (value as { then?: unknown }).then !== 'function';
  } catch {
    // its `then` cannot be read (a revoked proxy): resolving a promise with it rejects
    return false;
  }
}

function succeeded(p: Parts, error: unknown, value: unknown): unknown {
  p.metrics?.record('fallback-success');
  if (p.onFallback.hasListeners) {
    p.onFallback.emit(Object.freeze({ name: p.name, error, succeeded: true }));
  }
  return value;
}

function failed(p: Parts, error: unknown, fallbackError: unknown): unknown {
  p.metrics?.record('fallback-failure');
  if (p.onFallback.hasListeners) {
    p.onFallback.emit(Object.freeze({ name: p.name, error, succeeded: false, fallbackError }));
  }
  return fallbackError;
}
