import type { CacheCounts } from '../snapshot.js';

// The slots of an observed cache's facts.
export const HIT = 0;
export const MISS = 1;
export const STALE = 2;
export const REFRESH = 3;
export const LOAD_SUCCESS = 4;
export const LOAD_FAILURE = 5;
export const LOAD_TIMEOUT = 6;
export const STORE_ERROR = 7;
const SLOTS = 8;

/**
 * The rolling counters of an observed cache, made only when a cache is observed (most `Metrics`
 * never see one): one row of slots per bucket of the counter window, and totals since creation.
 */
export class CacheCounters {
  readonly #counts: Float64Array;
  readonly #totals = new Float64Array(SLOTS);
  /** Loader time since creation, ms. */
  loadTime = 0;

  constructor(buckets: number) {
    this.#counts = new Float64Array(buckets * SLOTS);
  }

  /** Counts one fact in bucket `bucket`. */
  count(bucket: number, slot: number): void {
    const i = bucket * SLOTS + slot;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#totals[slot] = (this.#totals[slot] as number) + 1;
  }

  /** Empties bucket `bucket` as the window rolls onto it. */
  clear(bucket: number): void {
    this.#counts.fill(0, bucket * SLOTS, (bucket + 1) * SLOTS);
  }

  /** The window's sums and the totals, as named counts. */
  read(): { window: CacheCounts; total: CacheCounts } {
    const sums = new Float64Array(SLOTS);
    for (let b = 0; b < this.#counts.length; b += SLOTS) {
      for (let s = 0; s < SLOTS; s++)
        sums[s] = (sums[s] as number) + (this.#counts[b + s] as number);
    }
    return { window: named(sums), total: named(this.#totals) };
  }

  get byteLength(): number {
    return this.#counts.byteLength + this.#totals.byteLength;
  }
}

const named = (v: Float64Array): CacheCounts => ({
  hits: v[HIT] as number,
  misses: v[MISS] as number,
  stale: v[STALE] as number,
  refreshes: v[REFRESH] as number,
  loads: {
    success: v[LOAD_SUCCESS] as number,
    failure: v[LOAD_FAILURE] as number,
    timeout: v[LOAD_TIMEOUT] as number,
  },
  storeErrors: v[STORE_ERROR] as number,
});
