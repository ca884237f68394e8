import { type Clock, check, is, systemClock, validate } from '@dyno/core';
import type { CacheEntry, CacheStore } from './entry.js';

/** Options of `MemoryStore`. */
export interface MemoryStoreOptions {
  /**
   * The most entries kept; adding one more drops an entry past its `keep`, else evicts the least
   * recently used.
   * @default 1000
   */
  readonly maxEntries?: number | undefined;
  /**
   * Tells the time when a caller passes no `now` (a `Cache` always passes its own). It is not
   * imposed on a cache the way a shared store's `clock` is.
   * @default systemClock
   */
  readonly clock?: Clock | undefined;
}

const PKG = '@dyno/cache';
const MAX_ENTRIES = is.integer(1, 2 ** 31 - 1);
// entries looked at per write for ones past their `keep`, and more when the store is full
const SWEEP = 2;
const SWEEP_WHEN_FULL = 16;

interface Held {
  readonly entry: CacheEntry;
  /** When the entry has outlived its `keep`, on the time line of the `now` it was stored at. */
  readonly dropAt: number;
}

/**
 * The default store: a bounded map in this process, evicting the least recently used entry. It
 * answers synchronously, so a hit costs one map lookup. It honours `keep` without a timer: an
 * entry past it is dropped when read, and each write looks at a few entries (more when the
 * store is full) and drops those past it, so `size` soon stops counting them.
 */
export class MemoryStore implements CacheStore {
  readonly #map = new Map<string, Held>();
  readonly #tags = new Map<string, Set<string>>();
  readonly #max: number;
  readonly #clock: Clock;
  // the key last moved to the recent end: reading it again needs no move
  #newest: string | undefined;
  #sweep: Iterator<[string, Held]> | undefined;

  constructor(options?: MemoryStoreOptions) {
    const given = validate<MemoryStoreOptions>(PKG, options, {
      maxEntries: MAX_ENTRIES,
      clock: is.clock,
    });
    this.#max = given.maxEntries ?? 1000;
    check(PKG, 'maxEntries', this.#max, MAX_ENTRIES);
    this.#clock = given.clock ?? systemClock;
  }

  /** The number of entries held. */
  get size(): number {
    return this.#map.size;
  }

  /** The most entries held before the least recently used is evicted. */
  get maxEntries(): number {
    return this.#max;
  }

  get(key: string, now?: number): CacheEntry | undefined {
    const map = this.#map;
    const held = map.get(key);
    if (held === undefined) return undefined;
    if ((now ?? this.#clock.now()) >= held.dropAt) {
      this.#remove(key, held);
      return undefined;
    }
    if (key !== this.#newest) {
      // a Map iterates in insertion order: re-inserting makes this the most recent
      map.delete(key);
      map.set(key, held);
      this.#newest = key;
    }
    return held.entry;
  }

  peek(key: string, now?: number): CacheEntry | undefined {
    const held = this.#map.get(key);
    if (held === undefined) return undefined;
    if ((now ?? this.#clock.now()) >= held.dropAt) {
      this.#remove(key, held);
      return undefined;
    }
    return held.entry;
  }

  set(key: string, entry: CacheEntry, keep: number = Number.POSITIVE_INFINITY, now?: number): void {
    const map = this.#map;
    const at = now ?? this.#clock.now();
    const old = map.get(key);
    if (old !== undefined) this.#remove(key, old);
    map.set(key, { entry, dropAt: at + keep });
    this.#newest = key;
    const tags = entry.tags;
    if (tags !== undefined) {
      for (const tag of tags) {
        let keys = this.#tags.get(tag);
        if (keys === undefined) {
          keys = new Set();
          this.#tags.set(tag, keys);
        }
        keys.add(key);
      }
    }
    this.#reclaim(at, SWEEP);
    if (map.size > this.#max && !this.#reclaim(at, SWEEP_WHEN_FULL)) {
      const oldest = map.keys().next().value as string;
      this.#remove(oldest, map.get(oldest) as Held);
    }
  }

  delete(key: string): void {
    const held = this.#map.get(key);
    if (held !== undefined) this.#remove(key, held);
  }

  clear(): void {
    this.#map.clear();
    this.#tags.clear();
    this.#newest = undefined;
    this.#sweep = undefined;
  }

  deleteByTag(tag: string): void {
    const keys = this.#tags.get(tag);
    if (keys === undefined) return;
    for (const key of [...keys]) this.delete(key);
  }

  deletePrefix(prefix: string): void {
    for (const key of [...this.#map.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }

  /** The keys from least to most recently used (for tests and inspection). */
  keys(): string[] {
    return [...this.#map.keys()];
  }

  /**
   * Looks at up to `steps` entries, going round the map over successive writes (a Map iterator
   * survives changes to its map), and drops those past their `keep`. True when one was dropped.
   */
  #reclaim(now: number, steps: number): boolean {
    let dropped = false;
    for (let i = 0; i < steps; i++) {
      this.#sweep ??= this.#map.entries();
      const next = this.#sweep.next();
      if (next.done === true) {
        this.#sweep = undefined;
        // one full lap per call at most
        if (i > 0) break;
        continue;
      }
      const [key, held] = next.value;
      if (now >= held.dropAt) {
        this.#remove(key, held);
        dropped = true;
      }
    }
    return dropped;
  }

  #remove(key: string, held: Held): void {
    this.#map.delete(key);
    if (this.#newest === key) this.#newest = undefined;
    const tags = held.entry.tags;
    if (tags === undefined) return;
    for (const tag of tags) {
      const keys = this.#tags.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.#tags.delete(tag);
    }
  }
}
