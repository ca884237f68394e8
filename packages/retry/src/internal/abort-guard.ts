import { abortReason, type Disposable, onAbort } from '@dyno/core';

type Reject = (reason: unknown) => void;

const noop: Reject = () => {};

/**
 * One abort listener for a whole call: `race(p)` settles with `p`, or rejects with the abort
 * reason the moment the signal aborts, without waiting for `p`.
 *
 * Each race has a promise of its own, and the guard keeps only the reject of the latest. Racing
 * against one promise made for the whole call (`Promise.race([p, aborted])`) added a reaction to
 * it per attempt that stayed until the call ended, each holding that attempt's settled race and
 * so its error: with `attempts: Infinity` a call failing for hours grew by about 700 B a retry.
 */
export class AbortGuard {
  readonly #signal: AbortSignal;
  readonly #subscription: Disposable;
  // rejects the race under way; after it settled, calling it does nothing
  #reject: Reject = noop;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    this.#subscription = onAbort(signal, () => this.#reject(abortReason(signal)));
  }

  race<T>(value: T | PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // aborted before this race began (by `fn` itself, say): no listener call is coming
      if (this.#signal.aborted) reject(abortReason(this.#signal));
      else this.#reject = reject;
      Promise.resolve(value).then(resolve, reject);
    });
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#reject = noop;
  }
}
