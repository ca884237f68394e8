import {
  type Awaitable,
  abortReason,
  type Clock,
  DisposedError,
  defaultName,
  type Event,
  EventEmitter,
  isThenable,
  resolveOptions,
  systemClock,
} from '@dyno/core';
import type { CacheEntry, CacheStore } from './entry.js';
import type { CacheErrorEvent, HitEvent, MissEvent, RefreshEvent } from './events.js';
import { type Flight, waitFor } from './internal/flight.js';
import { Loads } from './internal/load.js';
import { MemoryStore } from './memory-store.js';
import { CACHE_RULES, type CacheOptions, DEFAULT_CACHE_OPTIONS } from './options.js';
import type { RefreshPolicy } from './refresh.js';

const PKG = '@dyno/cache';

/** What a loader receives. */
export interface LoaderContext {
  /** Aborted when every caller waiting on this load has gone, or the cache is disposed. */
  readonly signal: AbortSignal;
  /** The key being loaded. */
  readonly key: string;
}

/** Computes the value of a key. */
export type CacheLoader<V> = (context: LoaderContext) => Awaitable<V>;

/** Options of one `Cache.get`. */
export interface CacheGetOptions {
  /** Stops this caller's wait (only this caller's: a shared load goes on for the others). */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `Cache.set`. */
export interface CacheSetOptions {
  /** Freshness of this value in ms. @default the cache's `ttl` */
  readonly ttl?: number | undefined;
}

/**
 * A cache that never dog-piles: one load per key at a time, fresh values refreshed early by a
 * refresh policy (XFetch by default) while callers keep getting the current value, optional
 * stale-while-revalidate, stale-if-error and negative caching. Expiry is read lazily from the
 * clock; the cache starts no timer of its own.
 */
export class Cache<V = unknown> {
  /** The name in events and errors. */
  readonly name: string;
  /** Where entries live. */
  readonly store: CacheStore;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #ttl: number;
  readonly #refresh: RefreshPolicy | false;
  readonly #swr: number;
  readonly #flights = new Map<string, Flight<V>>();
  readonly #loads: Loads<V>;
  readonly #hit = new EventEmitter<HitEvent>();
  readonly #miss = new EventEmitter<MissEvent>();
  readonly #refreshed = new EventEmitter<RefreshEvent>();
  readonly #error = new EventEmitter<CacheErrorEvent>();
  #disposed = false;

  /** A read served from the store. */
  readonly onHit: Event<HitEvent> = this.#hit.event;
  /** A read that waits for a load. */
  readonly onMiss: Event<MissEvent> = this.#miss.event;
  /** A recompute of a key that had a value (`early` or `expired`). */
  readonly onRefresh: Event<RefreshEvent> = this.#refreshed.event;
  /** A failed load, refresh or store operation. */
  readonly onError: Event<CacheErrorEvent> = this.#error.event;

