import { abortReason, untilAborted } from '@dyno/core';
import type { CacheEntry } from '../entry.js';
import { notASignal } from './context.js';

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
  /**
   * Until when callers may still join this load (`Infinity` by default). A soft timeout answers
   * the load's promise with the previous value while the load goes on: a caller that joined it
   * later would get that value too, so past the previous value's `maxStale` the load is no longer
   * joined (it would serve a value too stale, for as long as a hung loader hangs).
   */
  joinableUntil: number;
}

/** Attached to every flight so that a load nobody awaits never reports an unhandled rejection. */
export const ignore = (): void => {};

/** A load that a plain `get` joins: one started by a miss, not a refresh or `forceRefresh`. */
export function joinsGets<V>(flight: Flight<V>): boolean {
  return !flight.background && !flight.forced;
}

/**
 * Whether a soft timeout already answered `flight`'s callers with the previous value (the load
 * goes on): a caller that joins it now gets that value, not the load's.
 */
export function answeredEarly<V>(flight: Flight<V>): boolean {
  return flight.joinableUntil !== Number.POSITIVE_INFINITY;
}

/**
 * Whether `flight` still answers with a value fit to serve: running (and not answered by a soft
 * timeout past `maxStale`), or landed and not yet expired.
 */
export function answersFresh<V>(flight: Flight<V>, now: number): boolean {
  const landed = flight.landed;
  return landed === undefined ? now < flight.joinableUntil : now < landed.expiry;
}

/**
 * Joins `flight` as one more waiter. A waiter with a signal leaves alone when it aborts; when the
 * last waiter of a load leaves (a background refresh too, once callers joined it), the load is
 * aborted and `abandon` forgets it.
 */
export function waitFor<V>(
  flight: Flight<V>,
  signal: AbortSignal | undefined,
  abandon: () => void,
): Promise<V> {
  // checked here, where a caller waits, not on the hit path (`null`, as fetch allows, threw
  // synchronously out of `get`)
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    return Promise.reject(notASignal(signal));
  }
  // counted with or without a signal: a caller that cannot leave keeps the load going
  flight.waiters++;
  return untilAborted(flight.promise, signal, () => {
    // a background refresh counts too: its waiters joined it once its value ran out, and if it
    // hangs, keeping it after they all left would make every later caller of the key join it
    if (--flight.waiters === 0 && flight.landed === undefined) {
      flight.controller.abort(abortReason(signal as AbortSignal));
      abandon();
    }
  });
}
