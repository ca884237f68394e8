import { type Disposable, format, type Rule, resolveOptions, toDisposable } from '@dyno/core';
// Type-only: this entry point never loads @opentelemetry/api; it calls the Meter it is given.
import type { BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { Metrics } from '../metrics.js';
import { OUTCOMES, type OutcomeCounts } from '../outcome.js';
import { LATENCY_PERCENTILES, type MetricsSnapshot, type PercentileKey } from '../snapshot.js';

/** Options of `registerOtelMetrics`. */
export interface OtelMetricsOptions {
  /**
   * Put before every instrument name.
   * @default 'dyno.'
   */
  readonly prefix?: string;
}

/** The defaults of `registerOtelMetrics`. */
export const DEFAULT_OTEL_METRICS_OPTIONS: Readonly<Required<OtelMetricsOptions>> = Object.freeze({
  prefix: 'dyno.',
});

const PREFIX: Rule = {
  expected: 'an instrument name prefix matching [a-zA-Z][a-zA-Z0-9_./-]*',
  test: (v) =>
    typeof v !== 'string' ? 'type' : /^([a-zA-Z][a-zA-Z0-9_./-]*)?$/.test(v) ? undefined : 'range',
};

const KEYS: readonly (keyof OutcomeCounts)[] = [
  'success',
  'failure',
  'timeout',
  'shortCircuited',
  'rejected',
  'fallbackSuccess',
  'fallbackFailure',
];

/**
 * Registers observable instruments for every `Metrics` of `source` on an OpenTelemetry `Meter`
 * (from `@opentelemetry/api`, an optional peer dependency). One batch callback takes one
 * snapshot per `Metrics` per collection. Instruments, with attributes `name` (and `outcome`,
 * `quantile`, `pool`):
 * - `dyno.calls` (counter): outcomes since creation;
 * - `dyno.in_flight` (up-down counter), `dyno.in_flight.max`, `dyno.error_percentage`,
 *   `dyno.request_rate` (gauges over the rolling window);
 * - `dyno.latency` (gauge, ms, per `quantile` from 0 to 1, over the latency window);
 * - `dyno.circuit.open` (gauge 0/1) and `dyno.pool.active`, `dyno.pool.queued`,
 *   `dyno.pool.abandoned` (up-down counters) for observed breakers and pools.
 * Dispose the result to stop reporting.
 */
export function registerOtelMetrics(
  meter: Meter,
  source: Metrics | Iterable<Metrics>,
  options?: OtelMetricsOptions,
): Disposable {
  const { prefix } = resolveOptions(
    '@dyno/metrics',
    options,
    { prefix: PREFIX },
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
  const entries = (): Metrics[] => {
    const list =
      Symbol.iterator in source ? [...(source as Iterable<Metrics>)] : [source as Metrics];
    return list.filter((m) => !m.disposed);
  };
  const calls = meter.createObservableCounter(`${prefix}calls`, {
    description: 'Calls by outcome since start.',
    unit: '{call}',
  });
  const inFlight = meter.createObservableUpDownCounter(`${prefix}in_flight`, {
    description: 'Calls in flight.',
    unit: '{call}',
  });
  const inFlightMax = meter.createObservableGauge(`${prefix}in_flight.max`, {
    description: 'Most calls in flight at once over the rolling window.',
    unit: '{call}',
  });
  const errorPercentage = meter.createObservableGauge(`${prefix}error_percentage`, {
    description: 'Errors as a percentage of requests over the rolling window.',
    unit: '%',
  });
  const requestRate = meter.createObservableGauge(`${prefix}request_rate`, {
    description: 'Requests per second over the rolling window.',
    unit: '{request}/s',
  });
  const latency = meter.createObservableGauge(`${prefix}latency`, {
    description: 'Call latency quantiles over the latency window.',
    unit: 'ms',
  });
  const circuitOpen = meter.createObservableGauge(`${prefix}circuit.open`, {
    description: 'Whether the circuit is open (1) or closed (0).',
  });
  const poolActive = meter.createObservableUpDownCounter(`${prefix}pool.active`, {
    description: 'Tasks running in the pool.',
    unit: '{task}',
  });
  const poolQueued = meter.createObservableUpDownCounter(`${prefix}pool.queued`, {
    description: 'Tasks waiting in the pool queue.',
    unit: '{task}',
  });
  const poolAbandoned = meter.createObservableUpDownCounter(`${prefix}pool.abandoned`, {
    description:
      'Timed-out tasks given back their slot that still run (they ignored their signal).',
    unit: '{task}',
  });
  const instruments: Observable[] = [
    calls,
    inFlight,
    inFlightMax,
    errorPercentage,
    requestRate,
    latency,
    circuitOpen,
    poolActive,
    poolQueued,
    poolAbandoned,
  ];

  const observe = (result: BatchObservableResult, s: MetricsSnapshot): void => {
    const name = { name: s.name };
    KEYS.forEach((key, i) => {
      result.observe(calls, s.totals[key], { name: s.name, outcome: OUTCOMES[i] as string });
    });
    result.observe(inFlight, s.inFlight, name);
    result.observe(inFlightMax, s.maxInFlight, name);
    result.observe(errorPercentage, s.errorPercentage, name);
    result.observe(requestRate, s.requestRate, name);
    for (const p of LATENCY_PERCENTILES) {
      const value = s.latency.percentiles[String(p) as PercentileKey];
      if (value !== null) result.observe(latency, value, { name: s.name, quantile: p / 100 });
    }
    if (s.circuit !== null) result.observe(circuitOpen, s.circuit.open ? 1 : 0, name);
    if (s.pool !== null) {
      result.observe(poolActive, s.pool.active, { name: s.name, pool: s.pool.name });
      result.observe(poolQueued, s.pool.queued, { name: s.name, pool: s.pool.name });
      result.observe(poolAbandoned, s.pool.abandoned, { name: s.name, pool: s.pool.name });
    }
  };
  const callback = (result: BatchObservableResult): void => {
    for (const metrics of entries()) observe(result, metrics.snapshot());
  };
  meter.addBatchObservableCallback(callback, instruments);
  return toDisposable(() => meter.removeBatchObservableCallback(callback, instruments));
}
