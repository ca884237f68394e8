import { abortReason, type Clock, type EventEmitter, invoke } from '@dyno/core';
// type-only, so no runtime cycle: the loader's type belongs with the public `Cache`
import type { CacheLoader } from '../cache.js';
import type { CacheEntry, CacheStore } from '../entry.js';
import type { CacheErrorEvent, RefreshEvent } from '../events.js';
import { type Flight, ignore } from './flight.js';
import { release, takeLease } from './lease.js';

/** What a cache's loads share with the cache itself. */
export interface LoadSettings<V> {
  readonly name: string;
  readonly store: CacheStore;
  readonly clock: Clock;
  readonly ttl: number;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  readonly negativeTtl: number;
  /** The running loads by key: the cache reads it on every `get`, the loads remove themselves. */
  readonly flights: Map<string, Flight<V>>;
  readonly refreshed: EventEmitter<RefreshEvent>;
  readonly error: EventEmitter<CacheErrorEvent>;
}

/**
 * The load side of a `Cache`: starts a single-flight load, takes the store's lease when it has
 * one, writes the result (or a negative entry), and falls back to a stale value on failure. The
 * serve decision stays in `Cache.get`, the hot path; everything here runs once per load.
 */
export class Loads<V> {
  readonly #s: LoadSettings<V>;

  constructor(settings: LoadSettings<V>) {
    this.#s = settings;
  }

  /** Starts loading `key` and registers the flight so that later callers share it. */
  launch(
    key: string,
    previous: CacheEntry | undefined,
    loader: CacheLoader<V>,
    background: boolean,
    early: number | undefined,
  ): Flight<V> {
    const controller = new AbortController();
    let settle!: (promise: Promise<V>) => void;
    const promise = new Promise<V>((resolve) => {
      settle = resolve;
    });
    const flight: Flight<V> = { promise, controller, background, early, waiters: 0 };
    this.#s.flights.set(key, flight);
    promise.catch(ignore);
    // settled only after the flight is registered, so a synchronous loader still shares
    settle(this.#run(key, flight, previous, loader));
    return flight;
  }

  /** How long a store should keep an entry fresh for `ttl` ms: its stale windows included. */
  keep(ttl: number): number {
    return ttl + Math.max(this.#s.staleWhileRevalidate, this.#s.staleIfError);
  }

  /** Emits an `error` event (building it only when someone listens). */
  report(key: string, during: CacheErrorEvent['during'], error: unknown, servedStale: boolean) {
    const emitter = this.#s.error;
    if (emitter.hasListeners) {
      emitter.emit({ name: this.#s.name, key, during, error, servedStale });
    }
  }

  async #run(
    key: string,
    flight: Flight<V>,
    previous: CacheEntry | undefined,
    loader: CacheLoader<V>,
  ): Promise<V> {
    const { store, clock, ttl, refreshed } = this.#s;
    const signal = flight.controller.signal;
    const usable = previous !== undefined && !previous.negative ? previous : undefined;
    let token: string | undefined;
    try {
      const lease = store.lease;
      if (lease !== undefined) {
        const step = await takeLease(
          store,
          lease,
          key,
          usable,
          flight.background,
          clock,
          signal,
          this.#onStoreError,
        );
        if (step.serve !== undefined) return step.serve.value as V;
        token = step.token;
      }
      if (previous !== undefined && refreshed.hasListeners) {
        const reason = flight.early === undefined ? 'expired' : 'early';
        refreshed.emit({ name: this.#s.name, key, reason });
      }
      const start = clock.now();
      const value = await invoke(loader, { signal, key });
      if (signal.aborted) throw abortReason(signal);
      const end = clock.now();
      const entry: CacheEntry = { value, delta: end - start, created: end, expiry: end + ttl };
      await this.#write(key, entry, ttl);
      return value;
    } catch (error) {
      if (signal.aborted) throw error;
      const stale = usable !== undefined && clock.now() < usable.expiry + this.#s.staleIfError;
      const servedStale = stale || (flight.background && flight.waiters === 0);
      this.report(key, flight.background ? 'refresh' : 'load', error, servedStale);
      if (stale) return usable.value as V;
      const negativeTtl = this.#s.negativeTtl;
      if (negativeTtl > 0 && !flight.background) {
        const now = clock.now();
        const entry: CacheEntry = {
          value: undefined,
          delta: 0,
          created: now,
          expiry: now + negativeTtl,
          negative: true,
          error,
        };
        await this.#write(key, entry, negativeTtl);
      }
      throw error;
    } finally {
      const flights = this.#s.flights;
      if (flights.get(key) === flight) flights.delete(key);
      if (token !== undefined) release(store.lease!, key, token, this.#onStoreError);
    }
  }

  async #write(key: string, entry: CacheEntry, ttl: number): Promise<void> {
    try {
      await this.#s.store.set(key, entry, this.keep(ttl));
    } catch (error) {
      this.report(key, 'store', error, false);
    }
  }

  readonly #onStoreError = (key: string, error: unknown): void =>
    this.report(key, 'store', error, false);
}
