import type { OutcomeCounts } from '../outcome.js';
import { LATENCY_PERCENTILES, type MetricsSnapshot, type PercentileKey } from '../snapshot.js';
import { type Exposition, escapeLabelValue, num } from './exposition.js';
import { addSourceFamilies } from './prometheus-sources.js';
import { boundariesInSeconds } from './seconds.js';

const OUTCOME_LABELS: readonly [keyof OutcomeCounts, string][] = [
  ['success', 'success'],
  ['failure', 'failure'],
  ['timeout', 'timeout'],
  ['shortCircuited', 'short-circuited'],
  ['rejected', 'rejected'],
  ['fallbackSuccess', 'fallback-success'],
  ['fallbackFailure', 'fallback-failure'],
];

/** Every state a `dyno_circuit_state` series is written for (1 for the current, 0 else). */
export const CIRCUIT_STATES: readonly string[] = [
  'closed',
  'open',
  'half-open',
  'isolated',
  'disabled',
];

/**
 * Adds the families of one snapshot that aggregate across a fleet: counters since creation,
 * gauges of now and the latency histogram. `l` is the snapshot's label set without braces.
 */
export function addFleetFamilies(
  out: Exposition,
  prefix: string,
  s: MetricsSnapshot,
  l: string,
): void {
  const calls = `${prefix}calls_total`;
  for (const [key, outcome] of OUTCOME_LABELS) {
    out.add(
      calls,
      'counter',
      'Calls by outcome since start.',
      `${calls}{${l},outcome="${outcome}"} ${num(s.totals[key])}`,
    );
  }
  const counter = (metric: string, help: string, value: number, extra = ''): void =>
    out.add(
      `${prefix}${metric}`,
      'counter',
      help,
      `${prefix}${metric}{${l}${extra}} ${num(value)}`,
    );
  const gauge = (metric: string, help: string, value: number, extra = ''): void =>
    out.add(prefix + metric, 'gauge', help, `${prefix}${metric}{${l}${extra}} ${num(value)}`);
  counter('retries_total', 'Retries since start, from an observed retry.', s.totalRetries);
  gauge('in_flight', 'Calls in flight.', s.inFlight);
  if (s.circuit !== null) {
    const state = s.circuit.state;
    gauge(
      'circuit_open',
      'Whether the circuit refuses or only probes calls (1: open, half-open, isolated) or not (0: closed, disabled).',
      s.circuit.open ? 1 : 0,
    );
    const states = CIRCUIT_STATES.includes(state) ? CIRCUIT_STATES : [...CIRCUIT_STATES, state];
    for (const each of states) {
      gauge(
        'circuit_state',
        'The circuit state: 1 for the current one, 0 for the others.',
        each === state ? 1 : 0,
        `,state="${escapeLabelValue(each)}"`,
      );
    }
    counter(
      'circuit_opened_total',
      'How often the circuit opened since start.',
      s.circuit.totalOpened,
    );
  }
  if (s.pool !== null) {
    const pool = `,pool="${escapeLabelValue(s.pool.name)}"`;
    gauge('pool_active', 'Tasks running in the pool.', s.pool.active, pool);
    gauge('pool_queued', 'Tasks waiting in the pool queue.', s.pool.queued, pool);
    gauge('pool_concurrency', 'The pool concurrency limit.', s.pool.concurrency, pool);
    gauge('pool_queue_limit', 'The pool queue limit.', s.pool.queue, pool);
    gauge(
      'pool_abandoned',
      'Timed-out tasks given back their slot that still run (they ignored their signal).',
      s.pool.abandoned,
      pool,
    );
    gauge(
      'pool_limit',
      'The pool concurrency limit now (where an adaptive limit stands).',
      s.pool.limit,
      pool,
    );
    if (s.pool.adaptive !== null) {
      gauge(
        'pool_limit_min',
        'The lowest an adaptive pool limit may go.',
        s.pool.adaptive.min,
        pool,
      );
      gauge(
        'pool_limit_max',
        'The highest an adaptive pool limit may go.',
        s.pool.adaptive.max,
        pool,
      );
    }
    counter(
      'pool_started_total',
      'Tasks the pool started since start.',
      s.pool.totalExecuted,
      pool,
    );
    counter(
      'pool_rejected_total',
      'Tasks the pool refused since start.',
      s.pool.totalRejected,
      pool,
    );
  }
  if (s.cache !== null) addCacheFamilies(counter, s.cache);
  addSourceFamilies(counter, gauge, s);
  const latency = `${prefix}latency_seconds`;
  const help = 'Call latency in seconds since start.';
  const { le, counts } = s.latency.buckets;
  boundariesInSeconds(le).forEach((bound, k) => {
    const sample = `${latency}_bucket{${l},le="${num(bound)}"} ${num(counts[k] as number)}`;
    out.add(latency, 'histogram', help, sample, 'seconds');
  });
  out.add(
    latency,
    'histogram',
    help,
    `${latency}_bucket{${l},le="+Inf"} ${num(counts[le.length] as number)}`,
  );
  out.add(latency, 'histogram', help, `${latency}_sum{${l}} ${num(s.latency.totalSum / 1000)}`);
  out.add(latency, 'histogram', help, `${latency}_count{${l}} ${num(s.latency.totalCount)}`);
}

