import { abortReason, type Clock, type EventEmitter, invoke, untilAborted } from '@dyno/core';
import type { CacheEntry, CacheStore } from '../entry.js';
import { CacheTimeoutError } from '../errors.js';
import type { CacheErrorEvent, LoadEvent, RefreshEvent, StaleEvent } from '../events.js';
import type { CacheLoader } from '../loader.js';
import { LoadContext } from './context.js';
import { type Flight, ignore, joinsGets } from './flight.js';
import { type HeldLease, type LeaseRequest, takeLease } from './lease.js';
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
  /** `Infinity` when not set, as the two below: a timeout that never fires. */
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

/** A load to start: of which key, why, and from which entry. */
export interface LoadRequest<V> {
  readonly key: string;
  readonly loader: CacheLoader<V>;
  /**
   * Why: `'miss'` (its callers wait for it), `'forced'` (`forceRefresh`), `'revalidate'` (a
   * stale value is served meanwhile) or `'early'` (an early refresh of a fresh value, served
   * meanwhile). The last two run in the background.
   */
  readonly kind: 'miss' | 'forced' | 'revalidate' | 'early';
  /** The entry the key had: an expired (maybe negative) one, or the one an early refresh replaces. */
  readonly previous?: CacheEntry | undefined;
  /**
   * When the `get` that needs the load started: its store calls share one `storeTimeout` budget
   * from then. @default now
   */
  readonly began?: number | undefined;
}

/** How one flight answers its callers: the first call of either wins, as for any promise. */
interface Outcome<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

/** A started load, as `#run` and its steps see it. */
interface Run<V> {
  readonly key: string;
  readonly loader: CacheLoader<V>;
  readonly flight: Flight<V>;
  /** The entry the key had (a refresh of it, even of a negative one, is announced). */
  readonly previous: CacheEntry | undefined;
  /** `previous` unless it is a negative entry: answered on a soft timeout or a failure. */
  readonly usable: CacheEntry | undefined;
  readonly outcome: Outcome<V>;
  /** The end of the store budget of the `get` that started the load, on the clock. */
  readonly deadline: number;
  /** When the load was asked for, on the clock. */
  readonly began: number;
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

  /** Starts a load and registers its flight so that later callers of the key share it. */
  launch(request: LoadRequest<V>): Flight<V> {
    const s = this.#s;
    const { key, kind, previous } = request;
    const began = request.began ?? s.clock.now();
    let outcome!: Outcome<V>;
    const promise = new Promise<V>((resolve, reject) => {
      outcome = { resolve, reject };
    });
    const flight: Flight<V> = {
      promise,
      controller: new AbortController(),
      background: kind === 'revalidate' || kind === 'early',
      forced: kind === 'forced',
      early: kind === 'early' ? previous : undefined,
      waiters: 0,
      overtaken: false,
      landed: undefined,
      joinableUntil: Number.POSITIVE_INFINITY,
    };
    s.flights.set(key, flight);
    promise.catch(ignore);
    const usable = previous?.negative ? undefined : previous;
    const deadline = began + s.storeTimeout;
    const loader = request.loader;
    void this.#run({ key, loader, flight, previous, usable, outcome, deadline, began });
    return flight;
  }

  /**
   * Starts an early refresh of the fresh `entry` (served meanwhile). Three arguments, so that the
   * call stays small inside `Cache`'s hit path (decision 82).
   */
  refreshEarly(key: string, entry: CacheEntry, loader: CacheLoader<V>): void {
    this.launch({ key, loader, kind: 'early', previous: entry });
  }

  /** How long a store should keep an entry fresh for `ttl` ms: its stale windows included. */
  keep(ttl: number): number {
    const s = this.#s;
    return ttl + Math.min(s.maxStale, Math.max(s.staleWhileRevalidate, s.staleIfError));
  }

