/** A promise settled from outside, for tasks a test finishes by hand. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Makes a `Deferred`. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Records how a promise settled, without leaving an unhandled rejection behind. */
export function track<T>(promise: Promise<T>): {
  readonly state: string;
  readonly value?: T;
  readonly error?: unknown;
} {
  const box: { state: string; value?: T; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => {
      box.state = 'fulfilled';
      box.value = value;
    },
    (error) => {
      box.state = 'rejected';
      box.error = error;
    },
  );
  return box;
}
