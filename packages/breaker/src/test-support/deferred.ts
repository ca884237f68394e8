// Helpers for the tests; test-support/ is left out of the build.
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A promise settled by hand, to hold a call in flight. */
export function deferred<T = unknown>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const ok = (): Promise<string> => Promise.resolve('ok');
export const fail = (): Promise<never> => Promise.reject(new Error('boom'));
