import type { Disposable } from '@dyno/core';
import type { ObservableBreaker, ObservableCache, ObservablePool } from '../observe-types.js';
import type { FactKind } from './source-facts.js';

// The sink lives here, not in observe.ts, because the bind functions of observe-fleet.ts,
// observe-http.ts and observe-shed.ts and the `Observation` of subscriptions.ts take it, and
// observe.ts imports them: keeping it apart keeps the package's imports one-way.

/** The narrow door through which an observed source writes into its `Metrics`. */
export interface Sink {
  count(slot: number): void;
  countOutcome(slot: number, latency: number | undefined): void;
  /** A pool task started, `active` tasks running with it. */
  poolStarted(active: number): void;
  setBreaker(breaker: ObservableBreaker): void;
  /**
   * The pool whose gauges are shown; `readStarts`: its starts are to be read at `begin()`. True
   * when they will be: one pool's are, so another's must be listened to.
   */
  setPool(pool: ObservablePool, readStarts: boolean): boolean;
  /** Counts one fact of an observed cache (`internal/cache-counts` slots); `loadTime` in ms. */
  cacheFact(slot: number, loadTime?: number): void;
  /** The cache whose facts are counted (its name is shown). */
  setCache(cache: ObservableCache): void;
  /** Makes `source` the shown source of `kind` (an HTTP source, hedge, rate limiter, fleet). */
  attach(kind: FactKind, source: object): void;
  /** Counts one fact of the source of `kind` (`internal/source-facts` slots). */
  fact(kind: FactKind, slot: number): void;
  /**
   * Forgets `source` if it is a source whose gauges or name are shown, and `observation`, the
   * disposed result of observing it.
   */
  detach(source: object, observation: Disposable): void;
}
