import { type Disposable, toDisposable } from '@dyno/core';

/** One `Disposable` for several subscriptions, running `after` once they are gone. */
export function release(subs: readonly Disposable[], after: () => void): Disposable {
  return toDisposable(() => {
    for (const sub of subs) sub.dispose();
    after();
  });
}
