import { is, type Rule, type Rules } from '@dyno/core';
import type { Redis } from 'ioredis';
import type { RedisStore } from './redis-store.js';

/** Options of `TieredStore`. */
export interface TieredStoreOptions {
  /** The shared tier (required): a `RedisStore`, whose client also publishes the bus messages. */
  readonly redis: RedisStore;
  /**
   * The most entries the memory tier holds; one more evicts the least recently used.
   * @default 1000
   */
  readonly maxEntries?: number | undefined;
  /**
   * The longest an entry stays in the memory tier, in ms (never longer than the cache keeps it).
   * It bounds how stale a value can be served while bus messages are lost.
   * @default 10_000
   */
  readonly memoryTtl?: number | undefined;
  /**
   * The connection that subscribes to the bus. The store never closes one you pass.
   * @default a duplicate of the RedisStore's client, closed by `dispose()`
   */
  readonly subscriber?: Redis | undefined;
  /**
   * The name in events and errors.
   * @default 'tiered-store#n'
   */
  readonly name?: string | undefined;
}

/** The defaults of `TieredStore`'s options (`redis` has none). */
export const DEFAULT_TIERED_STORE_OPTIONS: Readonly<Omit<TieredStoreOptions, 'redis'>> =
  Object.freeze({
    maxEntries: 1000,
    memoryTtl: 10_000,
    subscriber: undefined,
    name: undefined,
  });

const redisRule: Rule = Object.freeze({
  expected: 'a RedisStore',
  test(v: unknown) {
    if (typeof v !== 'object' || v === null) return 'type';
    const s = v as Record<string, unknown>;
    return typeof s.get === 'function' &&
      typeof s.client === 'object' &&
      typeof s.prefix === 'string'
      ? undefined
      : 'type';
  },
});

const subscriberRule: Rule = Object.freeze({
  expected: 'an ioredis client',
  test(v: unknown) {
    if (typeof v !== 'object' || v === null) return 'type';
    const c = v as Record<string, unknown>;
    return typeof c.subscribe === 'function' && typeof c.on === 'function' ? undefined : 'type';
  },
});

/** The validation rules of `TieredStoreOptions`. */
export const TIERED_STORE_RULES: Rules<TieredStoreOptions> = Object.freeze({
  redis: redisRule,
  maxEntries: is.integer(1, 2 ** 31 - 1),
  memoryTtl: is.duration(0, true),
  subscriber: subscriberRule,
  name: is.string,
});
