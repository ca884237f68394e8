import { type Clock, is, type Rules, systemClock } from '@dyno/core';
import type { HistogramOptions } from '@dyno/stats';
import { BOUNDARIES } from './internal/checks.js';

/** Options of `Metrics`. */
export interface MetricsOptions {
  /**
   * The name in snapshots and every exporter's output.
   * @default `metrics#n` (unique per process)
   */
  readonly name?: string;
  /**
   * The group the Hystrix stream reports (the dashboard's `group` field).
   * @default 'dyno'
   */
  readonly group?: string;
  /**
   * The time source; it must be monotonic.
   * @default systemClock (performance.now())
   */
  readonly clock?: Clock;
  /**
   * The rolling window of the counters and gauge maxima, in ms. Must be a whole multiple of
   * `buckets`.
   * @default 10_000
   */
  readonly window?: number;
  /**
   * How many buckets the counter window rolls in.
   * @default 10
   */
  readonly buckets?: number;
  /**
   * The rolling window of the latency percentiles, in ms. Must be a whole multiple of
   * `latencyBuckets`.
   * @default 60_000
   */
  readonly latencyWindow?: number;
  /**
   * How many buckets (one histogram each, made on first use) the latency window rolls in.
   * @default 6
   */
  readonly latencyBuckets?: number;
  /**
   * Options of each latency `Histogram` from `@dyno/stats` (range and precision; memory per
   * histogram follows from them).
   * @default {} (the histogram's own defaults: about 1 µs to 4.7 h, 0.78 % precision, 17 KiB)
   */
  readonly histogram?: HistogramOptions;
  /**
   * The upper bounds (ms, ascending) of the cumulative latency buckets since creation that the
   * Prometheus histogram (`le`, in seconds) and the OpenTelemetry bucket advice use. They are
   * filled from the log-linear histograms as the latency window rolls, so recording pays
   * nothing for them; a latency within the histogram's precision (0.78 %) of a bound may count
   * on its other side.
   * @default DEFAULT_LATENCY_BOUNDARIES (1 ms to 10 s, 16 bounds)
   */
  readonly latencyBoundaries?: readonly number[];
}

/** The default `latencyBoundaries`, in ms: the OpenTelemetry HTTP duration advice, plus 1 and 2.5 ms. */
export const DEFAULT_LATENCY_BOUNDARIES: readonly number[] = Object.freeze([
  1, 2.5, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10_000,
]);

/** The defaults of `Metrics` (`name` is made per instance when not given). */
export const DEFAULT_METRICS_OPTIONS: Readonly<Required<Omit<MetricsOptions, 'name'>>> =
  Object.freeze({
    group: 'dyno',
    clock: systemClock,
    window: 10_000,
    buckets: 10,
    latencyWindow: 60_000,
    latencyBuckets: 6,
    histogram: Object.freeze({}),
    latencyBoundaries: DEFAULT_LATENCY_BOUNDARIES,
  });

/** The validation rules of `MetricsOptions`. */
export const METRICS_RULES: Rules<MetricsOptions> = {
  name: is.string,
  group: is.string,
  clock: is.clock,
  window: is.duration(1),
  buckets: is.integer(1, 1000),
  latencyWindow: is.duration(1),
  latencyBuckets: is.integer(1, 1000),
  histogram: is.object,
  latencyBoundaries: BOUNDARIES,
};

/** What to do when a `MetricsRegistry` is asked for a new name while full. */
export type WhenFull = 'throw' | 'evict-idle' | 'overflow';

/** Options of `MetricsRegistry`. */
export interface MetricsRegistryOptions {
  /**
   * The most names the registry holds. Names usually come from code, but a name built from
   * request data (a URL, a user id) would otherwise grow without bound.
   * @default 1000
   */
  readonly maxSize?: number;
  /**
   * When full: `'throw'` raises `MetricsLimitError` and keeps every existing entry;
   * `'evict-idle'` drops the entry that has recorded nothing for the longest time, one with no
   * call in flight if there is such an entry (it is not disposed: whoever holds it may keep
   * using it, it is just no longer exported) and emits `onEvict`; `'overflow'` hands every new name one shared entry named `overflowName`, so
   * its calls are still counted, together (what OpenTelemetry SDKs do past their cardinality
   * limit). Every name refused, evicted or sent to the overflow entry counts in `dropped`,
   * which the Prometheus exporter writes as `dyno_names_dropped_total`.
   * @default 'throw'
   */
  readonly whenFull?: WhenFull;
  /**
   * The name of the shared entry of `whenFull: 'overflow'` (one more than `maxSize`).
   * @default 'dyno.overflow'
   */
  readonly overflowName?: string;
  /**
   * Options for every `Metrics` the registry makes (all but `name`), validated at construction.
   * @default {}
   */
  readonly metrics?: Omit<MetricsOptions, 'name'>;
}

/** The defaults of `MetricsRegistry`. */
export const DEFAULT_METRICS_REGISTRY_OPTIONS: Readonly<Required<MetricsRegistryOptions>> =
  Object.freeze({
    maxSize: 1000,
    whenFull: 'throw',
    overflowName: 'dyno.overflow',
    metrics: Object.freeze({}),
  });
