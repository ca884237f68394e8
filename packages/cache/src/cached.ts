import { type Awaitable, is, validate } from '@dyno/core';
import { Cache } from './cache.js';
import type { CacheStore } from './entry.js';
import { CacheKeyError } from './errors.js';
import { identityOf, stableKey } from './key.js';
import { CACHE_RULES, type CacheOptions } from './options.js';

const PKG = '@dyno/cache';

/** Options of `cached`: those of `Cache`, plus how a call's arguments become a key. */
export interface CachedOptions<A extends unknown[]> extends CacheOptions {
  /**
   * Makes the key of a call from its arguments, replacing the stable encoding of all of them.
   * The function's namespace is still put in front, so two functions never share a key.
   * @default stableKey(args)
   */
  readonly key?: ((...args: A) => string) | undefined;
}

/** A memoised function, with its cache at hand. */
export interface CachedFunction<A extends unknown[], R> {
  (...args: A): Promise<R>;
  /** The cache behind the function (events, `delete`, `peek`, `dispose`). */
  readonly cache: Cache<R>;
  /** The store key of a call with `args`. */
  keyOf(...args: A): string;
  /**
   * What every key of this function starts with (its escaped namespace and `:`), so
   * `cache.deletePrefix(fn.prefix)` removes exactly this function's entries.
   */
  readonly prefix: string;
}

/**
 * Escapes `\` and `:` in a namespace, so that the first unescaped `:` of a key ends it: the
 * names `a:b` + arguments `c` and `a` + arguments `b:c` never make the same key.
 */
export function escapeNamespace(namespace: string): string {
  return namespace.replace(/[\\:]/g, '\\$&');
}

// Per store, which function owns a namespace: two functions given the same `name` on one store
// would read each other's values.
const owners = new WeakMap<CacheStore, Map<string, WeakRef<object>>>();
// a store's names are swept of functions that are gone once they double past this: a cached
// function made per request on a shared store (each its own `fn#n`) used to leave one entry each
const SWEEP_FROM = 64;
const sweepAt = new WeakMap<Map<string, WeakRef<object>>, number>();

/**
 * Memoises `fn`: calls with equal arguments share one cached value, loaded once at a time. Keys
 * are `namespace:arguments`, the namespace being `name` when given (keep it stable across
 * processes sharing a store) and otherwise unique to `fn` in this process.
 */
export function cached<A extends unknown[], R>(
  fn: (...args: A) => Awaitable<R>,
  options?: CachedOptions<A>,
): CachedFunction<A, R> {
  if (typeof fn !== 'function') {
    throw new TypeError(`${PKG}: cached() expects a function; received ${typeof fn}`);
  }
  const { key, ...rest } = validate<CachedOptions<A>>(PKG, options, {
    ...CACHE_RULES,
    key: is.function,
  });
  const cache = new Cache<R>(rest);
  const namespace = rest.name ?? `${fn.name || 'anonymous'}#${identityOf(fn)}`;
  claim(cache.store, namespace, fn);
  const prefix = `${escapeNamespace(namespace)}:`;
  const keyOf = (...args: A): string => {
    if (key === undefined) return prefix + stableKey(args);
    const custom: unknown = key(...args);
    if (typeof custom !== 'string') {
      throw new CacheKeyError(`${PKG}: option \`key\` must return a string`, cache.name);
    }
    return prefix + custom;
  };
  const memo = (...args: A): Promise<R> => {
    let k: string;
    try {
      k = keyOf(...args);
    } catch (error) {
      return Promise.reject(error);
    }
    if (key !== undefined) return cache.get(k, () => fn(...args));
    let calling = true;
    const answer = cache.get(k, (context) => {
      // an asynchronous store read (Redis) or a lease lets the caller change an argument before
      // the load begins: a value for other arguments must not answer, or be stored under, this
      // key. A load begun within the call (a synchronous store) needs no look; nor does one with
      // a `key` option, which may read more than the arguments
      if (!calling && !unchanged(prefix, args, k)) {
        context.noCache();
        throw new CacheKeyError(
          `${PKG}: the arguments of a call changed before its load began (or encode differently each time)`,
          cache.name,
        );
      }
      return fn(...args);
    });
    calling = false;
    return answer;
  };
  return Object.assign(memo, { cache, keyOf, prefix });
}

function unchanged(prefix: string, args: readonly unknown[], key: string): boolean {
  try {
    return prefix + stableKey(args) === key;
  } catch {
    return false;
  }
}

function claim(store: CacheStore, namespace: string, fn: object): void {
  let names = owners.get(store);
  if (names === undefined) {
    names = new Map();
    owners.set(store, names);
  }
  const owner = names.get(namespace)?.deref();
  if (owner !== undefined && owner !== fn) {
    throw new RangeError(
      `${PKG}: option \`name\` "${namespace}" is used by another function on the same store`,
    );
  }
  names.set(namespace, new WeakRef(fn));
  if (names.size >= (sweepAt.get(names) ?? SWEEP_FROM)) {
    for (const [name, ref] of names) if (ref.deref() === undefined) names.delete(name);
    sweepAt.set(names, Math.max(SWEEP_FROM, names.size * 2));
  }
}
