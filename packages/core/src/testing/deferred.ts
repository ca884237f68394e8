/** A promise settled from outside, to hold a call in flight until the test says so. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  /** Resolves the promise (with `undefined` when no value is given). */
  resolve(value?: T | PromiseLike<T>): void;
  reject(error: unknown): void;
}

/** Makes a `Deferred`. */
export function deferred<T = unknown>(): Deferred<T> {
  let resolve!: (value?: T | PromiseLike<T>) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res as (value?: T | PromiseLike<T>) => void;
    reject = rej;
  });
  return { promise, resolve, reject };
}
