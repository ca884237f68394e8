import type { CacheCounts } from '../snapshot.js';
import { FactCounters } from './fact-counters.js';

// The slots of an observed cache's facts.
export const HIT = 0;
export const MISS = 1;
export const STALE = 2;
export const REFRESH = 3;
export const LOAD_SUCCESS = 4;
export const LOAD_FAILURE = 5;
export const LOAD_TIMEOUT = 6;
export const STORE_ERROR = 7;
export const BUS_DROP = 8;
export const BUS_ERROR = 9;
export const STORE_CIRCUIT_OPENED = 10;
export const TIER_READ_ERROR = 11;
const SLOTS = 12;

/** The rolling counters of an observed cache, and its loader time since creation. */
export class CacheCounters extends FactCounters {
  /** Loader time since creation, ms. */
  loadTime = 0;

  constructor(buckets: number) {
    super(buckets, SLOTS);
  }

  /** The window's sums and the totals, as named counts. */
  read(): { window: CacheCounts; total: CacheCounts } {
    const { window, total } = this.sums();
    return { window: named(window), total: named(total) };
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
  busDrops: v[BUS_DROP] as number,
  busErrors: v[BUS_ERROR] as number,
  storeCircuitOpened: v[STORE_CIRCUIT_OPENED] as number,
  tierReadErrors: v[TIER_READ_ERROR] as number,
});
