import * as metrics from './index.js';
import * as otel from './otel/index.js';

describe('@dyno/metrics exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(metrics).sort()).toEqual([
      'DEFAULT_HYSTRIX_STREAM_OPTIONS',
      'DEFAULT_LATENCY_BOUNDARIES',
      'DEFAULT_METRICS_OPTIONS',
      'DEFAULT_METRICS_REGISTRY_OPTIONS',
      'DEFAULT_PROMETHEUS_OPTIONS',
      'HYSTRIX_DEFAULT_PROPERTIES',
      'HYSTRIX_DELAY_RANGE',
      'LATENCY_PERCENTILES',
      'Metrics',
      'MetricsLimitError',
      'MetricsRegistry',
      'OPENMETRICS_CONTENT_TYPE',
      'OUTCOMES',
      'PROMETHEUS_CONTENT_TYPE',
      'hystrixStream',
      'prometheusHandler',
      'prometheusText',
      'renderPrometheus',
      'toHystrixCommand',
      'toHystrixThreadPool',
    ]);
  });

  it('pins the API of @dyno/metrics/otel', () => {
    expect(Object.keys(otel).sort()).toEqual([
      'DEFAULT_OTEL_METRICS_OPTIONS',
      'registerOtelMetrics',
    ]);
  });
});
