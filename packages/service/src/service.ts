import type { CircuitBreaker } from '@dyno/breaker';
import {
  type Awaitable,
  abortReason,
  checkFunction,
  DisposedError,
  type Event,
  format,
} from '@dyno/core';
import type { Metrics } from '@dyno/metrics';
import type { Pool } from '@dyno/pool';
import type { Retry } from '@dyno/retry';
import type { FallbackEvent } from './events.js';
import { type Invoker, runCall } from './internal/call.js';
import { buildParts, type Parts } from './internal/parts.js';
import type { ServiceOptions } from './options.js';
import type { ServiceContext } from './service-context.js';

/** What `service()` returns: the protected function, plus its parts for inspection. */
export interface ServiceFunction<A extends unknown[], R> {
  /** Calls the dependency through fallback → retry → breaker → pool → timeout. */
  (...args: A): Promise<R>;
  /** The service name (also the default name of every part it built). */
  readonly name: string;
  /** The retry policy, or `undefined` when turned off. */
  readonly retry: Retry | undefined;
  /** The circuit breaker, or `undefined` when turned off. */
  readonly breaker: CircuitBreaker | undefined;
  /** The bulkhead, or `undefined` when turned off. */
  readonly pool: Pool | undefined;
  /** The deadline per attempt in ms, or `false`. */
  readonly timeout: number | false;
  /** Where outcomes are recorded, or `undefined` when turned off. */
  readonly metrics: Metrics | undefined;
  /**
   * A failed call was answered by the fallback: the call's failure, and whether the fallback
   * gave a value (else what it threw, which the caller got). Only when a `fallback` is set.
   */
  readonly onFallback: Event<FallbackEvent>;
  /** The same function with a caller's signal: aborting it cancels the call at once. */
  withSignal(signal: AbortSignal): (...args: A) => Promise<R>;
  /**
   * Stops observing the parts and disposes the parts this service built (not shared ones).
   * Later calls reject with `DisposedError`. Idempotent.
   */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** @internal Builds the wrapper around an invoker; shared by `service` and `withService`. */
export function makeService<A extends unknown[], R>(
  invoke: Invoker,
  fnName: string | undefined,
  options: unknown,
): ServiceFunction<A, R> {
  const parts = buildParts(fnName, options);
  let disposed = false;
  const run = (thisArg: unknown, args: unknown[], signal: AbortSignal | undefined) => {
    if (disposed) return Promise.reject(new DisposedError('Service', parts.name));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return runCall(parts, invoke, thisArg, args, signal);
  };
  const wrapped = function (this: unknown, ...args: unknown[]) {
    return run(this, args, undefined);
  } as unknown as ServiceFunction<A, R>;
  const withSignal = (signal: AbortSignal) => {
    if (!(signal instanceof AbortSignal)) {
      throw new TypeError(
        `@dyno/service: \`signal\` must be an AbortSignal; received ${format(signal)}`,
      );
    }
    return function (this: unknown, ...args: unknown[]) {
      return run(this, args, signal);
    };
  };
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    for (const d of parts.owned) d.dispose();
  };
  define(wrapped, parts, { withSignal, dispose, [Symbol.dispose]: dispose });
  return wrapped;
}

function define(target: object, parts: Parts, methods: object): void {
  const read = (value: unknown) => ({ value, enumerable: true });
  Object.defineProperties(target, {
    name: { value: parts.name },
    retry: read(parts.retry),
    breaker: read(parts.breaker),
    pool: read(parts.pool),
    timeout: read(parts.timeout),
    metrics: read(parts.metrics),
    onFallback: read(parts.onFallback.event),
  });
  Object.assign(target, methods);
}

/**
 * Wraps `fn`, a function making one attempt at a dependency, in fallback → retry → breaker →
 * pool → timeout, recording every attempt in metrics. `fn` receives a `ServiceContext` (the
 * attempt's `signal` and number) and then the caller's arguments; the returned function takes
 * the arguments alone and always returns a promise. Bad options throw here, not at call time.
 *
 * ```ts
 * const getUser = service(({ signal }, id: string) => fetchUser(id, { signal }), { name: 'users' });
 * const user = await getUser('42');
 * ```
 */
export function service<A extends unknown[], R, F = never>(
  fn: (context: ServiceContext, ...args: A) => Awaitable<R>,
  options?: ServiceOptions<A, F>,
): ServiceFunction<A, Awaited<R> | F> {
  checkFunction('@dyno/service', 'fn', fn);
  // the common arities call without a spread, which allocates and cost ~15 ns per call
  const f = fn as (this: unknown, ...all: unknown[]) => unknown;
  const invoke: Invoker = (thisArg, args, context) => {
    switch (args.length) {
      case 0:
        return f.call(thisArg, context);
      case 1:
        return f.call(thisArg, context, args[0]);
      case 2:
        return f.call(thisArg, context, args[0], args[1]);
      default:
        return f.apply(thisArg, [context, ...args]);
    }
  };
  return makeService(invoke, fn.name, options);
}
