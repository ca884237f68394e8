export { type Deferred, deferred } from '@dyno/core/testing';

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
