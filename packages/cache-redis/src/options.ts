import { type Clock, is, type Rule, type Rules } from '@dyno/core';
import type { Redis } from 'ioredis';
import { wallClock } from './wall-clock.js';

/** Options of the cross-process lease. */
export interface RedisLeaseOptions {
  /**
   * How long a lease lasts unless released, in ms: longer than the slowest recompute.
   * @default 5000
   */
  readonly ttl?: number | undefined;
  /**
   * How often a process with nothing to serve looks for the lease holder's value, in ms.
   * @default 50
   */
  readonly retry?: number | undefined;
}

/** Options of `RedisStore`. */
export interface RedisStoreOptions {
  /** The ioredis client (required). The store never closes it. */
  readonly client: Redis;
  /**
   * Put in front of every Redis key this store writes.
   * @default 'dyno:cache:'
   */
  readonly prefix?: string | undefined;
  /**
   * A cross-process single-flight lease (`SET NX PX`): one process recomputes a key while the
   * others keep serving its current value. `true` for the default lease options.
   * @default false
   */
  readonly lease?: boolean | RedisLeaseOptions | undefined;
  /**
   * The longest a Redis command may take before the store counts Redis as down, in ms.
   * @default 1000
   */
  readonly timeout?: number | undefined;
  /**
   * The time line entries are written on; every process sharing the Redis must agree on it.
   * @default wallClock (Date.now)
   */
  readonly clock?: Clock | undefined;
  /**
   * The store's name in errors.
   * @default 'redis-store#n'
   */
  readonly name?: string | undefined;
}

/** The defaults of `RedisStore`'s options (`client` has none). */
export const DEFAULT_REDIS_STORE_OPTIONS: Readonly<Omit<RedisStoreOptions, 'client'>> =
  Object.freeze({
    prefix: 'dyno:cache:',
    lease: false,
    timeout: 1000,
    clock: wallClock,
    name: undefined,
  });

/** The defaults of the lease, used when `lease` is `true` or leaves a field out. */
export const DEFAULT_REDIS_LEASE_OPTIONS: Readonly<Required<RedisLeaseOptions>> = Object.freeze({
  ttl: 5000,
  retry: 50,
});

const clientRule: Rule = Object.freeze({
  expected: 'an ioredis client',
  test(v: unknown) {
    if (typeof v !== 'object' || v === null) return 'type';
    const c = v as Record<string, unknown>;
    return ['get', 'set', 'eval', 'scan'].every((k) => typeof c[k] === 'function')
      ? undefined
      : 'type';
  },
});

/** The validation rules of `RedisStoreOptions`. */
export const REDIS_STORE_RULES: Rules<RedisStoreOptions> = Object.freeze({
  client: clientRule,
  prefix: is.string,
  lease: is.either(is.boolean, is.object),
  timeout: is.duration(0, true),
  clock: is.clock,
  name: is.string,
});

/** The validation rules of `RedisLeaseOptions`. */
export const LEASE_RULES: Rules<RedisLeaseOptions> = Object.freeze({
  ttl: is.duration(0, true),
  retry: is.duration(0, true),
});