  /** Emits an `error` event (building it only when someone listens). */
  report(event: Omit<CacheErrorEvent, 'name'>): void {
    const emitter = this.#s.error;
    if (emitter.hasListeners) emitter.emit({ name: this.#s.name, ...event });
  }

  /** Emits a `stale` event: a value `age` ms past its expiry was served. */
  stale(key: string, reason: StaleEvent['reason'], age: number): void {
    const emitter = this.#s.stale;
    if (emitter.hasListeners) emitter.emit({ name: this.#s.name, key, reason, age });
  }

  async #run(run: Run<V>): Promise<void> {
    const { key, flight, outcome } = run;
    const { clock } = this.#s;
    const signal = flight.controller.signal;
    let held: HeldLease | undefined;
    let soft: unknown;
    let started: number | undefined;
    let timedOut = false;
    let context: LoadContext | undefined;
    try {
      // awaited only with a lease: without one the loader is called before `get` returns
      const lease = this.#leaseRequest(run);
      if (lease !== undefined) {
        const step = await takeLease(lease);
        if (step.serve !== undefined) return outcome.resolve(step.serve.value as V);
        held = step.held;
      }
      this.#announceRefresh(run);
      context = new LoadContext(key, signal);
      started = clock.now();
      soft = this.#softTimeout(run);
      const value = await this.#call(run, context, () => {
        timedOut = true;
      });
      if (signal.aborted) throw abortReason(signal);
      const end = clock.now();
      // never negative, even when the clock went back meanwhile (a shared store's wall clock): a
      // negative delta never refreshes early, and a Redis store reads its entry as corrupt
      const took = Math.max(0, end - started);
      this.#loaded(run, took, 'success');
      outcome.resolve(value);
      const stillHeld = held === undefined || held.stopRenewing();
      if (context.skip || flight.overtaken || !stillHeld) return;
      const ttl = context.ttl ?? this.#s.ttl;
      const entry = newEntry(value, {
        created: end,
        delta: took,
        ttl,
        tags: context.tags,
      });
      const writing = this.#land(run, entry, this.keep(ttl));
      // awaited only for an asynchronous store: with a synchronous one the flight is forgotten
      // before the callers resume, so their next `get` reads the store (and may refresh early)
      if (writing !== undefined) await writing;
    } catch (error) {
      const now = clock.now();
      if (started !== undefined) {
        this.#loaded(run, Math.max(0, now - started), timedOut ? 'timeout' : 'failure');
      }
      // aborted by its callers leaving or by `dispose`, not by its own hard timeout
      if (signal.aborted && !timedOut) return outcome.reject(error);
      const writing = this.#failed(run, error, now, context?.skip === true);
      if (writing !== undefined) await writing;
    } finally {
      clock.clearTimeout(soft);
      held?.stopRenewing();
      this.#s.finished(key, flight);
      held?.release();
    }
  }

  /** The lease step's request, when the store has a lease and the `get`'s budget is not spent. */
  #leaseRequest(run: Run<V>): LeaseRequest | undefined {
    const { store, clock, guard } = this.#s;
    const lease = store.lease;
    const now = clock.now();
    // a get whose store read used up its budget loads without the lease
    if (lease === undefined || guard.skips(now) || now >= run.deadline) return undefined;
    const { key, usable, flight, deadline } = run;
    const { background, forced, controller } = flight;
    return {
      store,
      lease,
      guard,
      clock,
      key,
      usable,
      background,
      // `forceRefresh` skips the stored value: only one written since counts
      newerThan: forced ? run.began : Number.NEGATIVE_INFINITY,
      signal: controller.signal,
      deadline,
    };
  }

