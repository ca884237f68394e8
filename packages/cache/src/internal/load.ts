import { abortReason, type Clock, type EventEmitter, invoke } from '@dyno/core';
// type-only, so no runtime cycle: the loader's type belongs with the public `Cache`
import type { CacheLoader } from '../cache.js';
import type { CacheEntry, CacheStore } from '../entry.js';
import { CacheTimeoutError } from '../errors.js';
import type { CacheErrorEvent, LoadEvent, RefreshEvent, StaleEvent } from '../events.js';
import { LoadContext } from './context.js';
import { type Flight, ignore } from './flight.js';
import { keepLease, release, takeLease } from './lease.js';
import type { StoreGuard } from './store-guard.js';

/** What a cache's loads share with the cache itself. */
export interface LoadSettings<V> {
  readonly name: string;
  readonly store: CacheStore;
  readonly clock: Clock;
  readonly ttl: number;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  readonly negativeTtl: number;
  readonly maxStale: number;
  /** `Infinity` when not set, as the two below. */
  readonly softTimeout: number;
  readonly hardTimeout: number;
  readonly storeTimeout: number;
  /** The running loads by key: the cache reads it on every `get`, the loads remove themselves. */
  readonly flights: Map<string, Flight<V>>;
  /** Forgets a flight that ended (the cache may keep it a little longer for pending reads). */
  readonly finished: (key: string, flight: Flight<V>) => void;
  readonly guard: StoreGuard;
  readonly refreshed: EventEmitter<RefreshEvent>;
  readonly error: EventEmitter<CacheErrorEvent>;
  readonly stale: EventEmitter<StaleEvent>;
  readonly load: EventEmitter<LoadEvent>;
}

/** How one flight ends: the first call of either wins (a soft timeout may answer early). */
interface Outcome<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

/**
 * The load side of a `Cache`: starts a single-flight load, takes the store's lease when it has
 * one, bounds the loader by the soft and hard timeouts, answers the callers, then writes the
 * result (or a negative entry) without making them wait, unless a newer write overtook it. The
 * serve decision stays in `Cache.get`, the hot path; everything here runs once per load.
 */
export class Loads<V> {
  readonly #s: LoadSettings<V>;

  constructor(settings: LoadSettings<V>) {
    this.#s = settings;
  }

  /**
   * Starts loading `key` and registers the flight so that later callers share it. `began` is when
   * the get that needs it started: its store calls share one `storeTimeout` budget from then.
   */
  launch(
    key: string,
    previous: CacheEntry | undefined,
    loader: CacheLoader<V>,
    background: boolean,
    early: CacheEntry | undefined,
    forced = false,
    began: number = this.#s.clock.now(),
  ): Flight<V> {
    const controller = new AbortController();
    let outcome!: Outcome<V>;
    const promise = new Promise<V>((resolve, reject) => {
      let done = false;
      outcome = {
        resolve(value) {
          if (done) return;
          done = true;
          resolve(value);
        },
        reject(error) {
          if (done) return;
          done = true;
          reject(error);
        },
      };
    });
    const flight: Flight<V> = {
      promise,
      controller,
      background,
      forced,
      early,
      waiters: 0,
      overtaken: false,
      landed: undefined,
    };
    this.#s.flights.set(key, flight);
    promise.catch(ignore);
    void this.#run(key, flight, previous, loader, forced, outcome, began + this.#s.storeTimeout);
    return flight;
  }

