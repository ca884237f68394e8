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
   * callers waiting).
   */
  readonly reason: 'early' | 'expired';
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