  constructor(options?: CacheOptions) {
    const o = resolveOptions(PKG, options, CACHE_RULES, DEFAULT_CACHE_OPTIONS as CacheOptions);
    const store = o.store;
    if (store !== undefined && options?.maxEntries !== undefined) {
      throw new TypeError(`${PKG}: options \`store\` and \`maxEntries\` cannot be used together`);
    }
    if (
      store?.clock !== undefined &&
      options?.clock !== undefined &&
      options.clock !== store.clock
    ) {
      throw new TypeError(`${PKG}: option \`clock\` differs from the store's clock`);
    }
    this.store = store ?? new MemoryStore({ maxEntries: o.maxEntries });
    this.name = o.name ?? defaultName('cache');
    this.#clock = store?.clock ?? o.clock ?? systemClock;
    this.#random = o.random ?? Math.random;
    this.#ttl = o.ttl ?? Number.POSITIVE_INFINITY;
    this.#refresh = o.refresh ?? false;
    this.#swr = o.staleWhileRevalidate ?? 0;
    this.#loads = new Loads<V>({
      name: this.name,
      store: this.store,
      clock: this.#clock,
      ttl: this.#ttl,
      staleWhileRevalidate: this.#swr,
      staleIfError: o.staleIfError ?? 0,
      negativeTtl: o.negativeTtl ?? 0,
      flights: this.#flights,
      refreshed: this.#refreshed,
      error: this.#error,
    });
  }

  /**
   * The value of `key`: from the store when fresh (maybe starting an early refresh in the
   * background), else from `loader`, shared with every other caller of the key meanwhile.
   */
  get(key: string, loader: CacheLoader<V>, options?: CacheGetOptions): Promise<V> {
    if (this.#disposed) return Promise.reject(new DisposedError('Cache', this.name));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let found: Awaitable<CacheEntry | undefined>;
    try {
      found = this.store.get(key);
    } catch (error) {
      this.#storeFailed(key, error);
      found = undefined;
    }
    if (!isThenable<CacheEntry | undefined>(found)) return this.#serve(key, found, loader, signal);
    return Promise.resolve(found).then(
      (entry) => this.#serveLater(key, entry, loader, signal),
      (error: unknown) => {
        this.#storeFailed(key, error);
        return this.#serveLater(key, undefined, loader, signal);
      },
    );
  }

  /** Stores `value` under `key` as if just loaded (with no recompute time known). */
  async set(key: string, value: V, options?: CacheSetOptions): Promise<void> {
    this.#checkLive();
    const ttl = options?.ttl;
    if (ttl !== undefined) resolveOptions(PKG, { ttl }, { ttl: CACHE_RULES.ttl }, {});
    const now = this.#clock.now();
    const entry: CacheEntry = { value, delta: 0, created: now, expiry: now + (ttl ?? this.#ttl) };
    await this.store.set(key, entry, this.#loads.keep(entry.expiry - now));
  }

  /** Removes `key`; a load already running for it still completes. */
  async delete(key: string): Promise<void> {
    this.#checkLive();
    await this.store.delete(key);
  }

  /** Removes every entry of the store. */
  async clear(): Promise<void> {
    this.#checkLive();
    await this.store.clear();
  }

  /**
   * The value a `get` would serve now without loading (fresh, or stale within
   * stale-while-revalidate), or `undefined`. Starts nothing, emits nothing, refreshes no recency.
   */
  async peek(key: string): Promise<V | undefined> {
    this.#checkLive();
    const store = this.store;
    const entry = await (store.peek ? store.peek(key) : store.get(key));
    if (entry === undefined || entry.negative) return undefined;
    return this.#clock.now() < entry.expiry + this.#swr ? (entry.value as V) : undefined;
  }

  /** The number of loads running (foreground and background). */
  get loading(): number {
    return this.#flights.size;
  }

  /** Aborts running loads and refuses later calls with `DisposedError`. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const reason = new DisposedError('Cache', this.name);
    for (const flight of this.#flights.values()) flight.controller.abort(reason);
    this.#flights.clear();
    for (const e of [this.#hit, this.#miss, this.#refreshed, this.#error]) e.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #checkLive(): void {
    if (this.#disposed) throw new DisposedError('Cache', this.name);
  }

  #serveLater(
    key: string,
    entry: CacheEntry | undefined,
    loader: CacheLoader<V>,
    signal: AbortSignal | undefined,
  ): Promise<V> {
    if (this.#disposed) return Promise.reject(new DisposedError('Cache', this.name));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return this.#serve(key, entry, loader, signal);
  }

  #serve(
    key: string,
    entry: CacheEntry | undefined,
    loader: CacheLoader<V>,
    signal: AbortSignal | undefined,
  ): Promise<V> {
    const now = this.#clock.now();
    let flight = this.#flights.get(key);
    if (entry !== undefined) {
      const expiry = entry.expiry;
      if (now < expiry) {
        if (this.#hit.hasListeners) this.#hit.emit({ name: this.name, key, stale: false });
        if (entry.negative) return Promise.reject(entry.error);
        const refresh = this.#refresh;
        if (
          flight === undefined &&
          refresh !== false &&
          refresh.shouldRefresh(entry, now, this.#random)
        ) {
          this.#loads.launch(key, entry, loader, true, expiry);
        }
        return Promise.resolve(entry.value as V);
      }
      // past expiry: still served while its early refresh runs, or within stale-while-revalidate
      if (!entry.negative && (now < expiry + this.#swr || flight?.early === expiry)) {
        if (this.#hit.hasListeners) this.#hit.emit({ name: this.name, key, stale: true });
        if (flight === undefined) this.#loads.launch(key, entry, loader, true, undefined);
        return Promise.resolve(entry.value as V);
      }
    }
    if (this.#miss.hasListeners) this.#miss.emit({ name: this.name, key });
    if (flight === undefined) flight = this.#loads.launch(key, entry, loader, false, undefined);
    return this.#wait(key, flight, signal);
  }

  #wait(key: string, flight: Flight<V>, signal: AbortSignal | undefined): Promise<V> {
    return waitFor(flight, signal, () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
  }

  #storeFailed(key: string, error: unknown): void {
    this.#loads.report(key, 'store', error, false);
  }
}
