import { type Clock, is, type Rule, type Rules, systemClock } from '@dyno/core';
import type { CacheStore } from './entry.js';
import { type RefreshPolicy, xfetch } from './refresh.js';

/** Options of `Cache` (and of `cached`). */
export interface CacheOptions {
  /**
   * The cache's name in events and errors.
   * @default 'cache#n'
   */
  readonly name?: string | undefined;
  /**
   * How long a value stays fresh, in ms. Left out, values are cached for ever.
   * @default undefined (for ever)
   */
  readonly ttl?: number | undefined;
  /**
   * When a read of a fresh value starts an early refresh; `false` for a plain TTL cache.
   * @default xfetch() (beta 1)
   */
  readonly refresh?: RefreshPolicy | false | undefined;
  /**
   * For how long after expiry a value is still served at once while a refresh runs, in ms.
   * @default 0
   */
  readonly staleWhileRevalidate?: number | undefined;
  /**
   * For how long after expiry a value is served when its reload fails, in ms.
   * @default 0
   */
  readonly staleIfError?: number | undefined;
  /**
   * For how long a failed load is cached (callers get the same error without a reload), in ms;
   * 0 caches no failure.
   * @default 0
   */
  readonly negativeTtl?: number | undefined;
  /**
   * The longest a value is served past its expiry, in ms, whatever the reason (stale windows, an
   * early refresh still running, `softTimeout`). Past it, callers wait for the running load.
   * @default the longest of 60_000, `staleWhileRevalidate` and `staleIfError`
   */
  readonly maxStale?: number | undefined;
  /**
   * After how long a load with callers waiting serves them the previous value (if one is within
   * `maxStale`) while the load goes on and is stored when it lands, in ms. Left out, callers wait.
   * @default undefined (none)
   */
  readonly softTimeout?: number | undefined;
  /**
   * After how long a load is given up, in ms: its signal aborts with `CacheTimeoutError`, its
   * callers reject with it (or get a value within stale-if-error), its late result is dropped.
   * @default undefined (none)
   */
  readonly hardTimeout?: number | undefined;
  /**
   * One time budget for the store work of a `get` (read, lease, re-read), in ms; past it the read
   * counts as a miss. Each write-back and each `set`/`delete`/`clear` is bounded by it too (a
   * `set` or `delete` then rejects with `CacheTimeoutError`). `false`: no limit.
   * @default 1000
   */
  readonly storeTimeout?: number | false | undefined;
  /**
   * After `failures` store failures in a row (throws, rejections, `storeTimeout`), the cache
   * works without its store for `cooldown` ms: reads are misses (one load per key still),
   * write-backs are skipped; then it tries the store again. `false`: always use the store.
   * @default { failures: 5, cooldown: 10_000 }
   */
  readonly storeCircuit?: StoreCircuitOptions | false | undefined;
  /**
   * Where entries live. Not allowed together with `maxEntries`.
   * @default new MemoryStore({ maxEntries })
   */
  readonly store?: CacheStore | undefined;
  /**
   * The size of the default memory store, evicting the least recently used entry.
   * @default 1000
   */
  readonly maxEntries?: number | undefined;
  /**
   * The clock entries are timed on. A store with its own clock (a shared store) imposes it.
   * @default the store's clock, else systemClock
   */
  readonly clock?: Clock | undefined;
  /**
   * The source of randomness for the refresh decision, returning numbers in [0, 1).
   * @default Math.random
   */
  readonly random?: (() => number) | undefined;
}

/** Options of the cache's store circuit (`CacheOptions.storeCircuit`). */
export interface StoreCircuitOptions {
  /**
   * Store failures in a row that make the cache stop using its store.
   * @default 5
   */
  readonly failures?: number | undefined;
  /**
   * How long the cache works without its store before trying it again, in ms.
   * @default 10_000
   */
  readonly cooldown?: number | undefined;
}

/** The defaults of every `Cache` option. */
export const DEFAULT_CACHE_OPTIONS: Readonly<CacheOptions> = Object.freeze({
  name: undefined,
  ttl: undefined,
  refresh: xfetch(),
  staleWhileRevalidate: 0,
  staleIfError: 0,
  negativeTtl: 0,
  maxStale: undefined,
  softTimeout: undefined,
  hardTimeout: undefined,
  storeTimeout: 1000,
  storeCircuit: Object.freeze({ failures: 5, cooldown: 10_000 }),
  store: undefined,
  maxEntries: 1000,
  clock: systemClock,
  random: Math.random,
});

const refreshRule: Rule = Object.freeze({
  expected: 'a RefreshPolicy (xfetch(), staticRefresh(), ...) or false',
  test(v: unknown) {
    if (v === false) return undefined;
    if (typeof v !== 'object' || v === null) return 'type';
    return typeof (v as RefreshPolicy).shouldRefresh === 'function' ? undefined : 'type';
  },
});

const storeRule: Rule = Object.freeze({
  expected: 'a CacheStore (get, set, delete, clear)',
  test(v: unknown) {
    if (typeof v !== 'object' || v === null) return 'type';
    const s = v as Record<string, unknown>;
    const ok = ['get', 'set', 'delete', 'clear'].every((k) => typeof s[k] === 'function');
    const remote = s.onRemoteWrite === undefined || typeof s.onRemoteWrite === 'function';
    const memory = s.memory as { get?: unknown } | undefined;
    const local = memory === undefined || typeof memory?.get === 'function';
    return ok && remote && local ? undefined : 'type';
  },
});

/** The validation rules of `StoreCircuitOptions`. */
export const STORE_CIRCUIT_RULES: Rules<StoreCircuitOptions> = Object.freeze({
  failures: is.integer(1, 2 ** 31 - 1),
  cooldown: is.duration(0, true),
});

/** The validation rules of `CacheOptions`. */
export const CACHE_RULES: Rules<CacheOptions> = Object.freeze({
  name: is.string,
  ttl: is.duration(0, true),
  refresh: refreshRule,
  staleWhileRevalidate: is.duration(),
  staleIfError: is.duration(),
  negativeTtl: is.duration(),
  maxStale: is.duration(),
  softTimeout: is.duration(0, true),
  hardTimeout: is.duration(0, true),
  storeTimeout: is.either(is.duration(0, true), is.oneOf(false)),
  storeCircuit: is.either(is.object, is.oneOf(false)),
  store: storeRule,
  maxEntries: is.integer(1, 2 ** 31 - 1),
  clock: is.clock,
  random: is.function,
});
