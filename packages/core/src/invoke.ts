/** A value, a promise or any thenable. */
export type Awaitable<T> = T | PromiseLike<T>;

/**
 * Calls `fn(context)` and always returns a promise: a synchronous throw becomes a rejection,
 * a plain value or a thenable is adopted. Never throws.
 */
export function invoke<C, T>(fn: (context: C) => Awaitable<T>, context: C): Promise<T> {
  try {
    const result = fn(context);
    return result instanceof Promise ? result : Promise.resolve(result);
  } catch (error) {
    return Promise.reject(error);
  }
}
