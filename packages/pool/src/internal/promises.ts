import { invoke } from '@dyno/core';

/** A promise's resolve function. */
export type Resolve<T> = (value: T | PromiseLike<T>) => void;
/** A promise's reject function. */
export type Reject = (reason: unknown) => void;

/** A promise with its settle functions (`Promise.withResolvers`, which Node 20 lacks). */
export interface WithResolvers<T> {
  readonly promise: Promise<T>;
  readonly resolve: Resolve<T>;
  readonly reject: Reject;
}

/** Makes a promise and hands out its settle functions. */
export function withResolvers<T>(): WithResolvers<T> {
  let resolve!: Resolve<T>;
  let reject!: Reject;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// Read once at load: a task's native promise may carry its own `then`, and a later patch of
// `Promise.prototype.then` must not change how the pool counts its slots.
const promiseThen = Promise.prototype.then;

/**
 * Calls `fn(context)` and attaches `onValue`/`onError` so that exactly one of them runs exactly
 * once, whatever `fn` does: a synchronous throw (of anything), a plain value, a promise, a
 * Promise subclass or a thenable that calls back twice, calls both or throws after calling
 * back. The native `then` of a native promise is used, never the result's own.
 */
export function runTask<C, T, R>(
  fn: (context: C) => T | PromiseLike<T>,
  context: C,
  onValue: (value: T) => R,
  onError: (error: unknown) => R,
): Promise<R> {
  // core's invoke adopts anything into a native promise that settles once
  return promiseThen.call(invoke(fn, context), onValue, onError) as Promise<R>;
}
