import type { CircuitBreaker } from '@dyno/breaker';
import {
  type Awaitable,
  abortReason,
  checkFunction,
  DisposedError,
  type Event,
  EventEmitter,
  format,
} from '@dyno/core';
import type { Metrics } from '@dyno/metrics';
import type { Pool } from '@dyno/pool';
import type { Retry } from '@dyno/retry';
import type { FallbackEvent } from './events.js';
import { runCall } from './internal/call.js';
import type { Invoker } from './internal/call-types.js';
import { buildParts, type Parts, type Plan, planParts } from './internal/parts.js';
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
  /**
   * The same service with `this` and the leading arguments fixed, as `Function.prototype.bind`
   * fixes them: its parts, state, events and `dispose` are this service's.
   */
  bind(thisArg: unknown): ServiceFunction<A, R>;
  bind<B extends unknown[], C extends unknown[]>(
    this: ServiceFunction<[...B, ...C], R>,
    thisArg: unknown,
    ...args: B
  ): ServiceFunction<C, R>;
  /** The same function with a caller's signal: aborting it cancels the call at once. */
  withSignal(signal: AbortSignal): (...args: A) => Promise<R>;
  /**
   * Stops observing the parts and disposes the metrics this service built (not shared ones).
   * Later calls reject with `DisposedError`; calls under way end as they would have, their
   * retries and queued attempts still going through the pool it built, which is never disposed
   * (idle, it holds no timer and no listener). Idempotent.
   */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * What one service holds: its validated options, and the parts built from them at the first
 * call (or the first read of a part), so an idle service costs its options and little more.
 */
class ServiceState {
  #parts: Parts | undefined;
  #disposed = false;
  readonly onFallback: EventEmitter<FallbackEvent>;

  constructor(
    readonly plan: Plan,
    readonly invoke: Invoker,
  ) {
    this.onFallback = new EventEmitter<FallbackEvent>('@dyno/service onFallback');
    if (plan.shared) this.#parts = buildParts(plan, this.onFallback);
  }