  /** How long a store should keep an entry fresh for `ttl` ms: its stale windows included. */
  keep(ttl: number): number {
    return (
      ttl + Math.min(this.#s.maxStale, Math.max(this.#s.staleWhileRevalidate, this.#s.staleIfError))
    );
  }

  /** Emits an `error` event (building it only when someone listens). */
  report(
    key: string,
    during: CacheErrorEvent['during'],
    error: unknown,
    servedStale: boolean,
  ): void {
    const emitter = this.#s.error;
    if (emitter.hasListeners) {
      emitter.emit({ name: this.#s.name, key, during, error, servedStale });
    }
  }

  /** Emits a `stale` event. */
  stale(key: string, reason: StaleEvent['reason'], expiry: number, now: number): void {
    const emitter = this.#s.stale;
    if (emitter.hasListeners) {
      emitter.emit({ name: this.#s.name, key, reason, age: now - expiry });
    }
  }

  async #run(
    key: string,
    flight: Flight<V>,
    previous: CacheEntry | undefined,
    loader: CacheLoader<V>,
    forced: boolean,
    outcome: Outcome<V>,
    deadline: number,
  ): Promise<void> {
    const s = this.#s;
    const { store, clock, guard } = s;
    const signal = flight.controller.signal;
    const usable = previous !== undefined && !previous.negative ? previous : undefined;
    let token: string | undefined;
    let stillHeld: (() => boolean) | undefined;
    let soft: unknown;
    let started = Number.NaN;
    let timedOut = false;
    try {
      const lease = store.lease;
      // a get whose store read used up its budget loads without the lease
      const now = clock.now();
      if (lease !== undefined && now >= guard.openUntil && now < deadline) {
        const step = await takeLease(
          store,
          lease,
          key,
          usable,
          flight.background,
          clock,
          signal,
          guard,
          deadline,
        );
        if (step.serve !== undefined) return outcome.resolve(step.serve.value as V);
        token = step.token;
        if (token !== undefined)
          stillHeld = keepLease(lease, key, token, clock, this.#onStoreError);
      }
      if ((forced || previous !== undefined) && s.refreshed.hasListeners) {
        const reason = forced ? 'forced' : flight.early === undefined ? 'expired' : 'early';
        s.refreshed.emit({ name: s.name, key, reason });
      }
      const context = new LoadContext(key, signal);
      started = clock.now();
      if (usable !== undefined && !flight.background && s.softTimeout < Number.POSITIVE_INFINITY) {
        soft = clock.setTimeout(() => {
          const now = clock.now();
          if (now >= usable.expiry + s.maxStale) return;
          this.stale(key, 'timeout', usable.expiry, now);
          outcome.resolve(usable.value as V);
        }, s.softTimeout);
      }
      const value = await this.#call(loader, context, key, flight, () => {
        timedOut = true;
      });
      if (signal.aborted) throw abortReason(signal);
      const end = clock.now();
      this.#loaded(key, end - started, 'success', flight.background);
      outcome.resolve(value);
      const held = stillHeld === undefined || stillHeld();
      stillHeld = undefined;
      if (context.skip || flight.overtaken || !held) return;
      const ttl = context.ttl ?? s.ttl;
      const delta = end - started;
      const tags = context.tags;
      const entry: CacheEntry =
        tags === undefined
          ? { value, delta, created: end, expiry: end + ttl }
          : { value, delta, created: end, expiry: end + ttl, tags };
      flight.landed = entry.expiry;
      const writing = guard.writeBack(key, entry, this.keep(ttl), end);
      if (writing !== undefined) await writing;
    } catch (error) {
      const now = clock.now();
      if (!Number.isNaN(started)) {
        this.#loaded(key, now - started, timedOut ? 'timeout' : 'failure', flight.background);
      }
      if (signal.aborted && !timedOut) return outcome.reject(error);
      const window = Math.min(s.staleIfError, s.maxStale);
      const stale = usable !== undefined && now < usable.expiry + window;
      const servedStale = stale || (flight.background && flight.waiters === 0);
      this.report(key, flight.background ? 'refresh' : 'load', error, servedStale);
      if (stale) {
        this.stale(key, 'error', usable.expiry, now);
        return outcome.resolve(usable.value as V);
      }
      outcome.reject(error);
      const negativeTtl = s.negativeTtl;
      if (negativeTtl > 0 && !flight.background && !flight.overtaken) {
        const entry: CacheEntry = {
          value: undefined,
          delta: 0,
          created: now,
          expiry: now + negativeTtl,
          negative: true,
          error,
        };
        flight.landed = entry.expiry;
        const writing = guard.writeBack(key, entry, negativeTtl, now);
        if (writing !== undefined) await writing;
      }
    } finally {
      clock.clearTimeout(soft);
      stillHeld?.();
      s.finished(key, flight);
      if (token !== undefined) release(store.lease!, key, token, this.#onStoreError);
    }
  }

  /** Calls the loader, giving up after `hardTimeout` (its signal aborts with the timeout). */
  #call(
    loader: CacheLoader<V>,
    context: LoadContext,
    key: string,
    flight: Flight<V>,
    onTimeout: () => void,
  ): Promise<V> {
    const running = invoke(loader, context);
    const { hardTimeout, clock, name } = this.#s;
    if (hardTimeout === Number.POSITIVE_INFINITY) return running;
    return new Promise<V>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        const error = new CacheTimeoutError('load', hardTimeout, key, name);
        onTimeout();
        flight.controller.abort(error);
        reject(error);
      }, hardTimeout);
      running.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #loaded(key: string, duration: number, outcome: LoadEvent['outcome'], background: boolean) {
    const emitter = this.#s.load;
    if (emitter.hasListeners) {
      emitter.emit({ name: this.#s.name, key, duration, outcome, background });
    }
  }

  readonly #onStoreError = (key: string, error: unknown): void => this.#s.guard.failed(key, error);
}
