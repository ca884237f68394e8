import { type Clock, is, type Rule, type Rules } from '@dyno/core';
import type { Redis } from 'ioredis';
import type { Serializer } from './serializer.js';
import { structuredSerializer } from './serializer.js';
import { wallClock } from './wall-clock.js';

/** Options of the cross-process lease. */
export interface RedisLeaseOptions {
  /**
   * How long a lease lasts unless released or renewed, in ms. The holder renews it every
   * `ttl / 2` ms while its load runs, so a crashed holder costs at most this long.
   * @default 5000
   */
  readonly ttl?: number | undefined;
  /**
   * How often a process with nothing to serve looks whether the lease is still held, in ms.
   * @default 50
   */
  readonly retry?: number | undefined;
}

/** Options of the store's own circuit: Redis is skipped for a while after repeated failures. */
export interface RedisCircuitOptions {
  /**
   * Failed commands in a row (timeouts and errors of the connection, not refused values) that
   * open the circuit.
   * @default 3
   */
  readonly failures?: number | undefined;
  /**
   * How long the store fails at once, without asking Redis, before one command probes it, in ms.
   * @default 5000
   */
  readonly cooldown?: number | undefined;
}

/** Options of `RedisStore`. */
export interface RedisStoreOptions {
  /** The ioredis client (required). The store never closes it. */
  readonly client: Redis;
  /**
   * Put in front of every Redis key this store writes (after the client's own `keyPrefix`).
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
   * Skip Redis for `cooldown` ms after `failures` failed commands in a row (a `@dyno/breaker`
   * circuit on the store's clock); `false` to ask Redis every time.
   * @default { failures: 3, cooldown: 5000 }
   */
  readonly circuit?: RedisCircuitOptions | false | undefined;
  /**
   * Turns values into bytes and back.
   * @default structuredSerializer (node:v8 structured clone, refusing what would change)
   */
  readonly serializer?: Serializer | undefined;
  /**
   * The time line entries are written on; every process sharing the Redis must agree on it.
   * @default wallClock (Date.now)
   */
  readonly clock?: Clock | undefined;
  /**
   * The store's name in errors and events.
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
    circuit: Object.freeze({ failures: 3, cooldown: 5000 }),
    serializer: structuredSerializer,
    clock: wallClock,
    name: undefined,
  });

/** The defaults of the lease, used when `lease` is `true` or leaves a field out. */
export const DEFAULT_REDIS_LEASE_OPTIONS: Readonly<Required<RedisLeaseOptions>> = Object.freeze({
  ttl: 5000,
  retry: 50,
});

/** The defaults of the circuit, used when `circuit` leaves a field out. */
export const DEFAULT_REDIS_CIRCUIT_OPTIONS: Readonly<Required<RedisCircuitOptions>> = Object.freeze(
  { failures: 3, cooldown: 5000 },
);

const clientRule: Rule = Object.freeze({
  expected: 'an ioredis client',
  test(v: unknown) {
    if (typeof v !== 'object' || v === null) return 'type';
    const c = v as Record<string, unknown>;
    return ['getBuffer', 'set', 'eval', 'scan'].every((k) => typeof c[k] === 'function')
      ? undefined
      : 'type';
  },
});

const serializerRule: Rule = Object.freeze({
  expected: 'a serializer ({ serialize, deserialize })',
  test(v: unknown) {
    if (typeof v !== 'object' || v === null) return 'type';
    const s = v as Record<string, unknown>;
    return typeof s.serialize === 'function' && typeof s.deserialize === 'function'
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
  circuit: is.either(is.oneOf(false), is.object),
  serializer: serializerRule,
  clock: is.clock,
  name: is.string,
});

/** The validation rules of `RedisLeaseOptions`. */
export const LEASE_RULES: Rules<RedisLeaseOptions> = Object.freeze({
  ttl: is.duration(0, true),
  retry: is.duration(0, true),
});

/** The validation rules of `RedisCircuitOptions`. */
export const CIRCUIT_RULES: Rules<RedisCircuitOptions> = Object.freeze({
  failures: is.integer(1, 2 ** 31 - 1),
  cooldown: is.duration(0, true),
});
