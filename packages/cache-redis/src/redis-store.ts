import type { StateChangeEvent } from '@dyno/breaker';
import type { CacheEntry, CacheStore, StoreLease } from '@dyno/cache';
import {
  type Clock,
  defaultName,
  type Event,
  NOOP_DISPOSABLE,
  resolveOptions,
  steadyClock,
  validate,
} from '@dyno/core';
import type { Redis } from 'ioredis';
import { CorruptEntryError } from './errors.js';
import { type Codec, decode, encode, FORMAT } from './internal/codec.js';
import { DataError, Guard, replyKind } from './internal/guard.js';
import { redisLease } from './internal/redis-lease.js';
import { DELETE_TAG, SET_TAGGED } from './internal/scripts.js';
import {
  CIRCUIT_RULES,
  DEFAULT_REDIS_CIRCUIT_OPTIONS,
  DEFAULT_REDIS_LEASE_OPTIONS,
  DEFAULT_REDIS_STORE_OPTIONS,
  LEASE_RULES,
  REDIS_STORE_RULES,
  type RedisStoreOptions,
} from './options.js';
import type { Serializer } from './serializer.js';

const PKG = '@dyno/cache-redis';
// the store's own keys start with NUL after the prefix, so no cache key or key prefix reaches them
const LEASE = '\u0000lease\u0000';
const TAG = '\u0000tag\u0000';
// members of a tag set that one script looks at: about 8 ms of Redis's time (measured on loopback)
const TAG_BATCH = 1000;

const glob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');
// a lone surrogate (a string cut inside an emoji, say) reaches Redis as U+FFFD in UTF-8, so keys
// that differ only there would share one Redis key and read each other's values (a key that is
// not a string is taken as its text, as the client takes it)
const storable = (key: string): boolean => `${key}`.isWellFormed();

/**
 * A `CacheStore` on Redis (ioredis 5), shared by every process that uses the same client
 * options and prefix. Values go through a serializer (structured clone by default), framed with
 * the entry's times under a version line; anything else under a key is a `CorruptEntryError`
 * (the cache counts a miss and overwrites it). With `lease`, only the process holding a
 * `SET NX PX` lease recomputes a key. Commands fail fast while Redis is down or slow, and are
 * skipped for a while after repeated failures.
 */