  /** Emits `refresh` for a load that replaces a value (`early`, `expired`), or a forced one. */
  #announceRefresh({ key, flight, previous }: Run<V>): void {
    const s = this.#s;
    if ((flight.forced || previous !== undefined) && s.refreshed.hasListeners) {
      const reason = flight.forced ? 'forced' : flight.early === undefined ? 'expired' : 'early';
      s.refreshed.emit({ name: s.name, key, reason });
    }
  }

  /**
   * After `softTimeout`, a foreground load with a value to fall back on answers that value
   * (unless it is past `maxStale`) and goes on loading. Answers the timer, if one was set.
   */
  #softTimeout({ key, flight, usable, outcome }: Run<V>): unknown {
    const { clock, softTimeout, maxStale } = this.#s;
    if (usable === undefined || flight.background || !(softTimeout < Number.POSITIVE_INFINITY)) {
      return undefined;
    }
    return clock.setTimeout(() => {
      const now = clock.now();
      const until = usable.expiry + maxStale;
      // `!(now < until)`: an entry without a numeric expiry (a foreign store's) is never served
      if (!(now < until)) return;
      this.stale(key, 'timeout', now - usable.expiry);
      outcome.resolve(usable.value as V);
      flight.joinableUntil = until;
    }, softTimeout);
  }

  /**
   * Calls the loader, giving up after `hardTimeout` (its signal aborts with the timeout), and as
   * soon as its signal aborts: a loader that ignores its signal must not keep the load (its lease
   * renewals, its timers) going after every caller left or the cache was disposed.
   */
  #call({ key, loader, flight }: Run<V>, context: LoadContext, onTimeout: () => void): Promise<V> {
    const running = untilAborted(invoke(loader, context), context.signal);
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

  /**
   * A failed load answers the previous value within stale-if-error, else the error, and then
   * writes a negative entry when `negativeTtl` is set (a load that callers of `get` wait for
   * only: a background refresh, or a forced one, which other callers never join, must not put
   * its failure over the value they are served), unless the loader called `noCache()` before
   * it failed. Answers that write when the store is asynchronous.
   */
  #failed(run: Run<V>, error: unknown, now: number, noCache: boolean): void | Promise<void> {
    const s = this.#s;
    const { key, flight, usable, outcome } = run;
    const stale =
      usable !== undefined && now < usable.expiry + Math.min(s.staleIfError, s.maxStale);
    const servedStale = stale || (flight.background && flight.waiters === 0);
    this.report({ key, during: flight.background ? 'refresh' : 'load', error, servedStale });
    if (stale) {
      this.stale(key, 'error', now - usable.expiry);
      outcome.resolve(usable.value as V);
      return;
    }
    outcome.reject(error);
    const negativeTtl = s.negativeTtl;
    if (!(negativeTtl > 0) || noCache || !joinsGets(flight) || flight.overtaken) return;
    const entry: CacheEntry = {
      value: undefined,
      delta: 0,
      created: now,
      expiry: now + negativeTtl,
      negative: true,
      error,
    };
    return this.#land(run, entry, negativeTtl);
  }

  /**
   * Ties the entry the load produced to its flight, then writes it back for `keep` ms. Answers
   * the write when the store is asynchronous.
   */
  #land({ key, flight }: Run<V>, entry: CacheEntry, keep: number): void | Promise<void> {
    flight.landed = entry;
    return this.#s.guard.writeBack(key, entry, keep, entry.created);
  }

  #loaded({ key, flight }: Run<V>, duration: number, outcome: LoadEvent['outcome']): void {
    const emitter = this.#s.load;
    if (emitter.hasListeners) {
      emitter.emit({ name: this.#s.name, key, duration, outcome, background: flight.background });
    }
  }
}

/** What a new entry's times and tags are made from. */
interface NewEntry {
  readonly created: number;
  /** How long the loader took (XFetch's `delta`): 0 for a value given to `set`. */
  readonly delta: number;
  readonly ttl: number;
  readonly tags: readonly string[] | undefined;
}

/**
 * A fresh entry for `value`, as `Cache.set` and a landed load write it. An entry without tags has
 * no `tags` key at all (not one set to `undefined`): stores and their tests see exactly that.
 */
export function newEntry(value: unknown, { created, delta, ttl, tags }: NewEntry): CacheEntry {
  const expiry = created + ttl;
  return tags === undefined
    ? { value, delta, created, expiry }
    : { value, delta, created, expiry, tags };
}
