import { invoke } from '@dyno/core';

/** A promise's resolve function. */
export type Resolve<T> = (value: T | PromiseLike<T>) => void;
/** A promise's reject function. */
export type Reject = (reason: unknown) => void;

let capturedResolve: Resolve<never> | undefined;
let capturedReject: Reject | undefined;

// One shared executor instead of a closure per promise: it runs synchronously inside
// `new Promise`, so the module variables are read back before anything else can run.
function executor(resolve: Resolve<never>, reject: Reject): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** Makes a promise; read its settle functions at once with `takeResolve` and `takeReject`. */
export function newPromise<T>(): Promise<T> {
  return new Promise<T>(executor);
}

/** The resolve function of the promise `newPromise` just made. */
export function takeResolve<T>(): Resolve<T> {
  return capturedResolve as Resolve<T>;
}

/** The reject function of the promise `newPromise` just made. */
export function takeReject(): Reject {
  return capturedReject as Reject;
}

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
