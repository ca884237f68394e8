import { check, is, validate } from '@dyno/core';
import type { CacheEntry, CacheStore } from './entry.js';

/** Options of `MemoryStore`. */
export interface MemoryStoreOptions {
  /**
   * The most entries kept; adding one more evicts the least recently used.
   * @default 1000
   */
  readonly maxEntries?: number | undefined;
}

const PKG = '@dyno/cache';
const MAX_ENTRIES = is.integer(1, 2 ** 31 - 1);

/**
 * The default store: a bounded map in this process, evicting the least recently used entry. It
 * answers synchronously, so a hit costs one map lookup and one move to the recent end.
 */
export class MemoryStore implements CacheStore {
  readonly #map = new Map<string, CacheEntry>();
  readonly #max: number;

  constructor(options?: MemoryStoreOptions) {
    const given = validate<MemoryStoreOptions>(PKG, options, { maxEntries: MAX_ENTRIES });
    this.#max = given.maxEntries ?? 1000;
    check(PKG, 'maxEntries', this.#max, MAX_ENTRIES);
  }

  /** The number of entries held. */
  get size(): number {
    return this.#map.size;
  }

  /** The most entries held before the least recently used is evicted. */
  get maxEntries(): number {
    return this.#max;
  }

  get(key: string): CacheEntry | undefined {
    const map = this.#map;
    const entry = map.get(key);
    if (entry !== undefined) {
      // a Map iterates in insertion order: re-inserting makes this the most recent
      map.delete(key);
      map.set(key, entry);
    }
    return entry;
  }

  peek(key: string): CacheEntry | undefined {
    return this.#map.get(key);
  }

  set(key: string, entry: CacheEntry): void {
    const map = this.#map;
    map.delete(key);
    map.set(key, entry);
    if (map.size > this.#max) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  /** The keys from least to most recently used (for tests and inspection). */
  keys(): string[] {
    return [...this.#map.keys()];
  }
}
