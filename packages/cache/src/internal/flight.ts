import { abortReason, untilAborted } from '@dyno/core';
import type { CacheEntry } from '../entry.js';

/**
 * One load of one key, shared by every caller of the key in this process (single-flight).
 * `background` loads were started for a key that still had a value to serve; nobody waits on
 * them unless the value runs out while they run.
 */
export interface Flight<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  readonly background: boolean;
  /** Started by `forceRefresh`: other callers still read the store before joining it. */
  readonly forced: boolean;
  /**
   * The entry an early refresh replaces: readers keep getting it meanwhile (within `maxStale`),
   * even once it has expired or the store has let it go (decision 37). `undefined` for any other
   * load.
   */
  readonly early: CacheEntry | undefined;
  waiters: number;
  /**
   * A write (`set`, `delete`, an invalidation) came after this load started: it no longer
   * stands for the key, so it answers its own callers but writes nothing, and later callers do
   * not join it.
   */
  overtaken: boolean;
  /**
   * The entry this load produced, set when it lands and its write-back starts: callers arriving
   * while the write-back runs take its value (the store may not have it yet) while it is fresh.
   */
  landed: CacheEntry | undefined;
}

/** Attached to every flight so that a load nobody awaits never reports an unhandled rejection. */
export const ignore = (): void => {};

/** A load that a plain `get` joins: one started by a miss, not a refresh or `forceRefresh`. */
export function joinsGets<V>(flight: Flight<V>): boolean {
  return !flight.background && !flight.forced;
}

/** Whether `flight` still answers with a fresh value: running, or landed and not yet expired. */
export function answersFresh<V>(flight: Flight<V>, now: number): boolean {
  return flight.landed === undefined || now < flight.landed.expiry;
}

/**
 * Joins `flight` as one more waiter. A waiter with a signal leaves alone when it aborts; when the
 * last waiter of a foreground load leaves, the load is aborted and `abandon` forgets it.
 */
export function waitFor<V>(
  flight: Flight<V>,
  signal: AbortSignal | undefined,
  abandon: () => void,
): Promise<V> {
  // counted with or without a signal: a caller that cannot leave keeps the load going
  flight.waiters++;
  return untilAborted(flight.promise, signal, () => {
    if (--flight.waiters === 0 && !flight.background && flight.landed === undefined) {
      flight.controller.abort(abortReason(signal as AbortSignal));
      abandon();
    }
  });
}
