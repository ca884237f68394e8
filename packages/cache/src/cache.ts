import {
  type Awaitable,
  abortReason,
  type Clock,
  checkOptions,
  type Disposable,
  DisposedError,
  defaultName,
  type Event,
  EventEmitter,
  isThenable,
  toDisposable,
} from '@dyno/core';
import type { CacheEntry, CacheStore, RemoteWrite } from './entry.js';
import type {
  CacheErrorEvent,
  HitEvent,
  LoadEvent,
  MissEvent,
  RefreshEvent,
  StaleEvent,
  StoreCircuitEvent,
} from './events.js';
import { checkKey, checkTags, checkTtl, checkValue, refusedLoad } from './internal/context.js';
import { answeredEarly, answersFresh, type Flight, joinsGets, waitFor } from './internal/flight.js';
import { Invalidations } from './internal/invalidations.js';
import { Loads, newEntry } from './internal/load.js';
import { type CacheSettings, settingsOf } from './internal/settings.js';
import { StoreGuard } from './internal/store-guard.js';
import type { CacheLoader } from './loader.js';
import type { CacheOptions } from './options.js';
import type { RefreshPolicy } from './refresh.js';

const PKG = '@dyno/cache';

/** Options of one `Cache.get`. */
export interface CacheGetOptions {
  /** Stops this caller's wait (only this caller's: a shared load goes on for the others). */
  readonly signal?: AbortSignal | undefined;
  /**
   * Skips the stored value and loads (joining a load already running for the key, if any).
   * @default false
   */
  readonly forceRefresh?: boolean | undefined;
}

/** Options of `Cache.set`. */
export interface CacheSetOptions {
  /** Freshness of this value in ms (`Infinity`: for ever). @default the cache's `ttl` */
  readonly ttl?: number | undefined;
  /** Tags of this value, for `deleteByTag`. @default none */
  readonly tags?: readonly string[] | undefined;
}

