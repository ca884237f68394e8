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
 * `value` as a native promise that settles exactly once, for a policy to attach its own
 * callbacks to; read as `await value` reads it. A native promise is returned as it is; anything
 * else is adopted into a fresh native promise, whose resolve functions act only once: a plain
 * value, a `Promise` subclass or a thenable (which may call back twice, call both callbacks or
 * throw after calling back). A native promise whose `constructor` getter throws gives a
 * rejection, and one that carries its own `then` is adopted as `await` reads it (that `then`,
 * called as it is, could call back twice, throw or return no promise). Never throws.
 */
export function toPromise<T>(value: Awaitable<T>): Promise<T> {
  try {
    // the same promise back for a native one; it reads `constructor` (a revoked proxy or a
    // thenable is adopted, never thrown)
    const promise = Promise.resolve(value);
    // a `then` of the promise's own, not its prototype's (read inside the try: a getter may
    // throw); comparing costs less than asking `Object.hasOwn`
    return promise !== value || promise.then === Promise.prototype.then
      ? promise
      : awaited(promise);
  } catch (error) {
    return Promise.reject(error);
  }
}

// `await` reads a native promise's own state: its own `then` is not called
async function awaited<T>(promise: Promise<T>): Promise<T> {
  return await promise;
}

/**
 * Calls `fn(context)` and always returns a native promise that settles exactly once: a
 * synchronous throw (of anything) becomes a rejection; whatever `fn` returns is adopted as
 * `toPromise` does. Never throws.
 */
export function invoke<C, T>(fn: (context: C) => Awaitable<T>, context: C): Promise<T> {
  let result: Awaitable<T>;
  try {
    result = fn(context);
  } catch (error) {
    return Promise.reject(error);
  }
  return toPromise(result);
}
