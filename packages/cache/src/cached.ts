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
    return cache.get(k, () => fn(...args));
  };
  return Object.assign(memo, { cache, keyOf, prefix });
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
}
