import { type ExecuteContext, NEVER_ABORTED } from '@dyno/core';
import type { ServiceContext } from '../service-context.js';

/**
 * The context of an attempt whose signal is already a plain value (the caller's, a shared
 * never-aborting one, or an untimed pool's): two own data properties.
 */
class PlainContext implements ServiceContext {
  constructor(
    readonly signal: AbortSignal,
    readonly attempt: number,
  ) {}

  /** @internal Keeps the hidden class alive between calls (see `TimedRun.shapeKeeper` in `@dyno/pool`). */
  static readonly shapeKeeper: object = new PlainContext(NEVER_ABORTED, 1);
}

/** What a lazy context's proxy stands for: the deadline layer's context and the attempt number. */
class LazyTarget {
  constructor(
    readonly inner: ExecuteContext,
    readonly attempt: number,
  ) {}

  /** @internal As `PlainContext.shapeKeeper`. */
  static readonly shapeKeeper: object = new LazyTarget({ signal: NEVER_ABORTED }, 1);
}

const KEYS: readonly string[] = Object.freeze(['signal', 'attempt']);

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
  ownKeys: () => KEYS.slice(),
  getOwnPropertyDescriptor: (t, key) =>
    key === 'signal' || key === 'attempt'
      ? { value: value(t, key), enumerable: true, configurable: true, writable: false }
      : undefined,
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
};

/**
 * The context one attempt's function receives: `{ signal, attempt }` as own enumerable
 * properties whatever the layers below (so `{ ...context }` keeps both). `lazy`: `inner.signal`
 * is made on first read (a deadline layer's), so it is read through a proxy only when asked for.
 */
export function attemptContext(
  inner: ExecuteContext,
  attempt: number,
  lazy: boolean,
): ServiceContext {
  return lazy
    ? (new Proxy(new LazyTarget(inner, attempt), LAZY) as unknown as ServiceContext)
    : new PlainContext(inner.signal, attempt);
}
