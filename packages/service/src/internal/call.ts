import { BrokenCircuitError, type CircuitPermit } from '@dyno/breaker';
import { type ExecuteContext, type ExecuteOptions, NEVER_ABORTED, untilAborted } from '@dyno/core';
import type { RetryContext } from '@dyno/retry';
import type { ServiceContext } from '../service-context.js';
import { attemptContext } from './attempt-context.js';
import { runFallback } from './fallback.js';
import { isOwnTimeout, PredicateThrew } from './outcome.js';
import type { Parts, PoolCallOptions } from './parts.js';

/** How the service calls the protected function: `fn(context, ...args)` or a method's `fn(...args)`. */
export type Invoker = (thisArg: unknown, args: unknown[], context: ServiceContext) => unknown;

const NO_CONTEXT: ExecuteContext = Object.freeze({ signal: NEVER_ABORTED });

/**
 * Below the breaker: the pool (which applies the deadline, if any), else the timeout layer, else
 * `fn` itself. Never throws: each layer turns every problem into a rejection.
 */
function enterPool(
  p: Parts,
  toFn: (context: ExecuteContext) => unknown,
  options: ExecuteOptions | undefined,
  poolOptions: PoolCallOptions | undefined,
): Promise<unknown> {
  const { pool, timeoutLayer } = p;
  if (pool !== undefined) return pool.execute(toFn, poolOptions as ExecuteOptions);
  if (timeoutLayer !== undefined) return timeoutLayer.execute(toFn, options);
  try {
    return Promise.resolve(toFn(NO_CONTEXT));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Counts an attempt refused before the dependency was called, without a latency. */
function recordRefusal(
  p: Parts,
  error: unknown,
  now: number,
  signal: AbortSignal | undefined,
): void {
  // a call its caller cancelled is not a refusal
  if (p.metrics === undefined || signal?.aborted === true) return;
  const outcome = BrokenCircuitError.isInstance(error) ? 'short-circuited' : 'rejected';
  p.metrics.record(outcome, undefined, now);
}

/**
 * What an attempt rejects with when a predicate of the user's threw while it was judged: under a
 * Retry built here a `PredicateThrew` (its `isRetryable` rethrows the value, so the call rejects
 * with it and is not retried), else the value itself.
 */
function predicateThrew(p: Parts, thrown: unknown): unknown {
  return p.retryBuilt ? new PredicateThrew(thrown) : thrown;
}

/**
 * Runs one call through the layers fallback → retry → breaker → pool → timeout → fn, recording
 * every attempt in the metrics. The call's state lives in this function's locals and the layers'
 * handlers are closures over them (measured: a class holding the same state in private fields,
 * with arrow functions calling its methods, cost 150-200 ns more per call). Attempts of one call
 * never overlap (the next starts after the previous one settled for its caller), so the
 * per-attempt locals are safe.
 *
 * Clock readings are shared (decision 61): the service's `EntryClock` is held from the call's
 * start until `fn` runs, so retry, the breaker, the pool's deadline and the metrics' start take
 * one reading; the attempt's end is read once, for the breaker's permit and the metrics both.
 * The breaker is entered through its permit (`acquire`), so its outcome is counted in the same
 * handler as the metrics', without a promise of its own.
 */
export function runCall(
  p: Parts,
  invoke: Invoker,
  thisArg: unknown,
  args: unknown[],
  signal: AbortSignal | undefined,
): Promise<unknown> {
  // passed down only when the caller gave a signal: a never-aborting one would make every layer
  // take its slow path and add listeners for nothing
  const options: ExecuteOptions | undefined = signal === undefined ? undefined : { signal };
  const poolOptions: PoolCallOptions | undefined =
    signal === undefined
      ? p.poolOptions
      : p.poolTimeout === undefined
        ? options
        : { signal, timeout: p.poolTimeout };
  const { clock, metrics, breaker } = p;
  // the end of an attempt is read here when someone takes that reading
  const readsEnd = metrics !== undefined || p.breakerOnClock;
  // a deadline layer below makes its signal on the first read
  const lazySignal = p.timeout !== false;
  let attempt = 1;
  let start = 0;
  let entered = false;
  let permit: CircuitPermit | undefined;
  // a predicate of the user's threw while an attempt was judged: the call rejects with `thrown`
  let threw = false;
  let thrown: unknown;

  const toFn = (context: ExecuteContext): unknown => {
    clock.release();
    entered = true;
    if (metrics !== undefined) metrics.begin(start);
    const inner = context === NO_CONTEXT && options !== undefined ? options : context;
    return invoke(thisArg, args, attemptContext(inner as ExecuteContext, attempt, lazySignal));
  };

  // the breaker's permit is reported last: its `isFailure` (asked once per attempt, here) may
  // throw, and then the attempt has been recorded already and the permit went back
  const succeeded = (value: unknown): unknown => {
    const now = readsEnd ? clock.now() : 0;
    if (metrics !== undefined) metrics.end('success', start, now);
    if (permit !== undefined) {
      try {
        permit.succeeded(value, p.breakerOnClock ? now : undefined);
      } catch (error) {
        threw = true;
        thrown = error;
        throw predicateThrew(p, error);
      }
    }
    return value;
  };

  // past the breaker: the dependency's failure, its deadline, or the pool's refusal
  const failed = (error: unknown): never => {
    const now = readsEnd ? clock.now() : 0;
    if (!entered) {
      // the pool refused (or the caller left the queue): the dependency was never called, so
      // the breaker learns nothing, and a half-open probe's permit goes to the next caller
      recordRefusal(p, error, now, signal);
      if (permit !== undefined) permit.release();
      throw error;
    }
    if (metrics !== undefined) {
      metrics.end(isOwnTimeout(error, p.timeoutSource) ? 'timeout' : 'failure', start, now);
    }
    if (permit !== undefined) {
      try {
        permit.failed(error, p.breakerOnClock ? now : undefined);
      } catch (predicateError) {
        threw = true;
        thrown = predicateError;
        throw predicateThrew(p, predicateError);
      }
    }
    throw error;
  };

  // one attempt: breaker → pool → timeout → fn, recorded in the metrics
  const runAttempt = (context: RetryContext | undefined): Promise<unknown> => {
    attempt = context === undefined ? 1 : context.attempt;
    entered = false;
    if (metrics !== undefined) start = clock.now();
    let result: Promise<unknown>;
    try {
      // throws the breaker's refusal, or the caller's abort
      permit = breaker === undefined ? undefined : breaker.acquire(options);
      result = enterPool(p, toFn, options, poolOptions);
    } catch (error) {
      recordRefusal(p, error, start, signal);
      return Promise.reject(error);
    }
    return permit === undefined && metrics === undefined ? result : result.then(succeeded, failed);
  };

  // held until `fn` runs (`toFn` lets go) or, when a layer refused first, until the entry returns
  clock.hold();
  let result: Promise<unknown>;
  try {
    result = p.retry === undefined ? runAttempt(undefined) : p.retry.execute(runAttempt, options);
  } finally {
    clock.release();
  }
  // retry and the deadline layers release a caller who aborts; without both, nothing else would
  // while `fn` runs on
  if (signal !== undefined && p.retry === undefined && p.timeout === false) {
    result = untilAborted(result, signal);
  }
  return p.hasFallback
    ? result.then(undefined, (error) => {
        // a predicate that threw is a bug to surface, not a failure to paper over
        if (threw) throw thrown;
        return runFallback(p, error, thisArg, args, signal);
      })
    : result;
}
