import type { ExecuteContext } from '@dyno/core';
import type { ServiceContext } from '../service-context.js';

// Both kinds of context are object literals, not instances of small classes: a class's hidden
// classes die at a full collection when no instance is alive (between sequential calls), and the
// optimised code built on them goes with them; a literal's stays with the function that makes
// it (decision 99).

/** What a lazy context's proxy stands for: the deadline layer's context and the attempt number. */
interface LazyTarget {
  readonly inner: ExecuteContext;
  readonly attempt: number;
}

const value = (t: LazyTarget, key: string | symbol): unknown =>
  key === 'signal' ? t.inner.signal : key === 'attempt' ? t.attempt : undefined;

/**
 * A read-only object with exactly two own enumerable properties, `signal` and `attempt`, whose
 * `signal` is read from the deadline layer's context only when asked for: that layer makes its
 * `AbortController` on the first read, and a controller per call costs more than the whole call
 * (about 17 µs with its collection, Node 20). A class with a `signal` getter is cheaper but its
 * getter lives on the prototype, so `{ ...context }` dropped `signal`; an own accessor made with
 * `Object.defineProperty` per call costs about 100 ns, a proxy about 30 ns (decision in
 * docs/decisions.md).
 */
const LAZY: ProxyHandler<LazyTarget> = {
  get: (t, key) => value(t, key),
  has: (_, key) => key === 'signal' || key === 'attempt',
  ownKeys: () => ['signal', 'attempt'],
  getOwnPropertyDescriptor: (t, key) =>
    key === 'signal' || key === 'attempt'
      ? { value: value(t, key), enumerable: true, configurable: true, writable: false }
      : undefined,
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
};

/** The context of an attempt whose signal is a plain value already (no deadline layer below). */
export function plainContext(signal: AbortSignal, attempt: number): ServiceContext {
  return { signal, attempt };
}

/**
 * The context of an attempt under a deadline layer, which makes its signal on the first read:
 * `inner.signal` is read through a proxy only when `fn` asks for it. Still `{ signal, attempt }`
 * as own enumerable properties, so `{ ...context }` keeps both.
 */
export function lazyContext(inner: ExecuteContext, attempt: number): ServiceContext {
  const target: LazyTarget = { inner, attempt };
  return new Proxy(target, LAZY) as unknown as ServiceContext;
}
