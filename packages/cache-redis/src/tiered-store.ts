import type { StateChangeEvent } from '@dyno/breaker';
import {
  type CacheEntry,
  type CacheStore,
  MemoryStore,
  type RemoteWrite,
  type StoreLease,
} from '@dyno/cache';
import {
  type Clock,
  DisposedError,
  defaultName,
  type Event,
  EventEmitter,
  resolveOptions,
} from '@dyno/core';
import type { Redis } from 'ioredis';
import type { BusMessageEvent, BusMessageType, BusStateEvent, TierErrorEvent } from './events.js';
import { Bus } from './internal/bus.js';
import { Guard } from './internal/guard.js';
import { Reads } from './internal/reads.js';
import { wakeableLease } from './internal/wakeable-lease.js';
import type { RedisStore } from './redis-store.js';
import {
  DEFAULT_TIERED_STORE_OPTIONS,
  TIERED_STORE_RULES,
  type TieredStoreOptions,
} from './tiered-options.js';

const PKG = '@dyno/cache-redis';

/**
 * Two tiers for a fleet: a bounded memory tier in each process in front of a shared
 * `RedisStore`, kept coherent by a Redis pub/sub bus. A `set`, `delete`, refresh, `clear`,
 * `deleteByTag` or `deletePrefix` in one process evicts what it changed from every other
 * process's memory tier (messages on the channel `<keyPrefix><prefix>\0bus`, with `@<db>` after it
 * for a client's `db` other than 0). A hit in memory answers synchronously and never asks Redis.
 * While the bus is down, the memory tier's `memoryTtl` bounds staleness; when the bus comes back
 * the memory tier is cleared. When Redis fails behind a memory miss the store answers a miss (and
 * an `onError` event), never a rejection, so a cache in front keeps using the memory tier.
 */
export class TieredStore implements CacheStore {
  /** The name in events and errors. */
  readonly name: string;
  /** The shared time line: the Redis tier's clock. */
  readonly clock: Clock;
  /** The Redis tier's lease, woken by `release` bus messages. */
  readonly lease: StoreLease | undefined;
  /** The shared tier. */
  readonly redis: RedisStore;
  /**
   * The memory tier (read it for inspection; writing to it bypasses the bus). A `Cache` on this
   * store reads it while its own store circuit is open (`CacheStore.memory`).
   */
  readonly memory: MemoryStore;
  readonly #memoryTtl: number;
  readonly #bus: Bus;
  readonly #reads = new Reads();
  // made in the constructor, once the name is known: a throwing listener is reported under
  // `@dyno/cache-redis "<name>" <event>`, so that its owner can be told from any other
  readonly #message: EventEmitter<BusMessageEvent>;
  readonly #state: EventEmitter<BusStateEvent>;
  readonly #error: EventEmitter<TierErrorEvent>;
  readonly #remote: EventEmitter<RemoteWrite>;
  readonly #wake: (key: string) => void;
  #disposed = false;

  /** A message from another process was applied to the memory tier. */
  readonly onBusMessage: Event<BusMessageEvent>;
  /**
   * A write another process made (every bus message but `release`), after it was applied to
   * the memory tier. A `Cache` on this store subscribes: its loads of the keys a write covers
   * write nothing when they land, so a load that began before another process's `set` or
   * `delete` does not write over it. A `clear` too when the bus drops or comes back: the writes
   * made while it is down are never heard of.
   */
  readonly onRemoteWrite: Event<RemoteWrite>;
  /** The bus dropped or came back (the memory tier was cleared). */
  readonly onBusState: Event<BusStateEvent>;
  /** A failure the store absorbed: a Redis read behind a memory miss, a publish, the bus. */
  readonly onError: Event<TierErrorEvent>;
  /** The state changes of the Redis tier's circuit. */
  readonly onCircuit: Event<StateChangeEvent>;

