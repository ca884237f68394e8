import { type Clock, is, type Rules, systemClock } from '@dyno/core';
import type { HistogramOptions } from '@dyno/stats';

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
}

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
};

/** What to do when a `MetricsRegistry` is asked for a new name while full. */
export type WhenFull = 'throw' | 'evict-idle';

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
   * `'evict-idle'` drops the entry that has recorded nothing for the longest time (it is not
   * disposed: whoever holds it may keep using it, it is just no longer exported) and emits
   * `onEvict`.
   * @default 'throw'
   */
  readonly whenFull?: WhenFull;
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
    metrics: Object.freeze({}),
  });
