import type { Histogram } from '@dyno/stats';
import type { ObservableBreaker, ObservableCache, ObservablePool } from '../observe-types.js';
import {
  type CacheSnapshot,
  LATENCY_PERCENTILES,
  type MetricsSnapshot,
  type PercentileKey,
} from '../snapshot.js';
import type { CacheCounters } from './cache-counts.js';
import { outcomeCounts } from './checks.js';
import * as S from './slots.js';
import type { SourceFacts } from './source-facts.js';
import { sourceSnapshots } from './source-snapshots.js';

/** What `buildSnapshot` reads: a `Metrics` instance's state, already rolled to `time`. */
export interface SnapshotState {
  readonly name: string;
  readonly group: string;
  readonly window: number;
  readonly latencyWindow: number;
  readonly time: number;
  /** The ms the counter window covers at `time`: its full buckets and the current one so far. */
  readonly span: number;
  /** The counter buckets, `S.SLOTS` slots each. */
  readonly counts: Uint32Array;
  /** The counted slots' totals since creation. */
  readonly totals: readonly number[];
  readonly inFlight: number;
  /** The latency window merged (the shared scratch: read it before the next snapshot). */
  readonly latency: Histogram;
  readonly latencyCount: number;
  readonly latencySum: number;
  /** `latencyBoundaries` and the cumulative counts at them (one more: all). */
  readonly boundaries: readonly number[];
  readonly cumulative: readonly number[];
  readonly breaker: ObservableBreaker | undefined;
  readonly pool: ObservablePool | undefined;
  readonly cache: ObservableCache | undefined;
  readonly cacheCounts: CacheCounters | undefined;
  readonly facts: SourceFacts | undefined;
}

/** Whether calls are refused or only probed in `state` (an unknown state counts as open). */
export const isOpen = (state: string): boolean => state !== 'closed' && state !== 'disabled';

/**
 * The arithmetic of `Metrics.snapshot()`, kept apart so recording stays a few array writes:
 * counters sum over the window's buckets, gauge maxima take the largest bucket.
 */
export function buildSnapshot(state: SnapshotState): MetricsSnapshot {
  const sums = new Float64Array(S.SLOTS);
  const counts = state.counts;
  for (let b = 0; b < counts.length; b += S.SLOTS) {
    for (let s = 0; s < S.MAX_IN_FLIGHT; s++)
      sums[s] = (sums[s] as number) + (counts[b + s] as number);
    for (let s = S.MAX_IN_FLIGHT; s < S.SLOTS; s++)
      sums[s] = Math.max(sums[s] as number, counts[b + s] as number);
  }
  const rolling = outcomeCounts(sums);
  const requests =
    rolling.success + rolling.failure + rolling.timeout + rolling.shortCircuited + rolling.rejected;
  const errors = requests - rolling.success;
  const h = state.latency;
  const values = h.percentiles(LATENCY_PERCENTILES);
  const percentiles = {} as Record<PercentileKey, number | null>;
  LATENCY_PERCENTILES.forEach((p, i) => {
    percentiles[String(p) as PercentileKey] = h.count === 0 ? null : (values[i] as number);
  });
  const breaker = state.breaker;
  const pool = state.pool;
  return {
    name: state.name,
    group: state.group,
    time: state.time,
    window: state.window,
    latencyWindow: state.latencyWindow,
    counts: rolling,
    totals: outcomeCounts(state.totals),
    requests,
    errors,
    errorPercentage: requests === 0 ? 0 : (100 * errors) / requests,
    requestRate: requests / (state.span / 1000),
    inFlight: state.inFlight,
    maxInFlight: sums[S.MAX_IN_FLIGHT] as number,
    retries: sums[S.RETRIES] as number,
    totalRetries: state.totals[S.RETRIES] as number,
    latency: {
      count: h.count,
      mean: h.count === 0 ? null : h.mean,
      percentiles,
      totalCount: state.latencyCount,
      totalSum: state.latencySum,
      buckets: { le: state.boundaries, counts: state.cumulative },
    },
    circuit:
      breaker === undefined
        ? null
        : {
            name: breaker.name,
            state: breaker.state,
            open: isOpen(breaker.state),
            opened: sums[S.CIRCUIT_OPENED] as number,
            totalOpened: state.totals[S.CIRCUIT_OPENED] as number,
          },
    pool:
      pool === undefined
        ? null
        : {
            name: pool.name,
            active: pool.active,
            queued: pool.queued,
            concurrency: pool.concurrency,
            queue: pool.queue,
            abandoned: typeof pool.abandoned === 'number' ? pool.abandoned : 0,
            limit: typeof pool.limit === 'number' ? pool.limit : pool.concurrency,
            adaptive: adaptiveOf(pool),
            executed: sums[S.POOL_STARTED] as number,
            rejected: sums[S.POOL_REJECTED] as number,
            totalExecuted: state.totals[S.POOL_STARTED] as number,
            totalRejected: state.totals[S.POOL_REJECTED] as number,
            maxActive: sums[S.MAX_POOL_ACTIVE] as number,
          },
    cache: cacheSnapshot(state.cache, state.cacheCounts),
    ...sourceSnapshots(state.facts),
  };
}

// An adaptive limit's bounds, read at snapshot time (a pool may be resized between).
function adaptiveOf(pool: ObservablePool): { min: number; max: number } | null {
  const a = pool.adaptive;
  if (typeof a !== 'object' || a === null) return null;
  return typeof a.min === 'number' && typeof a.max === 'number' ? { min: a.min, max: a.max } : null;
}

function cacheSnapshot(
  cache: ObservableCache | undefined,
  counts: CacheCounters | undefined,
): CacheSnapshot | null {
  if (cache === undefined || counts === undefined) return null;
  const { window, total } = counts.read();
  return { name: cache.name, ...window, totals: total, totalLoadTime: counts.loadTime };
}
