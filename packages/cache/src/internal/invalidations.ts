import type { CacheEntry } from '../entry.js';

/**
 * Tag and prefix invalidations remembered by a cache whose store cannot delete by tag or by
 * prefix itself: an entry written at or before an invalidation that covers it counts as absent.
 * Per process only (a shared store should implement `deleteByTag`/`deletePrefix`). The records
 * grow with the distinct tags and prefixes invalidated and are forgotten on `clear()`.
 */
export class Invalidations {
  readonly #tags = new Map<string, number>();
  readonly #prefixes = new Map<string, number>();
  /** True once anything was recorded: the hot path checks only this. */
  active = false;

  tag(tag: string, now: number): void {
    this.#tags.set(tag, now);
    this.active = true;
  }

  prefix(prefix: string, now: number): void {
    this.#prefixes.set(prefix, now);
    this.active = true;
  }

  /**
   * True when an invalidation covers `entry`. An entry written in the same millisecond as the
   * invalidation counts as covered: a reload is better than a value that should be gone.
   */
  covers(key: string, entry: CacheEntry): boolean {
    const created = entry.created;
    for (const [prefix, at] of this.#prefixes) {
      if (created <= at && key.startsWith(prefix)) return true;
    }
    const tags = entry.tags;
    if (tags === undefined || this.#tags.size === 0) return false;
    for (const tag of tags) {
      const at = this.#tags.get(tag);
      if (at !== undefined && created <= at) return true;
    }
    return false;
  }

  clear(): void {
    this.#tags.clear();
    this.#prefixes.clear();
    this.active = false;
  }
}
