import type { CacheEntry } from '../entry.js';

/**
 * Tag and prefix invalidations remembered by a cache whose store cannot delete by tag or by
 * prefix itself: an entry written at or before an invalidation that covers it counts as absent.
 * Per process only (a shared store should implement `deleteByTag`/`deletePrefix`). The records
 * grow with the distinct tags and prefixes invalidated and are forgotten once a `clear()` of the
 * store succeeded.
 */
export class Invalidations {
  // each record: when it was made on the clock, and its place in the order of records
  readonly #tags = new Map<string, Invalidation>();
  readonly #prefixes = new Map<string, Invalidation>();
  #made = 0;
  /** True once anything was recorded: the hot path checks only this. */
  active = false;

  tag(tag: string, now: number): void {
    this.#tags.set(tag, { at: now, order: ++this.#made });
    this.active = true;
  }

  prefix(prefix: string, now: number): void {
    this.#prefixes.set(prefix, { at: now, order: ++this.#made });
    this.active = true;
  }

  /** A mark of the records made so far, for `forget`. */
  mark(): number {
    return this.#made;
  }

  /**
   * True when an invalidation covers `entry`. An entry written in the same millisecond as the
   * invalidation counts as covered: a reload is better than a value that should be gone.
   */
  covers(key: string, entry: CacheEntry): boolean {
    const created = entry.created;
    for (const [prefix, { at }] of this.#prefixes) {
      if (created <= at && key.startsWith(prefix)) return true;
    }
    const tags = entry.tags;
    if (tags === undefined || this.#tags.size === 0) return false;
    for (const tag of tags) {
      const record = this.#tags.get(tag);
      if (record !== undefined && created <= record.at) return true;
    }
    return false;
  }

  /**
   * Forgets the records made up to `mark`, once the store was cleared: the entries they cover are
   * gone. Not before (a read while the clear runs, or after it failed, would find them again), and
   * not the records made meanwhile (they may cover entries written while it ran).
   */
  forget(mark: number): void {
    for (const records of [this.#tags, this.#prefixes]) {
      for (const [name, { order }] of records) if (order <= mark) records.delete(name);
    }
    this.active = this.#tags.size > 0 || this.#prefixes.size > 0;
  }
}

interface Invalidation {
  readonly at: number;
  readonly order: number;
}
