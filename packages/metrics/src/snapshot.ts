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
  /** The cumulative buckets of every latency since creation (a Prometheus histogram's `le`). */
  readonly buckets: LatencyBuckets;
}

/** Latencies since creation at or below each bound: what Prometheus and OpenTelemetry export. */
export interface LatencyBuckets {
  /** The upper bounds in ms (`latencyBoundaries`), ascending. */
  readonly le: readonly number[];
  /**
   * Cumulative counts: `counts[k]` latencies at or below `le[k]`, and one more entry, the
   * count of all (`+Inf`, equal to `totalCount`).
   */
  readonly counts: readonly number[];
}

/** The circuit state of an observed breaker. */
export interface CircuitSnapshot {
  readonly name: string;
  readonly state: string;
  /**
   * True while calls are refused or only probed: `open`, `half-open`, `isolated` and any state
   * Dyno does not know (as Hystrix's `isCircuitBreakerOpen`). `closed` and `disabled`
   * (count-only: every call runs) are not open.
   */
  readonly open: boolean;
  /** How many times it opened within the counter window. */
  readonly opened: number;
  /** How many times it opened since the `Metrics` was made. */
  readonly totalOpened: number;
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
  /**
   * The concurrency limit now: where an adaptive limit stands (`pool.limit`), else
   * `concurrency`. Read at snapshot time.
   */
  readonly limit: number;
  /** The bounds an adaptive limit moves within; `null` for a fixed limit. */
  readonly adaptive: { readonly min: number; readonly max: number } | null;
  /** Tasks started within the window. */
  readonly executed: number;
  /** Tasks the pool refused within the window. */
  readonly rejected: number;
  /** Tasks started since the `Metrics` was made. */
  readonly totalExecuted: number;
  /** Tasks refused since the `Metrics` was made. */
  readonly totalRejected: number;
  /** The most tasks active at once within the window. */
  readonly maxActive: number;
}

/** What an observed cache did, over the counter window or since the `Metrics` was made. */
export interface CacheCounts {
  /** Values served from the store, fresh or stale. */
  readonly hits: number;
  /** Reads that had to wait for a load. */
  readonly misses: number;
  /** Past-expiry values served (revalidating, stale-if-error, soft timeout). */
  readonly stale: number;
  /** Recomputes of a key that had a value (early, expired or forced). */
  readonly refreshes: number;
  /** Loader calls ended, by outcome. */
  readonly loads: { readonly success: number; readonly failure: number; readonly timeout: number };
  /** Store failures (read, write or lease) the cache saw. */
  readonly storeErrors: number;
  /**
   * Redis reads the cache's two-tier store failed and answered as misses (its `onError` with
   * `during: 'read'`): the cache never sees them. Like the two below, a fact of the store: every
   * observed cache on the same store counts it.
   */
  readonly tierReadErrors: number;
  /**
   * Times the store's invalidation bus went down (a two-tier store's `onBusState` with
   * `connected: false`): what other processes wrote meanwhile was never heard of here.
   */
  readonly busDrops: number;
  /**
   * Bus messages lost or refused: an invalidation this process could not publish, a failed
   * subscription, a malformed message ignored (a two-tier store's `onError`, `during` `publish`,
   * `subscribe` or `message`).
   */
  readonly busErrors: number;
  /**
   * Times the cache stopped using its store after repeated failures (its `onStoreCircuit` with
   * `state: 'open'`): while it is open no store error is counted, its reads are misses.
   */
  readonly storeCircuitOpened: number;
}

/** The facts of an observed cache (`@dyno/cache`'s events). */
export interface CacheSnapshot extends CacheCounts {
  readonly name: string;
  /** The same facts since the `Metrics` was made. */
  readonly totals: CacheCounts;
  /** Loader time since the `Metrics` was made, ms. */
  readonly totalLoadTime: number;
}

/** An HTTP status class. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/** Responses by status class, over the counter window or since the `Metrics` was made. */
export interface HttpCounts {
  readonly statuses: Readonly<Record<StatusClass, number>>;
}

/** The responses of an observed HTTP source (`onResponse`), such as a `@dyno/fetch` origin. */
export interface HttpSnapshot extends HttpCounts {
  readonly name: string;
  /** The same since the `Metrics` was made. */
  readonly totals: HttpCounts;
}

/** What an observed hedge did, over the counter window or since the `Metrics` was made. */
export interface HedgeCounts {
  /** Extra attempts started. */
  readonly hedges: number;
  /** Calls an extra attempt won. */
  readonly wins: number;
  /** Extra attempts the hedging budget refused. */
  readonly refused: number;
}