  constructor(options: TieredStoreOptions) {
    const o = resolveOptions(
      PKG,
      options,
      TIERED_STORE_RULES,
      DEFAULT_TIERED_STORE_OPTIONS as TieredStoreOptions,
    );
    if (o.redis === undefined) {
      throw new TypeError(`${PKG}: option \`redis\` must be a RedisStore; received undefined`);
    }
    const redis = o.redis;
    if (o.subscriber === redis.client) {
      // a connection that subscribes can run no other command: every read and write would fail
      throw new RangeError(
        `${PKG}: option \`subscriber\` must be a connection of its own, not the RedisStore's client`,
      );
    }
    this.redis = redis;
    this.name = o.name ?? defaultName('tiered-store');
    const source = (event: string) => `${PKG} ${JSON.stringify(this.name)} ${event}`;
    this.#message = new EventEmitter(source('onBusMessage'));
    this.#state = new EventEmitter(source('onBusState'));
    this.#error = new EventEmitter(source('onError'));
    this.#remote = new EventEmitter(source('onRemoteWrite'));
    this.onRemoteWrite = this.#remote.event;
    this.onBusMessage = this.#message.event;
    this.onBusState = this.#state.event;
    this.onError = this.#error.event;
    this.clock = redis.clock;
    this.onCircuit = redis.onCircuit;
    this.#memoryTtl = o.memoryTtl as number;
    this.memory = new MemoryStore({ maxEntries: o.maxEntries as number, clock: redis.clock });
    const client = redis.client;
    // a channel belongs to the whole server: the keyspace (keyPrefix and db) goes into its name
    const keyPrefix = client.options?.keyPrefix ?? '';
    // the db the client is on now: `SELECT` moves it off its `db` option (ioredis keeps it, to
    // select it again after a reconnect, in `condition`, which is null until it first connects)
    const db = client.condition?.select ?? client.options?.db ?? 0;
    const owned = o.subscriber === undefined;
    this.#bus = new Bus({
      publisher: client,
      subscriber: o.subscriber ?? ownSubscriber(client),
      owned,
      channel: `${keyPrefix}${redis.prefix}\u0000bus${db === 0 ? '' : `@${db}`}`,
      origin: globalThis.crypto.randomUUID(),
      guard: new Guard({
        client,
        name: this.name,
        clock: redis.clock,
        timeout: redis.timeout,
        circuit: false,
      }),
      handlers: {
        message: (type, key) => this.#apply(type, key),
        state: (connected) => {
          if (connected) this.#forgetAll();
          // the writes made while the bus is down are never heard of: a load running at either
          // edge may have begun before one of them, so a cache on this store takes it as a `clear`
          if (this.#remote.hasListeners) this.#remote.emit({ type: 'clear', key: '' });
          if (this.#state.hasListeners) this.#state.emit({ name: this.name, connected });
        },
        error: (during, key, error) => this.#report(during, key, error),
      },
    });
    const woken = wakeableLease(redis.lease, (key) => this.#bus.publish('release', key));
    this.lease = woken?.lease;
    this.#wake = woken?.wake ?? (() => {});
  }

  /** True while the bus is subscribed (invalidations from other processes arrive). */
  get connected(): boolean {
    return this.#bus.connected;
  }

  /** From memory when there (synchronously), else from Redis (then kept in memory). */
  get(key: string, now?: number): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    if (this.#disposed) return Promise.reject(new DisposedError('TieredStore', this.name));
    const hit = this.memory.get(key, now);
    return hit !== undefined ? hit : this.#read(key, now);
  }

  peek(key: string, now?: number): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    if (this.#disposed) return Promise.reject(new DisposedError('TieredStore', this.name));
    const hit = this.memory.peek(key, now);
    return hit !== undefined ? hit : this.#read(key, now);
  }

  /**
   * Writes both tiers, then tells the other processes. Rejects when Redis does (the memory tier
   * of this process keeps the entry); a lost bus message is reported, not thrown.
   */
  async set(key: string, entry: CacheEntry, keep: number, now?: number): Promise<void> {
    this.#checkLive();
    this.#reads.invalidate(key);
    this.memory.set(key, entry, Math.min(keep, this.#memoryTtl), now);
    await this.redis.set(key, entry, keep);
    await this.#bus.publish('set', key);
  }

  async delete(key: string): Promise<void> {
    this.#checkLive();
    this.#reads.invalidate(key);
    this.memory.delete(key);
    await this.redis.delete(key);
    await this.#bus.publish('delete', key);
  }

  async clear(): Promise<void> {
    this.#checkLive();
    this.#forgetAll();
    await this.redis.clear();
    await this.#bus.publish('clear', '');
  }

  /** Both tiers, then every process's memory tier (Redis: the tag's set, see `RedisStore`). */
  async deleteByTag(tag: string): Promise<void> {
    this.#checkLive();
    this.#reads.invalidateAll();
    this.memory.deleteByTag(tag);
    await this.redis.deleteByTag(tag);
    await this.#bus.publish('tag', tag);
  }

  /** Both tiers, then every process's memory tier (Redis: `SCAN` + `UNLINK`). */
  async deletePrefix(prefix: string): Promise<void> {
    this.#checkLive();
    this.#reads.invalidatePrefix(prefix);
    this.memory.deletePrefix(prefix);
    await this.redis.deletePrefix(prefix);
    await this.#bus.publish('prefix', prefix);
  }

  /**
   * Stops listening to the bus (closing the subscriber it made), empties the memory tier and
   * refuses later calls with `DisposedError`. The Redis client stays open. Idempotent.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#bus.close();
    this.memory.clear();
    for (const e of [this.#message, this.#state, this.#error, this.#remote]) e.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #checkLive(): void {
    if (this.#disposed) throw new DisposedError('TieredStore', this.name);
  }

  async #read(key: string, now: number | undefined): Promise<CacheEntry | undefined> {
    const read = this.#reads.start(key);
    try {
      const entry = await this.redis.get(key);
      // not kept when an invalidation arrived meanwhile: the entry read may be the old one
      if (entry !== undefined && !read.invalidated && !this.#disposed) {
        this.memory.set(key, entry, this.#memoryTtl, now);
      }
      return entry;
    } catch (error) {
      this.#report('read', key, error);
      return undefined;
    } finally {
      this.#reads.end(key, read);
    }
  }

  #forgetAll(): void {
    this.#reads.invalidateAll();
    this.memory.clear();
  }

  #apply(type: BusMessageType, key: string): void {
    switch (type) {
      case 'set':
      case 'delete':
        this.#reads.invalidate(key);
        this.memory.delete(key);
        break;
      case 'clear':
        this.#forgetAll();
        break;
      case 'tag':
        this.#reads.invalidateAll();
        this.memory.deleteByTag(key);
        break;
      case 'prefix':
        this.#reads.invalidatePrefix(key);
        this.memory.deletePrefix(key);
        break;
      case 'release':
        this.#wake(key);
        break;
    }
    if (type !== 'release' && this.#remote.hasListeners) this.#remote.emit({ type, key });
    if (this.#message.hasListeners) this.#message.emit({ name: this.name, type, key });
  }

  #report(during: TierErrorEvent['during'], key: string, error: unknown): void {
    if (this.#error.hasListeners) this.#error.emit({ name: this.name, during, key, error });
  }
}

/**
 * The subscriber the store makes. The bus subscribes again on 'ready' itself and handles the
 * answer; ioredis's own resubscription holds no handler: a dispose during a reconnect's ready
 * check rejected it ("Connection is closed.") as an unhandled rejection, which ends a Node
 * process. Its offline queue is on whatever the client's: only SUBSCRIBE ever waits in it, and
 * without it the first one was refused while connecting, an error reported at every start.
 */
function ownSubscriber(client: Redis): Redis {
  return client.duplicate({ autoResubscribe: false, enableOfflineQueue: true });
}
