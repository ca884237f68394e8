import { abortReason, untilAborted } from '@dyno/core';

/**
 * One load of one key, shared by every caller of the key in this process (single-flight).
 * `background` loads were started for a key that still had a value to serve; nobody waits on
 * them unless the value runs out while they run.
 */
export interface Flight<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  readonly background: boolean;
  /** The expiry of the entry an early refresh replaces: readers keep getting it meanwhile. */
  readonly early: number | undefined;
  waiters: number;
}

/** Attached to every flight so that a load nobody awaits never reports an unhandled rejection. */
export const ignore = (): void => {};

/**
 * Joins `flight` as one more waiter. A waiter with a signal leaves alone when it aborts; when the
 * last waiter of a foreground load leaves, the load is aborted and `abandon` forgets it.
 */
export function waitFor<V>(
  flight: Flight<V>,
  signal: AbortSignal | undefined,
  abandon: () => void,
): Promise<V> {
  flight.waiters++;
  return untilAborted(flight.promise, signal, () => {
    if (--flight.waiters === 0 && !flight.background) {
      flight.controller.abort(abortReason(signal as AbortSignal));
      abandon();
    }
  });
}
