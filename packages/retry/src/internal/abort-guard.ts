import { abortReason, type Disposable, onAbort } from '@dyno/core';

const noop = (): void => {};

/**
 * One abort listener for a whole call: `race(p)` settles with `p`, or rejects with the abort
 * reason the moment the signal aborts, without waiting for `p`.
 */
export class AbortGuard {
  readonly #aborted: Promise<never>;
  readonly #subscription: Disposable;

  constructor(signal: AbortSignal) {
    let reject: (reason: unknown) => void = noop;
    this.#aborted = new Promise<never>((_, r) => {
      reject = r;
    });
    // the race handles it; this keeps an abort while no race runs from being "unhandled"
    this.#aborted.catch(noop);
    this.#subscription = onAbort(signal, () => reject(abortReason(signal)));
  }

  race<T>(value: T | PromiseLike<T>): Promise<T> {
    return Promise.race([value, this.#aborted]);
  }

  dispose(): void {
    this.#subscription.dispose();
  }
}
