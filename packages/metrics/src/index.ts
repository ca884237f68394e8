export { MetricsLimitError } from './errors.js';
export type { AddEvent, EvictEvent } from './events.js';
export {
  HYSTRIX_DEFAULT_PROPERTIES,
  toHystrixCommand,
  toHystrixThreadPool,
} from './hystrix-format.js';
export {
  DEFAULT_HYSTRIX_STREAM_OPTIONS,
  HYSTRIX_DELAY_RANGE,
  type HystrixStreamHandler,
  type HystrixStreamOptions,
  hystrixStream,
} from './hystrix-stream.js';
export { Metrics } from './metrics.js';
export type { ObservableSource, ObserveOptions } from './observe.js';
export type { ObservableFleetCircuit, ObservableRateLimiter } from './observe-fleet.js';
export type { ObservableHedge, ObservableHttp } from './observe-http.js';
export type { ObservableShedder } from './observe-shed.js';
export type {
  CircuitState,
  ObservableBreaker,
  ObservablePool,
  ObservableRetry,
} from './observe-types.js';
export {
  DEFAULT_LATENCY_BOUNDARIES,
  DEFAULT_METRICS_OPTIONS,
  DEFAULT_METRICS_REGISTRY_OPTIONS,
  type MetricsOptions,
  type MetricsRegistryOptions,
  type WhenFull,
} from './options.js';
export { OUTCOMES, type Outcome, type OutcomeCounts } from './outcome.js';
export type { OutcomeEvent } from './outcome-event.js';
export {
  type Authorize,
  DEFAULT_PROMETHEUS_OPTIONS,
  type ExpositionFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  type PrometheusOptions,
  prometheusHandler,
  prometheusText,
  renderPrometheus,
} from './prometheus.js';
export { MetricsRegistry } from './registry.js';
export {
  type CircuitSnapshot,
  type FleetCounts,
  type FleetSnapshot,
  type HedgeCounts,
  type HedgeSnapshot,
  type HttpCounts,
  type HttpSnapshot,
  LATENCY_PERCENTILES,
  type LatencyBuckets,
  type LatencySnapshot,
  type MetricsSnapshot,
  type PercentileKey,
  type PoolSnapshot,
  type RateLimitCounts,
  type RateLimitSnapshot,
  type ShedCounts,
  type ShedSnapshot,
  type StatusClass,
} from './snapshot.js';
export type { MetricsSource } from './source.js';