export class RedisStore implements CacheStore {
  /** The name in errors and events. */
  readonly name: string;
  readonly clock: Clock;
  readonly lease: StoreLease | undefined;
  /** The ioredis client (never closed by the store). */
  readonly client: Redis;
  /** The prefix of this store's keys, after the client's own `keyPrefix`. */
  readonly prefix: string;
  /** The state changes of the store's circuit (`closed` → `open` → `half-open` → ...). */
  readonly onCircuit: Event<StateChangeEvent>;
  /** The longest a Redis command may take, in ms. */
  readonly timeout: number;
  readonly #guard: Guard;
  readonly #codec: Codec;

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
    const lease =
      o.lease === true
        ? DEFAULT_REDIS_LEASE_OPTIONS
        : typeof o.lease === 'object'
          ? {
              ...DEFAULT_REDIS_LEASE_OPTIONS,
              ...defined(validate(PKG, o.lease, LEASE_RULES, 'lease.')),
            }
          : undefined;
    const circuit =
      typeof o.circuit === 'object'
        ? {
            ...DEFAULT_REDIS_CIRCUIT_OPTIONS,
            ...defined(validate(PKG, o.circuit, CIRCUIT_RULES, 'circuit.')),
          }
        : false;
    this.client = o.client;
    this.prefix = o.prefix as string;
    this.clock = o.clock as Clock;
    this.name = o.name ?? defaultName('redis-store');
    this.#codec = { serializer: o.serializer as Serializer, source: this.name };
    this.timeout = o.timeout as number;
    this.#guard = new Guard({
      client: this.client,
      name: this.name,
      clock: this.clock,
      timeout: this.timeout,
      circuit,
    });
    this.onCircuit = this.#guard.onStateChange ?? (() => NOOP_DISPOSABLE);
    this.lease =
      lease &&
      redisLease({
        client: this.client,
        guard: this.#guard,
        // the store's own clock is a user's clock (the cache reads it through a steady view of
        // its own): a NaN or a step back must not end a wait with a RangeError or stretch it
        clock: steadyClock(this.clock, PKG, this.name),
        ttl: lease.ttl,
        retry: lease.retry,
        keyOf: (key) => this.prefix + LEASE + key,
      });
  }

  /** The state of the store's circuit: `open` while Redis is skipped. */
  get circuit(): 'closed' | 'open' | 'half-open' {
    return this.#guard.state;
  }

  /** A key with a lone surrogate is never stored: a miss. */
  async get(key: string): Promise<CacheEntry | undefined> {
    if (!storable(key)) return undefined;
    const redisKey = this.prefix + key;
    const data = await this.#guard.run(() =>
      this.client.getBuffer(redisKey).catch((error: unknown) => {
        // a key holding a list, a set, ...: a corrupt entry, not a sign that Redis is unwell
        if (replyKind(error) !== 'WRONGTYPE') throw error;
        throw new DataError(new CorruptEntryError(redisKey, 'not a string', this.name, error));
      }),
    );
    return data === null ? undefined : decode(redisKey, data, this.#codec);
  }

  /**
   * Writes `entry` for `keep` ms (for ever when `Infinity`). A value the serializer refuses
   * rejects here, before Redis is asked. An entry with `tags` is also added to one Redis set per
   * tag, for `deleteByTag`. A key with a lone surrogate is not stored.
   */
  async set(key: string, entry: CacheEntry, keep: number): Promise<void> {
    if (!storable(key)) return;
    const redisKey = this.prefix + key;
    const data = encode(entry, this.#codec);
    const ms = Number.isFinite(keep) ? Math.max(1, Math.ceil(keep)) : undefined;
    const tags = entry.tags;
    if (tags !== undefined && tags.length > 0) {
      const sets = tags.map((tag) => this.prefix + TAG + tag);
      const member = this.#keyPrefix + redisKey;
      await this.#guard.run(() =>
        this.client.eval(SET_TAGGED, 1 + sets.length, redisKey, ...sets, data, ms ?? '', member),
      );
    } else if (ms !== undefined) {
      await this.#guard.run(() => this.client.set(redisKey, data, 'PX', ms));
    } else await this.#guard.run(() => this.client.set(redisKey, data));
  }

  async delete(key: string): Promise<void> {
    if (!storable(key)) return;
    await this.#guard.run(() => this.client.del(this.prefix + key));
  }

  /**
   * Removes every entry whose tags include `tag` (scripts over the tag's Redis set, `TAG_BATCH`
   * members each; an entry rewritten since without the tag stays). Not atomic: an entry tagged
   * while it runs may stay.
   */
  async deleteByTag(tag: string): Promise<void> {
    const key = this.prefix + TAG + tag;
    let taken: number;
    do {
      const answer = await this.#guard.run(
        () => this.client.eval(DELETE_TAG, 1, key, tag, FORMAT, TAG_BATCH) as Promise<number[]>,
      );
      taken = answer[1] as number;
    } while (taken >= TAG_BATCH);
  }

  /**
   * Removes every entry whose key starts with `prefix` by `SCAN` and `UNLINK` (not atomic: an
   * entry written while the scan runs may stay). Leases and tag sets are left alone, also for the
   * empty prefix (every entry): a lease another process holds stays its own; `clear()` removes
   * them too.
   */
  async deletePrefix(prefix: string): Promise<void> {
    await this.#unlinkMatching(`${this.prefix}${prefix}`, { ownKeys: false });
  }

  /** Removes every key under this store's prefix (values, leases, tag sets), by `SCAN` and `UNLINK`. */
  async clear(): Promise<void> {
    await this.#unlinkMatching(this.prefix, { ownKeys: true });
  }

  /** The client's `keyPrefix`: ioredis adds it to keys but not to `SCAN` patterns or results. */
  get #keyPrefix(): string {
    return this.client.options?.keyPrefix ?? '';
  }

  /**
   * `SCAN`s for the keys that start with `start` and `UNLINK`s them; the store's own keys (leases,
   * tag sets: NUL right after the prefix) only with `ownKeys`.
   */
  async #unlinkMatching(start: string, { ownKeys }: { ownKeys: boolean }): Promise<void> {
    const keyPrefix = this.#keyPrefix;
    const match = `${glob(keyPrefix + start)}*`;
    const own = keyPrefix.length + this.prefix.length;
    let cursor = '0';
    do {
      const [next, found] = await this.#guard.run(() =>
        this.client.scan(cursor, 'MATCH', match, 'COUNT', 500),
      );
      const keys = found
        .filter((k) => ownKeys || k.charCodeAt(own) !== 0)
        .map((k) => k.slice(keyPrefix.length));
      if (keys.length > 0) await this.#guard.run(() => this.client.unlink(...keys));
      cursor = next;
    } while (cursor !== '0');
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