  get parts(): Parts {
    let parts = this.#parts;
    if (parts === undefined) {
      parts = buildParts(this.plan, this.onFallback);
      this.#parts = parts;
      // parts first read after `dispose` are handed over disposed
      if (this.#disposed) for (const d of parts.owned) d.dispose();
    }
    return parts;
  }

  run(thisArg: unknown, args: unknown[], signal: AbortSignal | undefined): Promise<unknown> {
    if (this.#disposed) return Promise.reject(new DisposedError('Service', this.plan.name));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return runCall({ parts: this.parts, invoke: this.invoke, thisArg, args, signal });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.onFallback.clear();
    if (this.#parts !== undefined) for (const d of this.#parts.owned) d.dispose();
  }
}

const STATE = Symbol('@dyno/service state');
/** What `bind` fixed on a bound service: `this` and the leading arguments. */
const BINDING = Symbol('@dyno/service binding');
type Binding = { readonly thisArg: unknown; readonly args: readonly unknown[] };
type Hidden = { readonly [STATE]?: ServiceState; readonly [BINDING]?: Binding };

/**
 * The state of a service function. A member reached without one (read on the prototype itself,
 * or a method taken off the service and called alone) gets a `TypeError` saying so, not an
 * engine message about reading a property of `undefined`.
 */
function stateOf(service: unknown, member: string): ServiceState {
  const state = service == null ? undefined : (service as Hidden)[STATE];
  if (state === undefined) {
    throw new TypeError(
      `@dyno/service: \`${member}\` must be used on a service function; received ${format(service)}`,
    );
  }
  return state;
}

/** Makes the service function over `state`. */
function serviceFunction(state: ServiceState, name: string): Function {
  // named by a computed key, the function has its name from the start: redefining `name` later
  // would turn its properties into a dictionary (about 450 B more per service)
  const wrapped = {
    [name](this: unknown, ...args: unknown[]) {
      return state.run(this, args, undefined);
    },
  }[name] as Function;
  return dress(wrapped, state);
}

/** A bound service: `this` and leading arguments fixed, over the same state. */
function boundServiceFunction(state: ServiceState, name: string, binding: Binding): Function {
  const { thisArg, args: leading } = binding;
  const wrapped = {
    [name](...args: unknown[]) {
      return state.run(thisArg, [...leading, ...args], undefined);
    },
  }[name] as Function;
  Object.defineProperty(wrapped, BINDING, { value: binding });
  return dress(wrapped, state);
}

function dress(wrapped: Function, state: ServiceState): Function {
  Object.setPrototypeOf(wrapped, SERVICE_PROTOTYPE);
  Object.defineProperty(wrapped, STATE, { value: state });
  return wrapped;
}

/**
 * The prototype of every service function (itself a function prototype, so `call`, `apply` and
 * `bind` still work): the parts and methods live here once, not on each service.
 */
const SERVICE_PROTOTYPE: object = Object.setPrototypeOf(
  {
    get retry() {
      return stateOf(this, 'retry').parts.retry;
    },
    get breaker() {
      return stateOf(this, 'breaker').parts.breaker;
    },
    get pool() {
      return stateOf(this, 'pool').parts.pool;
    },
    get timeout() {
      return stateOf(this, 'timeout').parts.timeout;
    },
    get metrics() {
      return stateOf(this, 'metrics').parts.metrics;
    },
    get onFallback() {
      return stateOf(this, 'onFallback').onFallback.event;
    },
    withSignal(signal: AbortSignal) {
      if (!(signal instanceof AbortSignal)) {
        throw new TypeError(
          `@dyno/service: \`signal\` must be an AbortSignal; received ${format(signal)}`,
        );
      }
      const state = stateOf(this, 'withSignal');
      const binding = (this as Hidden)[BINDING];
      if (binding !== undefined) {
        return (...args: unknown[]) =>
          state.run(binding.thisArg, [...binding.args, ...args], signal);
      }
      return function (this: unknown, ...args: unknown[]) {
        return state.run(this, args, signal);
      };
    },
    /**
     * `Function.prototype.bind` would give the bound function this prototype but not the
     * service's state: a bound service is a service over the same state instead, with `this`
     * and the leading arguments fixed as `bind` fixes them (binding again keeps the first
     * `this` and adds arguments).
     */
    bind(thisArg: unknown, ...args: unknown[]) {
      const state = stateOf(this, 'bind');
      const outer = (this as Hidden)[BINDING];
      const binding: Binding =
        outer === undefined
          ? { thisArg, args }
          : { thisArg: outer.thisArg, args: [...outer.args, ...args] };
      return boundServiceFunction(state, `bound ${(this as Function).name}`, binding);
    },
    dispose() {
      stateOf(this, 'dispose').dispose();
    },
    [Symbol.dispose]() {
      stateOf(this, 'Symbol.dispose').dispose();
    },
  },
  Function.prototype,
);

/** @internal Builds the wrapper around an invoker; shared by `service` and `withService`. */
export function makeService<A extends unknown[], R>(
  invoke: Invoker,
  fnName: string | undefined,
  options: unknown,
): ServiceFunction<A, R> {
  const state = new ServiceState(planParts(fnName, options), invoke);
  return serviceFunction(state, state.plan.name) as unknown as ServiceFunction<A, R>;
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
  const f = fn as (this: unknown, ...all: unknown[]) => unknown;
  const invoke: Invoker = (thisArg, args, context) => f.call(thisArg, context, ...args);
  return makeService(invoke, nameOf(fn), options);
}

/**
 * `fn.name`, or `undefined` when it is not a string or reading it throws: a `@dyno/registry` ref
 * whose key is not registered yet throws `NotRegistered` for every use, and wrapping it before
 * its registration is what a late-bound ref is for.
 */
function nameOf(fn: Function): string | undefined {
  try {
    const { name } = fn;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