/** The facts of an observed hedge (`@dyno/hedge`'s events). */
export interface HedgeSnapshot extends HedgeCounts {
  readonly name: string;
  readonly totals: HedgeCounts;
}

/** What an observed fleet rate limiter decided, over the window or since creation. */
export interface RateLimitCounts {
  /** Calls admitted (by Redis or by the fallback). */
  readonly admitted: number;
  /** Calls refused (by Redis or by the fallback). */
  readonly refused: number;
  /** Decisions made without Redis (`whenUnavailable`), admitted or refused: part of both above. */
  readonly fallback: number;
  /** Redis failed or was too slow (to decide, or to take back a turn). */
  readonly redisErrors: number;
}

/** The facts of an observed fleet rate limiter (`@dyno/pool-redis`'s `RedisRateLimiter`). */
export interface RateLimitSnapshot extends RateLimitCounts {
  readonly name: string;
  /**
   * Whether Redis decides: `closed` (it does), `open` (skipped after failures), `half-open`;
   * read at snapshot time, `null` for a limiter that does not say.
   */
  readonly redisState: string | null;
  readonly totals: RateLimitCounts;
}

/** What an observed fleet circuit did, over the window or since creation. */
export interface FleetCounts {
  /** Times the fleet's quorum isolated the local breaker. */
  readonly isolations: number;
  /** Redis commands of the fleet that failed or were late (never a call's). */
  readonly redisErrors: number;
}

/**
 * The quorum view of an observed fleet circuit (`@dyno/breaker-redis`'s `FleetCircuit`): its
 * gauges read at snapshot time, and its counts.
 */
export interface FleetSnapshot extends FleetCounts {
  readonly name: string;
  /** Live members, this process included (0 while Redis is out of reach). */
  readonly live: number;
  /** Live members reporting the circuit open or half-open. */
  readonly open: number;
  /** True while the fleet's quorum holds the local breaker isolated. */
  readonly isolating: boolean;
  /** True while the view is fresh from Redis. */
  readonly connected: boolean;
  readonly totals: FleetCounts;
}

/** What an observed load shedder did, over the counter window or since creation. */
export interface ShedCounts {
  /** Requests let through, health checks included. */
  readonly admitted: number;
  /** Requests answered 503. */
  readonly refused: number;
  /** Requests let through, by priority class. */
  readonly admittedBy: Readonly<Record<'health' | 'critical' | 'sheddable', number>>;
  /** Requests answered 503, by reason and priority class (health checks never are). */
  readonly refusedBy: Readonly<
    Record<'limit' | 'event-loop' | 'closed', Readonly<Record<'critical' | 'sheddable', number>>>
  >;
}

/** The facts of an observed load shedder (`@dyno/shed`'s `Shedder`: `onAdmit`, `onShed`). */
export interface ShedSnapshot extends ShedCounts {
  readonly name: string;
  readonly totals: ShedCounts;
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
  /**
   * Requests per second over the span the window covers now: its full buckets plus the part of
   * the current one elapsed so far (so a steady rate reads steady, with no sawtooth as the
   * current bucket fills). With a single bucket, over the whole window.
   */
  readonly requestRate: number;
  /** Calls between `begin()` and `end()` now. */
  readonly inFlight: number;
  /** The largest `inFlight` within the window. */
  readonly maxInFlight: number;
  /** Retries within the window, from an observed retry. */
  readonly retries: number;
  /** Retries since creation. */
  readonly totalRetries: number;
  readonly latency: LatencySnapshot;
  /** From the observed breaker, `null` when none is observed. */
  readonly circuit: CircuitSnapshot | null;
  /** From the observed pool, `null` when none is observed. */
  readonly pool: PoolSnapshot | null;
  /** From the observed cache, `null` when none is observed. */
  readonly cache: CacheSnapshot | null;
  /** From the observed HTTP source (a `@dyno/fetch` origin), `null` when none is observed. */
  readonly http: HttpSnapshot | null;
  /** From the observed hedge, `null` when none is observed. */
  readonly hedge: HedgeSnapshot | null;
  /** From the observed fleet rate limiter, `null` when none is observed. */
  readonly rateLimit: RateLimitSnapshot | null;
  /** From the observed fleet circuit, `null` when none is observed. */
  readonly fleet: FleetSnapshot | null;
  /** From the observed load shedder, `null` when none is observed. */
  readonly shed: ShedSnapshot | null;
}
