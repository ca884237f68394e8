import type { ExecuteContext } from '@dyno/core';

/** What a timed task's context reads its signal from (a `TimedRun`). */
export interface SignalSource {
  /** The task's signal, made on first read. */
  lazySignal(): AbortSignal;
}

const KEYS: readonly string[] = Object.freeze(['signal']);
const objectProto = Object.prototype as unknown as Record<PropertyKey, unknown>;
const refuse = (): boolean => false;

// One handler for every context: the context looks like a read-only `{ signal }` record.
const handler: ProxyHandler<SignalSource> = {
  get: (source, key) => (key === 'signal' ? source.lazySignal() : objectProto[key]),
  has: (_, key) => key === 'signal' || key in objectProto,
  ownKeys: () => KEYS as string[],
  getOwnPropertyDescriptor: (source, key) =>
    key === 'signal'
      ? { value: source.lazySignal(), writable: false, enumerable: true, configurable: true }
      : undefined,
  getPrototypeOf: () => Object.prototype,
  set: refuse,
  defineProperty: refuse,
  deleteProperty: refuse,
  setPrototypeOf: refuse,
  preventExtensions: refuse,
};

/**
 * The context handed to a timed task: `signal` is an own enumerable property, as in a plain
 * pool's `{ signal }`, so `{ ...context }` and `Object.keys(context)` keep it; and the
 * `AbortController` behind it is made only when the task first reads it.
 *
 * Why a proxy: an own property that is lazy has to be an accessor or a trap. A data property
 * needs the controller at once, and in Node 20 a controller costs microseconds per call once
 * collected (its signal's prototype is set per instance); `Object.defineProperty` of an own
 * accessor on every context costs 100-250 ns a call, more than the rest of a timed call; a
 * prototype getter is free but `{ ...context }` drops it. A proxy over the run with one shared
 * handler costs an allocation (tens of ns), and a trap only when the task reads its context.
 */
export function taskContext(source: SignalSource): ExecuteContext {
  return new Proxy(source, handler) as unknown as ExecuteContext;
}