/**
 * A cache that never dog-piles: one load per key at a time, fresh values refreshed early by a
 * refresh policy (XFetch by default) while callers keep getting the current value, optional
 * stale-while-revalidate, stale-if-error and negative caching. Expiry is read lazily from the
 * clock; the cache starts no timer of its own except to bound loads and store calls.
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
  readonly #maxStale: number;
  readonly #flights = new Map<string, Flight<V>>();
  // async store reads in progress, shared by the callers of a key until its flight starts
  readonly #reads = new Map<string, Promise<CacheEntry | undefined>>();
  // reads a write overtook: what they answer may be older than the write
  readonly #dropped = new WeakSet<Promise<CacheEntry | undefined>>();
  readonly #loads: Loads<V>;
  readonly #guard: StoreGuard;
  readonly #invalid = new Invalidations();
  // made in the constructor, once the name is known: a throwing listener is reported under
  // `@dyno/cache "<name>" <event>`, so that its owner can be told from any other
  readonly #hit: EventEmitter<HitEvent>;
  readonly #miss: EventEmitter<MissEvent>;
  readonly #refreshed: EventEmitter<RefreshEvent>;
  readonly #error: EventEmitter<CacheErrorEvent>;
  readonly #stale: EventEmitter<StaleEvent>;
  readonly #load: EventEmitter<LoadEvent>;
  readonly #circuit: EventEmitter<StoreCircuitEvent>;
  // the subscription to the store's writes from other processes, when it reports them
  readonly #remote: Disposable | undefined;
  #disposed = false;

  /** A read served from the store (or from a load that just landed). */
  readonly onHit: Event<HitEvent>;
  /** A read that waits for a load. */
  readonly onMiss: Event<MissEvent>;
  /** A value past its expiry was served (`revalidate`, `error` or `timeout`). */
  readonly onStale: Event<StaleEvent>;
  /** A recompute of a key that had a value (`early`, `expired`), or a forced one. */
  readonly onRefresh: Event<RefreshEvent>;
  /** A loader call ended (`success`, `failure` or `timeout`), with its duration. */
  readonly onLoad: Event<LoadEvent>;
  /** A failed load, refresh or store operation. */
  readonly onError: Event<CacheErrorEvent>;
  /** The cache stopped using its store after repeated failures, or uses it again. */
  readonly onStoreCircuit: Event<StoreCircuitEvent>;

  constructor(options?: CacheOptions) {
    const o: CacheSettings = settingsOf(options);
    this.store = o.store;
    this.name = o.name ?? defaultName('cache');
    const source = (event: string) => `@dyno/cache ${JSON.stringify(this.name)} ${event}`;
    this.#hit = new EventEmitter(source('onHit'));
    this.#miss = new EventEmitter(source('onMiss'));
    this.#refreshed = new EventEmitter(source('onRefresh'));
    this.#error = new EventEmitter(source('onError'));
    this.#stale = new EventEmitter(source('onStale'));
    this.#load = new EventEmitter(source('onLoad'));
    this.#circuit = new EventEmitter(source('onStoreCircuit'));
    this.onHit = this.#hit.event;
    this.onMiss = this.#miss.event;
    this.onStale = this.#stale.event;
    this.onRefresh = this.#refreshed.event;
    this.onLoad = this.#load.event;
    this.onError = this.#error.event;
    this.onStoreCircuit = this.#circuit.event;
    this.#clock = o.clock;
    this.#random = o.random;
    this.#ttl = o.ttl;
    this.#refresh = o.refresh;
    this.#swr = o.staleWhileRevalidate;
    this.#maxStale = o.maxStale;
    const report = (key: string, error: unknown) =>
      this.#loads.report({ key, during: 'store', error, servedStale: false });
    this.#guard = new StoreGuard({
      name: this.name,
      store: this.store,
      clock: this.#clock,
      timeout: o.storeTimeout,
      failures: o.circuitFailures,
      cooldown: o.circuitCooldown,
      circuit: this.#circuit,
      report,
    });
    this.#loads = new Loads<V>({
      ...o,
      name: this.name,
      flights: this.#flights,
      finished: (key, flight) => this.#finished(key, flight),
      guard: this.#guard,
      refreshed: this.#refreshed,
      error: this.#error,
      stale: this.#stale,
      load: this.#load,
    });
    this.#remote = this.#listenWeakly(this.store);
  }

  /**
   * Subscribes to the store's writes from other processes without the store holding the cache:
   * a cache nobody disposes (a `cached` function made per request on a shared `TieredStore`)
   * used to stay alive with its listener for as long as the store (about 4.5 KB each, and a
   * call per bus message). Once the cache is collected, its subscription is disposed.
   */
  #listenWeakly(store: CacheStore): Disposable | undefined {
    if (store.onRemoteWrite === undefined) return undefined;
    const self = new WeakRef<Cache<V>>(this);
    const subscription = store.onRemoteWrite((write) => {
      const cache = self.deref();
      if (cache !== undefined) cache.#overtake(coveredBy(write));
    });
    collected.register(this, subscription, subscription);
    return toDisposable(() => {
      collected.unregister(subscription);
      subscription.dispose();
    });
  }

  /**
   * The value of `key`: from the store when fresh (maybe starting an early refresh in the
   * background), else from `loader`, shared with every other caller of the key meanwhile (the
   * store read included: callers arriving while it runs share it).
   */
  get(key: string, loader: CacheLoader<V>, options?: CacheGetOptions): Promise<V> {
    if (this.#disposed) return Promise.reject(new DisposedError('Cache', this.name));
    if (options !== undefined) return this.#getWith(key, loader, options);
    const now = this.#clock.now();
    // the usual case (nothing loading or being read, the store in use) goes straight to the
    // store: `get` and `#serve` are kept under V8's inlining limit (460 bytes of bytecode; they
    // were 699 and 569), so a hit is compiled into its caller instead of making two calls
    if (this.#flights.size === 0 && this.#reads.size === 0 && !(now < this.#guard.openUntil)) {
      return this.#lookup(key, loader, undefined, now, undefined);
    }
    return this.#busy(key, loader, undefined, now);
  }

  /**
   * `get` with options, each read once: options that are not an object, or a getter of theirs
   * that throws, reject the call. Kept out of `get`, which stays small for the inlining above.
   */
  #getWith(key: string, loader: CacheLoader<V>, options: CacheGetOptions): Promise<V> {
    let signal: AbortSignal | undefined;
    let force: boolean;
    try {
      checkOptions(PKG, options);
      signal = options.signal;
      // a look-alike `{ aborted: true }` goes on, to be refused as no signal where signals are checked
      if (signal?.aborted && signal instanceof AbortSignal)
        return Promise.reject(abortReason(signal));
      force = options.forceRefresh === true;
    } catch (error) {
      return Promise.reject(error);
    }
    if (force) return this.#force(key, loader, signal);
    const now = this.#clock.now();
    if (this.#flights.size === 0 && this.#reads.size === 0 && !(now < this.#guard.openUntil)) {
      return this.#lookup(key, loader, signal, now, undefined);
    }
    return this.#busy(key, loader, signal, now);
  }

  /**
   * Stores `value` under `key` as if just loaded; a load of `key` running now will not overwrite
   * it. A promise or thenable `value` is refused (`TypeError`): await it first.
   */
  async set(key: string, value: V, options?: CacheSetOptions): Promise<void> {
    this.#checkLive();
    checkKey(key);
    checkOptions(PKG, options);
    const ttl = options?.ttl === undefined ? this.#ttl : checkTtl('ttl', options.ttl);
    const tags = options?.tags === undefined ? undefined : checkTags('tags', options.tags);
    checkValue(value);
    this.#overtake((k) => k === key);
    const now = this.#clock.now();
    const entry = newEntry(value, { created: now, delta: 0, ttl, tags });
    const keep = this.#loads.keep(ttl);
    await this.#guard.user(key, () => this.store.set(key, entry, keep, now));
  }

  /** Removes `key`; a load of it running now still answers its callers but writes nothing. */
  async delete(key: string): Promise<void> {
    this.#checkLive();
    checkKey(key);
    this.#overtake((k) => k === key);
    await this.#guard.user(key, () => this.store.delete(key));
  }

  /** Removes every entry of the store. */
  async clear(): Promise<void> {
    this.#checkLive();
    this.#overtake(() => true);
    // the records of tag and prefix invalidations go once the store has let go of the entries
    // they cover: a clear that failed, or reads while it runs, would find them again
    const mark = this.#invalid.mark();
    await this.#guard.user('*', () => this.store.clear());
    this.#invalid.forget(mark);
  }

  /**
   * Removes every entry tagged `tag` (see `set`'s `tags` and the loader's `setTags`). Loads
   * running now write nothing (their tags are not known before they land).
   */
  async deleteByTag(tag: string): Promise<void> {
    this.#checkLive();
    checkTags('tag', [tag]);
    this.#overtake(() => true);
    const store = this.store;
    if (store.deleteByTag === undefined) return this.#invalid.tag(tag, this.#clock.now());
    await this.#guard.user(tag, () => store.deleteByTag?.(tag));
  }

  /** Removes every entry whose key starts with `prefix`; loads of such keys write nothing. */
  async deletePrefix(prefix: string): Promise<void> {
    this.#checkLive();
    if (typeof prefix !== 'string') {
      throw new TypeError(`@dyno/cache: \`prefix\` must be a string; received ${typeof prefix}`);
    }
    this.#overtake((k) => k.startsWith(prefix));
    const store = this.store;
    if (store.deletePrefix === undefined) return this.#invalid.prefix(prefix, this.#clock.now());
    await this.#guard.user(prefix, () => store.deletePrefix?.(prefix));
  }

  /**
   * The value a `get` would serve now without loading (fresh, or stale within
   * stale-while-revalidate), or `undefined`. Starts nothing, emits nothing, refreshes no recency.
   */
  async peek(key: string): Promise<V | undefined> {
    this.#checkLive();
    checkKey(key);
    const store = this.store;
    const now = this.#clock.now();
    const found = await this.#guard.attempt(key, () =>
      store.peek ? store.peek(key, now) : store.get(key, now),
    );
    const entry = this.#valid(key, found ?? undefined);
    if (entry === undefined || entry.negative) return undefined;
    const until = entry.expiry + Math.min(this.#swr, this.#maxStale);
    return this.#clock.now() < until ? (entry.value as V) : undefined;
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
    this.#remote?.dispose();
    for (const e of [
      this.#hit,
      this.#miss,
      this.#refreshed,
      this.#error,
      this.#stale,
      this.#load,
      this.#circuit,
    ]) {
      e.clear();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #checkLive(): void {
    if (this.#disposed) throw new DisposedError('Cache', this.name);
  }

  /**
   * Loads that a write made out of date: they answer their callers but write nothing. Store
   * reads of the keys it covers are no longer shared: one that began before the write may
   * answer the old entry, so callers after the write read again.
   */
  #overtake(covers: (key: string) => boolean): void {
    for (const [key, flight] of this.#flights) if (covers(key)) this.#forget(key, flight);
    for (const [key, read] of this.#reads) {
      if (!covers(key)) continue;
      this.#reads.delete(key);
      this.#dropped.add(read);
    }
  }

  /**
   * Forgets an ended flight. A store read of its key still pending may have started before the
   * write-back landed and come back empty: the flight stays joinable until that read is handled.
   */
  #finished(key: string, flight: Flight<V>): void {
    const read = this.#reads.size === 0 ? undefined : this.#reads.get(key);
    if (read === undefined) {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
      return;
    }
    const forget = () => this.#finished(key, flight);
    read.then(forget, forget);
  }

  /** `entry`, unless an invalidation remembered for a store without `deleteByTag` covers it. */
  #valid(key: string, entry: CacheEntry | undefined): CacheEntry | undefined {
    if (entry === undefined || !this.#invalid.active || !this.#invalid.covers(key, entry)) {
      return entry;
    }
    this.#guard.attempt(key, () => this.store.delete(key), { write: true });
    return undefined;
  }

  #force(key: string, loader: CacheLoader<V>, signal: AbortSignal | undefined): Promise<V> {
    const refused = refusedLoad(key, loader, signal);
    if (refused !== undefined) return Promise.reject(refused);
    let flight = this.#flights.get(key);
    // a load a soft timeout answered would answer the previous value: it is overtaken (it is
    // older than the forced one, and must not write over it) and a forced load starts
    if (flight !== undefined && flight.landed === undefined && answeredEarly(flight)) {
      this.#forget(key, flight);
      flight = undefined;
    }
    if (flight === undefined || flight.landed !== undefined) {
      flight = this.#loads.launch({ key, loader, kind: 'forced' });
    }
    if (this.#miss.hasListeners) this.#miss.emit({ name: this.name, key });
    return this.#wait(key, flight, signal);
  }

  /** Joins a foreground load; one that landed (its write-back still running) answers at once. */
  #join(key: string, flight: Flight<V>, signal: AbortSignal | undefined): Promise<V> {
    if (flight.landed === undefined) {
      if (this.#miss.hasListeners) this.#miss.emit({ name: this.name, key });
    } else if (this.#hit.hasListeners) {
      this.#hit.emit({ name: this.name, key, stale: false });
    }
    return this.#wait(key, flight, signal);
  }

  /**
   * The load of `key` a `get` meets now, if any. A foreground load that landed long ago (its
   * write-back still hangs), or that a soft timeout answered with a value now past `maxStale`, is
   * forgotten first: its answer is no longer fit to serve. It is overtaken too, so that a load
   * still running writes nothing over the one the caller starts now.
   */
  #flightFor(key: string, now: number): Flight<V> | undefined {
    const flight = this.#flights.get(key);
    if (flight === undefined || !joinsGets(flight) || answersFresh(flight, now)) return flight;
    this.#forget(key, flight);
    return undefined;
  }

  /** Forgets `flight`, the load of `key`: it still answers its callers but writes nothing. */
  #forget(key: string, flight: Flight<V>): void {
    flight.overtaken = true;
    this.#flights.delete(key);
  }

  /** `get` while loads or store reads run, or while the store circuit is open. */
  #busy(
    key: string,
    loader: CacheLoader<V>,
    signal: AbortSignal | undefined,
    now: number,
  ): Promise<V> {
    const flight = this.#flightFor(key, now);
    if (flight !== undefined && joinsGets(flight)) return this.#join(key, flight, signal);
    if (this.#guard.skips(now)) {
      return this.#serve(key, this.#inMemory(key, now), loader, signal, now, flight);
    }
    const read = this.#reads.get(key);
    if (read !== undefined) return this.#after(read, key, loader, signal, now);
    return this.#lookup(key, loader, signal, now, flight);
  }

  /**
   * The entry of `key` in the store's own memory tier, when it has one: what the cache serves
   * while its store circuit is open. A tier that throws is no tier.
   */
  #inMemory(key: string, now: number): CacheEntry | undefined {
    const memory = this.store.memory;
    if (memory === undefined) return undefined;
    try {
      return memory.get(key, now) ?? undefined;
    } catch {
      return undefined;
    }
  }

  /** Reads the store; an asynchronous read is shared with the callers arriving meanwhile. */
  #lookup(
    key: string,
    loader: CacheLoader<V>,
    signal: AbortSignal | undefined,
    now: number,
    flight: Flight<V> | undefined,
  ): Promise<V> {
    const guard = this.#guard;
    let found: Awaitable<CacheEntry | undefined>;
    try {
      found = this.store.get(key, now);
    } catch (error) {
      guard.failed(key, error);
      return this.#serve(key, undefined, loader, signal, now, flight);
    }
    if (isThenable<CacheEntry | undefined>(found))
      return this.#share(found, key, loader, signal, now);
    if (guard.failures !== 0) guard.succeeded();
    // `?? undefined`: a store that answers a miss with `null` (as Redis's GET does) misses
    return this.#serve(key, found ?? undefined, loader, signal, now, flight);
  }

  /** Shares a pending store read with the callers of `key` arriving while it runs. */
  #share(
    found: PromiseLike<CacheEntry | undefined>,
    key: string,
    loader: CacheLoader<V>,
    signal: AbortSignal | undefined,
    now: number,
  ): Promise<V> {
    const reads = this.#reads;
    const read = Promise.resolve(this.#guard.attempt(key, () => found)).finally(() => {
      if (reads.get(key) === read) reads.delete(key);
    });
    reads.set(key, read);
    return this.#after(read, key, loader, signal, now);
  }

  #after(
    read: Promise<CacheEntry | undefined>,
    key: string,
    loader: CacheLoader<V>,
    signal: AbortSignal | undefined,
    began: number,
  ): Promise<V> {
    return read.then((entry) => {
      if (this.#disposed) throw new DisposedError('Cache', this.name);
      if (signal?.aborted) throw abortReason(signal);
      const now = this.#clock.now();
      const flight = this.#flightFor(key, now);
      if (flight !== undefined && joinsGets(flight)) return this.#join(key, flight, signal);
      const served = this.#serve(key, entry ?? undefined, loader, signal, now, flight, began);
      // a read that began before a write answers its own callers, but a load it started (an
      // early refresh, a reload) carries the entry it read and would serve it to callers after
      // the write: it is overtaken at once, so they read the store again
      const started = this.#dropped.has(read) ? this.#flights.get(key) : undefined;
      if (started !== undefined && started !== flight) this.#forget(key, started);
      return served;
    });
  }

  /** Serves a fresh entry (maybe starting an early refresh); anything else goes to `#expired`. */
  #serve(
    key: string,
    found: CacheEntry | undefined,
    loader: CacheLoader<V>,
    signal: AbortSignal | undefined,
    now: number,
    flight: Flight<V> | undefined,
    began: number = now,
  ): Promise<V> {
    let entry = this.#invalid.active ? this.#valid(key, found) : found;
    // the store may have let go of the entry an early refresh is replacing: it is still served
    if (entry === undefined && flight !== undefined) entry = flight.early;
    if (entry === undefined || !(now < entry.expiry)) {
      return this.#expired(key, entry, loader, signal, now, flight, began);
    }
    if (this.#hit.hasListeners) this.#hit.emit({ name: this.name, key, stale: false });
    if (entry.negative) return Promise.reject(entry.error);
    if (flight === undefined && this.#refresh !== false && this.#shouldRefresh(key, entry, now)) {
      this.#loads.refreshEarly(key, entry, loader);
    }
    return Promise.resolve(entry.value as V);
  }

  /**
   * The refresh policy's decision on a fresh `entry`. A policy (or a `random`) that throws is
   * reported as a failed refresh and means no refresh: a broken policy must never turn a hit
   * into a synchronous throw out of `get`.
   */
  #shouldRefresh(key: string, entry: CacheEntry, now: number): boolean {
    try {
      return (this.#refresh as RefreshPolicy).shouldRefresh(entry, now, this.#random);
    } catch (error) {
      this.#loads.report({ key, during: 'refresh', error, servedStale: true });
      return false;
    }
  }

  /**
   * An entry past its expiry, or none: served stale when a window allows (see `#staleEntry`),
   * else the caller waits for the running load or a new one.
   */
  #expired(
    key: string,
    found: CacheEntry | undefined,
    loader: CacheLoader<V>,
    signal: AbortSignal | undefined,
    now: number,
    flight: Flight<V> | undefined,
    began: number,
  ): Promise<V> {
    // checked where a load would start, not on the hit path: a bad key never reaches the store
    const refused = refusedLoad(key, loader, signal);
    if (refused !== undefined) return Promise.reject(refused);
    const stale = this.#staleEntry(found, flight, now);
    if (stale !== undefined) {
      if (this.#hit.hasListeners) this.#hit.emit({ name: this.name, key, stale: true });
      this.#loads.stale(key, 'revalidate', now - stale.expiry);
      if (flight === undefined) {
        this.#loads.launch({ key, loader, kind: 'revalidate', previous: stale });
      }
      return Promise.resolve(stale.value as V);
    }
    if (this.#miss.hasListeners) this.#miss.emit({ name: this.name, key });
    const running =
      flight ?? this.#loads.launch({ key, loader, kind: 'miss', previous: found, began });
    return this.#wait(key, running, signal);
  }

  /**
   * The entry to serve past its expiry, if any; never a negative one, never past `maxStale`.
   * While an early refresh runs, its callers keep the entry it replaces (decision 37): the
   * flight holds that entry, so whatever copy of it the store returns (or nothing) does not
   * matter. Otherwise `found` is served within stale-while-revalidate.
   */
  #staleEntry(
    found: CacheEntry | undefined,
    flight: Flight<V> | undefined,
    now: number,
  ): CacheEntry | undefined {
    const early = flight?.early;
    const entry = early ?? found;
    if (entry === undefined || entry.negative) return undefined;
    const window = early === undefined ? Math.min(this.#swr, this.#maxStale) : this.#maxStale;
    return now < entry.expiry + window ? entry : undefined;
  }

  #wait(key: string, flight: Flight<V>, signal: AbortSignal | undefined): Promise<V> {
    return waitFor(flight, signal, () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
  }
}

// disposes the store subscription of a cache that was collected without being disposed
const collected = new FinalizationRegistry<Disposable>((subscription) => subscription.dispose());

/** The keys a write covers. A tag covers every key: a load's tags are known only when it lands. */
function coveredBy({ type, key }: RemoteWrite): (k: string) => boolean {
  if (type === 'set' || type === 'delete') return (k) => k === key;
  if (type === 'prefix') return (k) => k.startsWith(key);
  return () => true;
}
