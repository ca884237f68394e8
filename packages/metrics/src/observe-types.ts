import type { Event } from '@dyno/core';

// The shapes of the breaker, pool, retry and cache that `observe` takes live here, not in
// observe.ts, because internal/sink.ts and internal/subscriptions.ts, which observe.ts imports,
// need them too: keeping them apart keeps the package's imports one-way. The other sources'
// shapes live beside their bind functions (observe-fleet.ts, observe-http.ts, observe-shed.ts).

/**
 * The states of a `@dyno/breaker` circuit. `disabled` is count-only mode: every call runs and
 * outcomes still count, so it is not open.
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated' | 'disabled';

/** What `observe` needs of a circuit breaker (a `@dyno/breaker` `CircuitBreaker` fits). */
export interface ObservableBreaker {
  readonly name: string;
  readonly state: CircuitState | string;
  readonly onStateChange: Event<{
    readonly name: string;
    readonly from: string;
    readonly to: string;
  }>;
  /** Used only with `{ outcomes: true }`. */
  readonly onSuccess?: Event<{ readonly name: string; readonly duration: number }>;
  /** Used only with `{ outcomes: true }`. */
  readonly onFailure?: Event<{ readonly name: string; readonly duration: number }>;
  /** Used only with `{ outcomes: true }`. */
  readonly onReject?: Event<{ readonly name: string }>;
}

/** What `observe` needs of a bulkhead (a `@dyno/pool` `Pool` fits). */
export interface ObservablePool {
  readonly name: string;
  readonly active: number;
  readonly queued: number;
  readonly concurrency: number;
  readonly queue: number;
  /**
   * Tasks that timed out, were given back their slot and have not settled yet (a `@dyno/pool`
   * gauge); read at snapshot time, 0 for a pool without it.
   */
  readonly abandoned?: number;
  /**
   * The concurrency limit now (a `@dyno/pool` gauge: where an adaptive limit stands); read at
   * snapshot time, `concurrency` for a pool without it.
   */
  readonly limit?: number;
  /** An adaptive limit's settings (`min` and `max` are read), `undefined` for a fixed one. */
  readonly adaptive?: { readonly min: number; readonly max: number } | undefined;
  /** Tasks that took a slot since the pool was made; needed only with `{ poolStarts: 'begin' }`. */
  readonly started?: number;
  readonly onStart: Event<{ readonly name: string; readonly active: number }>;
  readonly onReject: Event<{ readonly name: string; readonly reason: string }>;
  readonly onSettle: Event<{
    readonly name: string;
    readonly duration: number;
    readonly outcome: string;
  }>;
}

/** What `observe` needs of a retry (a `@dyno/retry` `Retry` fits). */
export interface ObservableRetry {
  readonly name: string;
  readonly onRetry: Event<{ readonly name: string; readonly attempt: number }>;
}

/**
 * What `observe` needs of a cache (a `@dyno/cache` `Cache` fits): `onHit` and `onMiss`, and
 * whichever of the others it has.
 */
export interface ObservableCache {
  readonly name: string;
  readonly onHit: Event<{ readonly name: string }>;
  readonly onMiss: Event<{ readonly name: string }>;
  readonly onStale?: Event<{ readonly name: string }>;
  readonly onRefresh?: Event<{ readonly name: string }>;
  readonly onLoad?: Event<{
    readonly name: string;
    readonly duration: number;
    readonly outcome: string;
  }>;
  readonly onError?: Event<{ readonly name: string; readonly during: string }>;
  readonly onStoreCircuit?: Event<{ readonly name: string; readonly state: string }>;
  /**
   * The cache's store, looked at once when the cache is observed: a store with `onBusState`
   * and `onError` (`@dyno/cache-redis`'s `TieredStore`) has its bus drops, bus errors and the
   * Redis read failures it absorbed counted too. Typed `object`: any store fits.
   */
  readonly store?: object;
}

/**
 * What `observe` reads of an observed cache's store, when it has them (`@dyno/cache-redis`'s
 * `TieredStore` fits): its invalidation bus going down, and failures it absorbed.
 */
export interface ObservableCacheStore {
  readonly onBusState?: Event<{ readonly connected: boolean }>;
  readonly onError?: Event<{ readonly during: string }>;
}
