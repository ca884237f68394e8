import { type Awaitable, check, checkFunction, checkOptions, is } from '@dyno/core';
import { Hedge, type HedgeContext } from './hedge-policy.js';
import type { HedgeOptions } from './options.js';

/** Options of `hedge(fn, options)`: Hedge's, plus a signal for every call. */
export interface HedgeCallOptions<T = unknown> extends HedgeOptions<T> {
  /** Cancels every call of the wrapper: it rejects with the signal's reason at once. */
  readonly signal?: AbortSignal | undefined;
}

/** What `hedge(fn)` returns: `fn` without its context, hedged, with its `Hedge` attached. */
export interface HedgedFunction<A extends unknown[], R> {
  (...args: A): Promise<R>;
  /** The policy behind the function (events, counts, budget). */
  readonly hedge: Hedge;
}

/**
 * Wraps `fn(context, ...args)` so that every call of the returned function is hedged: the
 * wrapper takes `...args` (and keeps `this`), and each attempt gets its own `context.signal`,
 * aborted when another attempt wins. `options` may be Hedge's options plus a `signal`, or a
 * `Hedge` to share. Options are checked here, not at call time.
 */
export function hedge<A extends unknown[], R>(
  fn: (context: HedgeContext, ...args: A) => Awaitable<R>,
  options?: HedgeCallOptions<Awaited<R>> | Hedge,
): HedgedFunction<A, Awaited<R>> {
  checkFunction('@dyno/hedge', 'fn', fn);
  let policy: Hedge;
  let signal: AbortSignal | undefined;
  if (options instanceof Hedge) policy = options;
  else if (options === undefined) policy = new Hedge();
  else {
    // an AbortSignal given as the options would make calls that cannot be cancelled
    checkOptions('@dyno/hedge', options);
    const { signal: given, ...rest } = options;
    if (given !== undefined) check('@dyno/hedge', 'signal', given, is.signal);
    policy = new Hedge(rest as HedgeOptions);
    signal = given;
  }
  const hedged = function hedged(this: unknown, ...args: A): Promise<Awaited<R>> {
    return policy.run(fn, this, args, signal);
  };
  Object.defineProperty(hedged, 'hedge', { value: policy, enumerable: true });
  return hedged as HedgedFunction<A, Awaited<R>>;
}
