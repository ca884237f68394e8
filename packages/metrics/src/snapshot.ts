import type { OutcomeCounts } from './outcome.js';

/** The latency percentiles every snapshot reports, as Hystrix does. */
export const LATENCY_PERCENTILES: readonly number[] = Object.freeze([
  0, 25, 50, 75, 90, 95, 99, 99.5, 100,
]);

/** A key of `LatencySnapshot.percentiles`. */
export type PercentileKey = '0' | '25' | '50' | '75' | '90' | '95' | '99' | '99.5' | '100';

/** Latency over the latency window, in ms; `null` when the window holds none. */
export interface LatencySnapshot {
  /** How many latencies the window holds. */
  readonly count: number;
  readonly mean: number | null;
  /** p0 and p100 are exact; the others within the histogram's precision (0.78 % by default). */
  readonly percentiles: Readonly<Record<PercentileKey, number | null>>;
  /** Every latency recorded since creation: how many, and their sum (for Prometheus `_count`/`_sum`). */
  readonly totalCount: number;
  readonly totalSum: number;
}

/** The circuit state of an observed breaker. */
export interface CircuitSnapshot {
  readonly name: string;
  readonly state: string;
  /** Every state but `closed` counts as open, as Hystrix's `isCircuitBreakerOpen` does. */
  readonly open: boolean;
  /** How many times it opened within the counter window. */
  readonly opened: number;
}

/** The gauges of an observed pool, and its counts over the counter window. */
export interface PoolSnapshot {
  readonly name: string;
  readonly active: number;
  readonly queued: number;
  readonly concurrency: number;
  /** The maximum queue length. */
  readonly queue: number;
  /**
   * Timed-out tasks whose slot was given back and that still run (they ignored their signal):
   * calls the dependency sees beyond `active`. 0 for a pool that does not report it.
   */
  readonly abandoned: number;
  /** Tasks started within the window. */
  readonly executed: number;
  /** Tasks the pool refused within the window. */
  readonly rejected: number;
  /** The most tasks active at once within the window. */
  readonly maxActive: number;
}

/** A plain-JSON picture of one `Metrics` at one instant. */
export interface MetricsSnapshot {
  readonly name: string;
  readonly group: string;
  /** The clock's `now()` when taken (monotonic ms, not a date). */
  readonly time: number;
  /** The counter window in ms. */
  readonly window: number;
  /** The latency window in ms. */
  readonly latencyWindow: number;
  /** Outcomes within the counter window. */
  readonly counts: OutcomeCounts;
  /** Outcomes since creation (monotonic: Prometheus and OpenTelemetry counters). */
  readonly totals: OutcomeCounts;
  /** success + failure + timeout + short-circuited + rejected within the window (not fallbacks). */
  readonly requests: number;
  /** failure + timeout + short-circuited + rejected within the window. */
  readonly errors: number;
  /** 100 * errors / requests, 0 when there were no requests. */
  readonly errorPercentage: number;
  /** Requests per second over the window. */
  readonly requestRate: number;
  /** Calls between `begin()` and `end()` now. */
  readonly inFlight: number;
  /** The largest `inFlight` within the window. */
  readonly maxInFlight: number;
  /** Retries within the window, from an observed retry. */
  readonly retries: number;
  readonly latency: LatencySnapshot;
  /** From the observed breaker, `null` when none is observed. */
  readonly circuit: CircuitSnapshot | null;
  /** From the observed pool, `null` when none is observed. */
  readonly pool: PoolSnapshot | null;
}
