import { type Awaitable, check, checkFunction, checkOptions, is } from '@dyno/core';
import { RUN } from './internal/settings.js';
import type { RetryCallOptions, RetryOptions } from './options.js';
import { Retry, type RetryContext } from './retry-policy.js';

function split(options: unknown): { policy: Retry; signal: AbortSignal | undefined } {
  if (options instanceof Retry) return { policy: options, signal: undefined };
  if (options === undefined) return { policy: new Retry(), signal: undefined };
  // an AbortSignal given as the options would make calls that cannot be cancelled
  checkOptions('@dyno/retry', options);
  const { signal, ...rest } = options as RetryCallOptions;
  if (signal !== undefined) check('@dyno/retry', 'signal', signal, is.signal);
  return { policy: new Retry(rest as RetryOptions), signal };
}

function checkFn(fn: unknown): void {
  checkFunction('@dyno/retry', 'fn', fn);
}

/**
 * Wraps `fn` so that every call of the returned function is retried: same parameters (and
 * `this`), always a promise. `options` may be Retry's options plus a `signal` for every call, or a
 * `Retry` to share (its events, its budget). Options are checked here, not at call time.
 */
export function retry<A extends unknown[], R>(
  fn: (...args: A) => Awaitable<R>,
  options?: RetryCallOptions<Awaited<R>> | Retry,
): (...args: A) => Promise<Awaited<R>> {
  checkFn(fn);
  const { policy, signal } = split(options);
  return function retried(this: unknown, ...args: A): Promise<Awaited<R>> {
    return policy[RUN](fn, this, args, signal);
  };
}

/**
 * The eager form: runs `fn({ signal, attempt })` under a new Retry (or the one given) at once and
 * returns its promise. Bad options throw synchronously, before `fn` runs.
 */
retry.run = function run<T>(
  fn: (context: RetryContext) => Awaitable<T>,
  options?: RetryCallOptions<Awaited<T>> | Retry,
): Promise<Awaited<T>> {
  checkFn(fn);
  const { policy, signal } = split(options);
  return policy[RUN](fn, undefined, undefined, signal);
};
