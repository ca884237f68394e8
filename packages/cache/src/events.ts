/** A read served from the store. */
export interface HitEvent {
  /** The cache's name. */
  readonly name: string;
  readonly key: string;
  /** True when the value served is past its expiry (stale-while-revalidate or early refresh). */
  readonly stale: boolean;
}

/** A read the store could not serve: the caller waits for a load. */
export interface MissEvent {
  /** The cache's name. */
  readonly name: string;
  readonly key: string;
}

/** A recompute of a key that had a value. */
export interface RefreshEvent {
  /** The cache's name. */
  readonly name: string;
  readonly key: string;
  /**
   * `early`: started before expiry by the refresh policy, callers keep the current value;
   * `expired`: started after expiry (in the background within stale-while-revalidate, or with
   * callers waiting); `forced`: asked for by `get(key, loader, { forceRefresh: true })`.
   */
  readonly reason: 'early' | 'expired' | 'forced';
}

/** A value past its expiry was served. */
export interface StaleEvent {
  /** The cache's name. */
  readonly name: string;
  readonly key: string;
  /**
   * `revalidate`: within stale-while-revalidate, or while the early refresh that replaces it runs
   * (an `onHit` with `stale: true` comes with it); `error`: its reload failed (stale-if-error);
   * `timeout`: its reload outlived `softTimeout`.
   */
  readonly reason: 'revalidate' | 'error' | 'timeout';
  /** How long past its expiry the value is, in ms. */
  readonly age: number;
}

/** A loader call ended. */
export interface LoadEvent {
  /** The cache's name. */
  readonly name: string;
  readonly key: string;
  /** From the loader's start to its end (or to the hard timeout), in ms on the cache's clock. */
  readonly duration: number;
  /** `timeout`: it outlived `hardTimeout` and its callers got `CacheTimeoutError`. */
  readonly outcome: 'success' | 'failure' | 'timeout';
  /** True for a background refresh (callers were served another value meanwhile). */
  readonly background: boolean;
}

/** The cache stopped using its store after repeated failures (`open`), or uses it again. */
export interface StoreCircuitEvent {
  /** The cache's name. */
  readonly name: string;
  readonly state: 'open' | 'closed';
}

/** Something failed; the cache carried on. */
export interface CacheErrorEvent {
  /** The cache's name. */
  readonly name: string;
  readonly key: string;
  /** What failed: the loader with callers waiting, a background refresh, or the store. */
  readonly during: 'load' | 'refresh' | 'store';
  readonly error: unknown;
  /** True when an old value was served instead (stale-if-error or a failed background refresh). */
  readonly servedStale: boolean;
}
