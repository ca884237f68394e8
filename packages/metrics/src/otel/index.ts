import { type Disposable, format, type Rule, resolveOptions, toDisposable } from '@dyno/core';
// Type-only: this entry point never loads @opentelemetry/api; it calls the Meter it is given.
import type { BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import { BOUNDARIES } from '../internal/checks.js';
import { boundariesInSeconds } from '../internal/seconds.js';
import type { Metrics } from '../metrics.js';
import { DEFAULT_LATENCY_BOUNDARIES } from '../options.js';
import { CallInstruments } from './calls.js';
import { Carry, CIRCUIT_STATES } from './carry.js';
import { sourceInstruments } from './sources.js';

/** Options of `registerOtelMetrics`. */
export interface OtelMetricsOptions {
  /**
   * Put before every instrument name.
   * @default 'dyno.'
   */
  readonly prefix?: string;
  /**
   * The explicit bucket boundaries advised for the `call.duration` histogram, in ms (as
   * `latencyBoundaries`; the instrument is in seconds). A view configured in the SDK wins.
   * @default DEFAULT_LATENCY_BOUNDARIES
   */
  readonly boundaries?: readonly number[];
}

/** The defaults of `registerOtelMetrics`. */
export const DEFAULT_OTEL_METRICS_OPTIONS: Readonly<Required<OtelMetricsOptions>> = Object.freeze({
  prefix: 'dyno.',
  boundaries: DEFAULT_LATENCY_BOUNDARIES,
});

const PREFIX: Rule = {
  expected: 'an instrument name prefix matching [a-zA-Z][a-zA-Z0-9_./-]*',
  test: (v) =>
    typeof v !== 'string' ? 'type' : /^([a-zA-Z][a-zA-Z0-9_./-]*)?$/.test(v) ? undefined : 'range',
};

/**
 * Reports every `Metrics` of `source` to an OpenTelemetry `Meter` (from `@opentelemetry/api`,
 * an optional peer dependency), in the semantic-conventions style: attributes `dyno.name`,
 * `dyno.outcome`, `dyno.pool.name`, `dyno.circuit.state`; durations in seconds.
 * - `dyno.call.duration` (histogram, s, with explicit bucket advice) and `dyno.calls`
 *   (counter): every outcome as it is counted, through `Metrics.onOutcome`. A `Metrics` is
 *   attached when registered, when a `MetricsRegistry` source adds it, or at the next
 *   collection; outcomes counted before that are added to `dyno.calls` at once, but their
 *   durations are not in the histogram.
 * - `dyno.retries`, `dyno.circuit.opened`, `dyno.pool.rejected` (observable counters): a name
 *   deleted and made again continues its series rather than restarting it.
 * - `dyno.cache.requests` (`dyno.cache.result`: hit, miss), `dyno.cache.stale`,
 *   `dyno.cache.refreshes`, `dyno.cache.loads` (`dyno.outcome`), `dyno.cache.store.errors`,
 *   `dyno.cache.store.circuit.opened`, `dyno.cache.tier.read.errors`, `dyno.cache.bus.drops`,
 *   `dyno.cache.bus.errors` (observable counters, same continuation) for an observed cache
 *   (`dyno.cache.name`).
 * - `dyno.call.active`, `dyno.pool.active`, `dyno.pool.queued`, `dyno.pool.abandoned`,
 *   `dyno.pool.limit` (the limit now, adaptive or not; observable up-down counters) and
 *   `dyno.circuit.state` (gauge: 1 for the current state, 0 for the others), read at each
 *   collection.
 * - `dyno.http.responses` (`dyno.http.status_class`), `dyno.hedges`, `dyno.hedge.wins`,
 *   `dyno.hedge.refused` (`dyno.hedge.name`), `dyno.rate_limit.decisions`
 *   (`dyno.rate_limit.result`), `dyno.rate_limit.fallback_decisions`,
 *   `dyno.rate_limit.redis.errors`, `dyno.fleet.isolations`, `dyno.fleet.redis.errors`
 *   (observable counters, continued the same way); `dyno.fleet.members`,
 *   `dyno.fleet.open_members` (up-down counters); `dyno.fleet.isolating`, `dyno.fleet.connected`
 *   and `dyno.rate_limit.redis.state` (gauges), for an observed HTTP source, hedge, fleet rate
 *   limiter (`dyno.rate_limit.name`) or fleet circuit (`dyno.fleet.name`).
 * Dispose the result to stop reporting.
 */
export function registerOtelMetrics(
  meter: Meter,
  source: Metrics | Iterable<Metrics>,
  options?: OtelMetricsOptions,
): Disposable {
  const { prefix, boundaries } = resolveOptions(
    '@dyno/metrics',
    options,
    { prefix: PREFIX, boundaries: BOUNDARIES },
    DEFAULT_OTEL_METRICS_OPTIONS,
  );
  if (
    typeof meter !== 'object' ||
    meter === null ||
    typeof meter.addBatchObservableCallback !== 'function'
  ) {
    throw new TypeError(
      `@dyno/metrics: registerOtelMetrics needs an OpenTelemetry Meter; received ${format(meter)}`,
    );
  }
  if (typeof source !== 'object' || source === null) {
    throw new TypeError(
      `@dyno/metrics: registerOtelMetrics needs a Metrics or an iterable of Metrics; received ${format(source)}`,
    );
  }
  // The live entries, the first of each name only (as the Prometheus exporter writes one series
  // per name): two instances taking turns behind one name would make its counters jump.
  const entries = (): Set<Metrics> => {
    const list =
      Symbol.iterator in source ? [...(source as Iterable<Metrics>)] : [source as Metrics];
    const names = new Set<string>();
    const out = new Set<Metrics>();
    for (const m of list) {
      if (m.disposed || names.has(m.name)) continue;
      names.add(m.name);
      out.add(m);
    }
    return out;
  };
  const duration = meter.createHistogram(`${prefix}call.duration`, {
    description: 'Duration of calls, by outcome.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...boundariesInSeconds(boundaries)] },
  });
  const calls = meter.createCounter(`${prefix}calls`, {
    description: 'Calls by outcome.',
    unit: '{call}',
  });
  const counter = (name: string, description: string, unit: string) =>
    meter.createObservableCounter(`${prefix}${name}`, { description, unit });
  const upDown = (name: string, description: string, unit: string) =>
    meter.createObservableUpDownCounter(`${prefix}${name}`, { description, unit });
  const retries = counter('retries', 'Retries, from an observed retry.', '{retry}');
  const opened = counter('circuit.opened', 'How often the circuit opened.', '{opening}');
  const rejected = counter('pool.rejected', 'Tasks the pool refused.', '{task}');
  const active = upDown('call.active', 'Calls in flight.', '{call}');
  const poolActive = upDown('pool.active', 'Tasks running in the pool.', '{task}');
  const poolQueued = upDown('pool.queued', 'Tasks waiting in the pool queue.', '{task}');
  const poolAbandoned = upDown(
    'pool.abandoned',
    'Timed-out tasks given back their slot that still run (they ignored their signal).',
    '{task}',
  );
  const poolLimit = upDown('pool.limit', 'The pool concurrency limit.', '{task}');
  const state = meter.createObservableGauge(`${prefix}circuit.state`, {
    description: 'The circuit state: 1 for the current one, 0 for the others.',
  });
  const cacheRequests = counter(
    'cache.requests',
    'Cache reads by result: hit (fresh or stale) or miss.',
    '{request}',
  );
  const cacheStale = counter('cache.stale', 'Past-expiry values served by the cache.', '{value}');
  const cacheRefreshes = counter(
    'cache.refreshes',
    'Recomputes of a cached key that had a value.',
    '{refresh}',
  );
  const cacheLoads = counter('cache.loads', 'Cache loader calls ended, by outcome.', '{load}');
  const cacheStoreErrors = counter('cache.store.errors', 'Cache store failures.', '{error}');
  const cacheStoreCircuitOpened = counter(
    'cache.store.circuit.opened',
    'Times the cache stopped using its store after repeated failures.',
    '{opening}',
  );
  const cacheTierReadErrors = counter(
    'cache.tier.read.errors',
    'Redis reads of the cache two-tier store that failed and were answered as misses.',
    '{error}',
  );
  const cacheBusDrops = counter(
    'cache.bus.drops',
    'Times the cache store invalidation bus went down.',
    '{drop}',
  );
  const cacheBusErrors = counter(
    'cache.bus.errors',
    'Cache bus messages not sent, not subscribed to or malformed.',
    '{error}',
  );
  const sources = sourceInstruments(meter, prefix);
  const instruments: Observable[] = [
    ...sources.instruments,
    retries,
    opened,
    rejected,
    active,
    poolActive,
    poolQueued,
    poolAbandoned,
    poolLimit,
    state,
    cacheRequests,
    cacheStale,
    cacheRefreshes,
    cacheLoads,
    cacheStoreErrors,
    cacheStoreCircuitOpened,
    cacheTierReadErrors,
    cacheBusDrops,
    cacheBusErrors,
  ];

  const sync = new CallInstruments(calls, duration);

  const carry = new Carry();
  const callback = (result: BatchObservableResult): void => {
    const live = entries();
    sync.detachAllBut(live);
    for (const m of live) {
      sync.attach(m);
      const s = m.snapshot();
      const name = { 'dyno.name': s.name };
      const k = s.cache?.totals;
      const [
        r,
        o,
        rj,
        hits,
        misses,
        stale,
        refreshes,
        ok,
        failed,
        timedOut,
        storeErrors,
        busDrops,
        busErrors,
        storeCircuitOpened,
        tierReadErrors,
      ] = carry.continued(m, s.name, [
        s.totalRetries,
        s.circuit?.totalOpened ?? 0,
        s.pool?.totalRejected ?? 0,
        k?.hits ?? 0,
        k?.misses ?? 0,
        k?.stale ?? 0,
        k?.refreshes ?? 0,
        k?.loads.success ?? 0,
        k?.loads.failure ?? 0,
        k?.loads.timeout ?? 0,
        k?.storeErrors ?? 0,
        k?.busDrops ?? 0,
        k?.busErrors ?? 0,
        k?.storeCircuitOpened ?? 0,
        k?.tierReadErrors ?? 0,
      ]);
      const total = { retries: r, opened: o, rejected: rj };
      result.observe(retries, total.retries, name);
      result.observe(active, s.inFlight, name);
      if (s.circuit !== null) {
        result.observe(opened, total.opened, name);
        const current = s.circuit.state;
        const states = CIRCUIT_STATES.includes(current)
          ? CIRCUIT_STATES
          : [...CIRCUIT_STATES, current];
        for (const each of states) {
          result.observe(state, each === current ? 1 : 0, { ...name, 'dyno.circuit.state': each });
        }
      }
      if (s.cache !== null) {
        const cache = { ...name, 'dyno.cache.name': s.cache.name };
        result.observe(cacheRequests, hits, { ...cache, 'dyno.cache.result': 'hit' });
        result.observe(cacheRequests, misses, { ...cache, 'dyno.cache.result': 'miss' });
        result.observe(cacheStale, stale, cache);
        result.observe(cacheRefreshes, refreshes, cache);
        result.observe(cacheLoads, ok, { ...cache, 'dyno.outcome': 'success' });
        result.observe(cacheLoads, failed, { ...cache, 'dyno.outcome': 'failure' });
        result.observe(cacheLoads, timedOut, { ...cache, 'dyno.outcome': 'timeout' });
        result.observe(cacheStoreErrors, storeErrors, cache);
        result.observe(cacheStoreCircuitOpened, storeCircuitOpened, cache);
        result.observe(cacheTierReadErrors, tierReadErrors, cache);
        result.observe(cacheBusDrops, busDrops, cache);
        result.observe(cacheBusErrors, busErrors, cache);
      }
      if (s.pool !== null) {
        const pool = { ...name, 'dyno.pool.name': s.pool.name };
        result.observe(rejected, total.rejected, pool);
        result.observe(poolActive, s.pool.active, pool);
        result.observe(poolQueued, s.pool.queued, pool);
        result.observe(poolAbandoned, s.pool.abandoned, pool);
        if (Number.isFinite(s.pool.limit)) result.observe(poolLimit, s.pool.limit, pool);
      }
      sources.observe(result, m, s);
    }
    carry.sweep();
    sources.sweep();
  };
  meter.addBatchObservableCallback(callback, instruments);
  for (const m of entries()) sync.attach(m);
  const onAdd = (source as { onAdd?: unknown }).onAdd;
  const added =
    typeof onAdd === 'function'
      ? (onAdd as (l: (e: { metrics: Metrics }) => void) => Disposable)((e) =>
          sync.attach(e.metrics),
        )
      : undefined;
  return toDisposable(() => {
    meter.removeBatchObservableCallback(callback, instruments);
    added?.dispose();
    sync.dispose();
  });
}
