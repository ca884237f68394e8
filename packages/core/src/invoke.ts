/** A value, a promise or any thenable. */
export type Awaitable<T> = T | PromiseLike<T>;

/**
 * True for promises and any other object or function with a callable `then`. A value whose
 * `then` cannot be read (a revoked proxy, a proxy that throws on unknown keys) is not a thenable:
 * this never throws.
 */
export function isThenable<T = unknown>(value: unknown): value is PromiseLike<T> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/**
 * True when `value` is a promise of this realm (`instanceof Promise`, subclasses included).
 * Never throws: `instanceof` asks a proxy for its prototype, which a revoked one refuses; such a
 * value is no promise.
 */
export function isPromise(value: unknown): value is Promise<unknown> {
  try {
    return value instanceof Promise;
  } catch {
    return false;
  }
}

/**
 * Calls `fn(context)` and always returns a native promise that settles exactly once: a
 * synchronous throw (of anything) becomes a rejection; a plain value, a `Promise` subclass or a
 * thenable that calls back twice, calls both callbacks or throws after calling back is adopted
 * into a fresh native promise, whose resolve functions act only once. Never throws.
 */
export function invoke<C, T>(fn: (context: C) => Awaitable<T>, context: C): Promise<T> {
  try {
    const result = fn(context);
    if (result instanceof Promise && Object.getPrototypeOf(result) === Promise.prototype) {
      return result as Promise<T>;
    }
    // inside the try: a hostile `constructor` or `then` getter throws here
    return Promise.resolve(result);
  } catch (error) {
    return Promise.reject(error);
  }
}
