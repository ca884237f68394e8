import type { Awaitable, Clock, Event } from '@dyno/core';

/**
 * What a store keeps under a key. Times are on the cache's clock (the store's own `clock` when it
 * has one), in milliseconds.
 */
export interface CacheEntry<V = unknown> {
  /** The cached value (`undefined` in a negative entry). */
  readonly value: V;
  /** How long the recompute that produced the value took, in ms: XFetch's `delta`. */
  readonly delta: number;
  /** When the value was stored. */
  readonly created: number;
  /** When the value stops being fresh; `Infinity` when it never does. */
  readonly expiry: number;
  /** True for a cached failure (negative caching); `error` holds what the loader threw. */
  readonly negative?: boolean | undefined;
  /** The loader's error in a negative entry. */
  readonly error?: unknown;
  /**
   * The tags given by `set(key, value, { tags })` or by the loader (`context.setTags`), for
   * `deleteByTag`; absent when there are none. A store that persists entries round-trips them.
   */
  readonly tags?: readonly string[] | undefined;
}

/**
 * A cross-process single-flight lease, offered by shared stores: while one process holds it for a
 * key, the others keep serving the current value instead of recomputing.
 */
export interface StoreLease {
  /** How long a lease lasts unless released, in ms. */
  readonly ttl: number;
  /** How often a process with nothing to serve looks again for the holder's value, in ms. */
  readonly retry: number;
  /** Takes the lease on `key`; resolves a token when taken, `undefined` when someone holds it. */
  acquire(key: string): Awaitable<string | undefined>;
  /** Gives the lease back if `token` still holds it (compare-and-delete). */
  release(key: string, token: string): Awaitable<void>;
  /**
   * Extends the lease `token` holds by `ttl` ms; answers `false` when it is no longer held. The
   * cache calls it every `ttl / 2` ms while its leased load runs; when it answers `false`, the
   * load still answers its own callers but is not written (another process may own the key now).
   */
  renew?(key: string, token: string): Awaitable<boolean>;
  /**
   * Resolves when the lease on `key` is released (a pub/sub message, say) or after `ms`,
   * whichever comes first, and at once when `signal` aborts; leaves nothing behind. What it
   * resolves with is ignored. Without it the cache sleeps `retry` ms between looks.
   */
  wait?(key: string, ms: number, signal: AbortSignal): Promise<unknown>;
}

/**
 * Where a `Cache` keeps its entries. Every method may answer synchronously or with a promise (the
 * memory store answers synchronously, so a hit costs no extra turn of the event loop). A method
 * that throws or rejects is reported as an `error` event and the cache carries on without it.
 */
export interface CacheStore {
  /**
   * The time line entries are written on, for stores shared between processes (whose
   * `performance.now()` differ). A cache on this store uses it as its clock.
   */
  readonly clock?: Clock | undefined;
  /** A cross-process single-flight lease, when the store offers one. */
  readonly lease?: StoreLease | undefined;
  /**
   * The entry under `key`, counting as a use for eviction. `now` is the cache's current time: a
   * store without a time line of its own uses it to drop what has outlived its `keep`.
   */
  get(key: string, now?: number): Awaitable<CacheEntry | undefined>;
  /** The entry under `key` without counting as a use. Falls back to `get` when absent. */
  peek?(key: string, now?: number): Awaitable<CacheEntry | undefined>;
  /**
   * Stores `entry`; `keep` is how long from `now` it stays useful in ms (freshness plus any stale
   * windows), `Infinity` for ever: a store may drop it after that.
   */
  set(key: string, entry: CacheEntry, keep: number, now?: number): Awaitable<void>;
  /** Removes the entry under `key`. */
  delete(key: string): Awaitable<void>;
  /** Removes every entry. */
  clear(): Awaitable<void>;
  /**
   * Removes every entry whose `tags` include `tag`. Optional: without it, a `Cache` remembers the
   * invalidation in its own process and treats older entries with the tag as absent.
   */
  deleteByTag?(tag: string): Awaitable<void>;
  /**
   * Removes every entry whose key starts with `prefix`. Optional, with the same fallback as
   * `deleteByTag`.
   */
  deletePrefix?(prefix: string): Awaitable<void>;
  /**
   * The writes other processes made to this store, as the store hears of them (a shared store
   * with a message bus). Optional. A `Cache` on the store takes each as a write of its own to
   * the keys it covers: a load of such a key running here answers its callers but writes nothing,
   * so a load that began before another process's `set` or `delete` does not write over it.
   */
  readonly onRemoteWrite?: Event<RemoteWrite> | undefined;
  /**
   * The tier of this store kept in this process, which answers at once (`TieredStore`'s memory
   * tier). Optional. While the cache's store circuit is open (the shared tier failing), the
   * cache still serves what this tier holds instead of loading every key: a brownout of the
   * shared tier must not send every hot key to the loader.
   */
  readonly memory?: { get(key: string, now?: number): CacheEntry | undefined } | undefined;
}

/** A write another process made to a shared store (`CacheStore.onRemoteWrite`). */
export interface RemoteWrite {
  /**
   * `set` / `delete`: one key was written or removed (a refresh is a `set`); `clear`: every
   * entry; `tag`: every entry with the tag; `prefix`: every key starting with it.
   */
  readonly type: 'set' | 'delete' | 'clear' | 'tag' | 'prefix';
  /** The key, tag or prefix (`''` for `clear`). */
  readonly key: string;
}