/**
 * Adds the rolling-window figures of the Hystrix stream (option `rolling`): per-instance views
 * over the counter and latency windows, which PromQL cannot aggregate across instances.
 */
export function addRollingFamilies(
  out: Exposition,
  prefix: string,
  s: MetricsSnapshot,
  l: string,
): void {
  const windowCalls = `${prefix}window_calls`;
  for (const [key, outcome] of OUTCOME_LABELS) {
    out.add(
      windowCalls,
      'gauge',
      'Calls by outcome over the rolling window (Hystrix extra).',
      `${windowCalls}{${l},outcome="${outcome}"} ${num(s.counts[key])}`,
    );
  }
  const gauge = (metric: string, help: string, value: number): void =>
    out.add(prefix + metric, 'gauge', help, `${prefix}${metric}{${l}} ${num(value)}`);
  gauge(
    'in_flight_max',
    'Most calls in flight at once over the rolling window (Hystrix extra).',
    s.maxInFlight,
  );
  gauge(
    'error_percentage',
    'Failed, timed-out, short-circuited and rejected calls as a percentage of requests over the rolling window (Hystrix extra).',
    s.errorPercentage,
  );
  gauge(
    'request_rate',
    'Requests per second over the rolling window (Hystrix extra).',
    s.requestRate,
  );
  gauge('window_retries', 'Retries over the rolling window (Hystrix extra).', s.retries);
  const latency = `${prefix}window_latency_seconds`;
  for (const p of LATENCY_PERCENTILES) {
    const value = s.latency.percentiles[String(p) as PercentileKey];
    out.add(
      latency,
      'summary',
      'Call latency quantiles in seconds over the latency window (Hystrix extra).',
      `${latency}{${l},quantile="${p / 100}"} ${num(value === null ? null : value / 1000)}`,
      'seconds',
    );
  }
}

type Counter = (metric: string, help: string, value: number, extra?: string) => void;

function addCacheFamilies(counter: Counter, cache: NonNullable<MetricsSnapshot['cache']>): void {
  const c = `,cache="${escapeLabelValue(cache.name)}"`;
  const t = cache.totals;
  counter('cache_hits_total', 'Values served from the cache store, fresh or stale.', t.hits, c);
  counter('cache_misses_total', 'Cache reads that waited for a load.', t.misses, c);
  counter('cache_stale_total', 'Past-expiry values served by the cache.', t.stale, c);
  counter('cache_refreshes_total', 'Recomputes of a cached key that had a value.', t.refreshes, c);
  for (const [outcome, value] of Object.entries(t.loads)) {
    counter(
      'cache_loads_total',
      'Cache loader calls ended, by outcome.',
      value,
      `${c},outcome="${outcome}"`,
    );
  }
  counter(
    'cache_load_seconds_total',
    'Time spent in cache loaders, in seconds.',
    cache.totalLoadTime / 1000,
    c,
  );
  counter('cache_store_errors_total', 'Cache store failures.', t.storeErrors, c);
  counter(
    'cache_store_circuit_opened_total',
    'Times the cache stopped using its store after repeated failures.',
    t.storeCircuitOpened,
    c,
  );
  counter(
    'cache_tier_read_errors_total',
    'Redis reads of the cache two-tier store that failed and were answered as misses.',
    t.tierReadErrors,
    c,
  );
  counter(
    'cache_bus_drops_total',
    'Times the cache store invalidation bus went down (writes of other processes meanwhile were missed).',
    t.busDrops,
    c,
  );
  counter(
    'cache_bus_errors_total',
    'Cache bus messages not sent, not subscribed to or malformed.',
    t.busErrors,
    c,
  );
}
