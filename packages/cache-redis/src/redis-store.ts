import type { CacheEntry, CacheStore, StoreLease } from '@dyno/cache';
import { type Clock, defaultName, resolveOptions, validate } from '@dyno/core';
import type { Redis } from 'ioredis';
import { CorruptEntryError, StoreUnavailableError } from './errors.js';
import { decode, encode } from './internal/codec.js';
import {
  DEFAULT_REDIS_LEASE_OPTIONS,
  DEFAULT_REDIS_STORE_OPTIONS,
  LEASE_RULES,
  REDIS_STORE_RULES,
  type RedisLeaseOptions,
  type RedisStoreOptions,
} from './options.js';

const PKG = '@dyno/cache-redis';
// deletes the lease only if this process still holds it (it may have expired and been retaken)
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
// statuses in which ioredis would queue a command until it reconnects: fail fast instead
const DOWN = new Set(['reconnecting', 'close', 'end']);

/**
 * A `CacheStore` on Redis (ioredis 5), shared by every process that uses the same client
 * options and prefix. Entries are JSON with a version tag; anything else under a key is reported
 * as `CorruptEntryError` (the cache counts a miss and overwrites it). Each process makes its own
 * early-refresh decision; with `lease`, only the process holding a `SET NX PX` lease recomputes.
 */
export class RedisStore implements CacheStore {
  /** The name in errors. */
  readonly name: string;
  readonly clock: Clock;
  readonly lease: StoreLease | undefined;
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #timeout: number;

  constructor(options: RedisStoreOptions) {
    const o = resolveOptions(
      PKG,
      options,
      REDIS_STORE_RULES,
      DEFAULT_REDIS_STORE_OPTIONS as RedisStoreOptions,
    );
    if (o.client === undefined) {
      throw new TypeError(
        `${PKG}: option \`client\` must be an ioredis client; received undefined`,
      );
    }
    let lease: Required<RedisLeaseOptions> | undefined;
    if (o.lease === true) lease = DEFAULT_REDIS_LEASE_OPTIONS;
    else if (typeof o.lease === 'object') {
      const given = validate(PKG, o.lease, LEASE_RULES, 'lease.');
      lease = { ...DEFAULT_REDIS_LEASE_OPTIONS, ...stripUndefined(given) };
    }
    this.#client = o.client;
    this.#prefix = o.prefix ?? 'dyno:cache:';
    this.#timeout = o.timeout ?? 1000;
    this.clock = o.clock as Clock;
    this.name = o.name ?? defaultName('redis-store');
    this.lease = lease && {
      ttl: lease.ttl,
      retry: lease.retry,
      acquire: (key) => this.#acquire(key, lease.ttl),
      release: (key, token) => this.#release(key, token),
    };
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const redisKey = this.#prefix + key;
    let text: string | null;
    try {
      text = await this.#run(() => this.#client.get(redisKey));
    } catch (error) {
      if (!/^WRONGTYPE/.test(String((error as { cause?: Error }).cause?.message))) throw error;
      throw new CorruptEntryError(redisKey, 'not a string', this.name, error);
    }
    return text === null ? undefined : decode(redisKey, text, this.name);
  }

  async set(key: string, entry: CacheEntry, keep: number): Promise<void> {
    const redisKey = this.#prefix + key;
    const text = encode(entry);
    if (Number.isFinite(keep)) {
      const ms = Math.max(1, Math.ceil(keep));
      await this.#run(() => this.#client.set(redisKey, text, 'PX', ms));
    } else await this.#run(() => this.#client.set(redisKey, text));
  }

  async delete(key: string): Promise<void> {
    await this.#run(() => this.#client.del(this.#prefix + key));
  }

  /** Removes every key under this store's prefix (values and leases), by `SCAN` and `UNLINK`. */
  async clear(): Promise<void> {
    const match = `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#run(() =>
        this.#client.scan(cursor, 'MATCH', match, 'COUNT', 500),
      );
      if (keys.length > 0) await this.#run(() => this.#client.unlink(...keys));
      cursor = next;
    } while (cursor !== '0');
  }

  async #acquire(key: string, ttl: number): Promise<string | undefined> {
    const token = globalThis.crypto.randomUUID();
    const leaseKey = `${this.#prefix}${key}\u0000lease`;
    const ok = await this.#run(() => this.#client.set(leaseKey, token, 'PX', ttl, 'NX'));
    return ok === 'OK' ? token : undefined;
  }

  async #release(key: string, token: string): Promise<void> {
    const leaseKey = `${this.#prefix}${key}\u0000lease`;
    await this.#run(() => this.#client.eval(RELEASE, 1, leaseKey, token));
  }

  /** Runs one command, failing fast while Redis is down and after `timeout` ms. */
  #run<T>(command: () => Promise<T>): Promise<T> {
    const status = this.#client.status;
    if (DOWN.has(status)) {
      return Promise.reject(
        new StoreUnavailableError(`Redis is not connected (${status})`, this.name),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const clock = this.clock;
      const timer = clock.setTimeout(() => {
        reject(
          new StoreUnavailableError(`a Redis command took over ${this.#timeout} ms`, this.name),
        );
      }, this.#timeout);
      command().then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(new StoreUnavailableError('a Redis command failed', this.name, error));
        },
      );
    });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
