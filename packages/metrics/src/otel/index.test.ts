import { ManualClock } from '@dyno/core/testing';
import { Metrics, MetricsRegistry } from '@dyno/metrics';
import { registerOtelMetrics } from '@dyno/metrics/otel';
import { metrics as otelApi } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { FakeBreaker, FakePool } from '../test-support/fakes.js';

/** A reader that collects only when told: no interval. */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function setup() {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const collect = async (): Promise<ResourceMetrics> => {
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    await new Promise<void>((resolve) => exporter.export(resourceMetrics, () => resolve()));
    return exporter.getMetrics().at(-1) as ResourceMetrics;
  };
  return { meter: provider.getMeter('test'), provider, collect };
}

const points = (rm: ResourceMetrics, name: string): DataPoint<number>[] =>
  (rm.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === name)?.dataPoints ??
    []) as DataPoint<number>[];

describe('registerOtelMetrics', () => {
  it('reports totals, gauges and latency quantiles through a real MeterProvider', async () => {
    const { meter, provider, collect } = await setup();
    const clock = new ManualClock();
    const m = new Metrics({ name: 'checkout', clock });
    for (let i = 1; i <= 4; i++) m.record('success', i * 10);
    m.record('failure', 5);
    m.begin();
    const breaker = new FakeBreaker();
    m.observe(breaker);
    const pool = new FakePool('db');
    m.observe(pool);
    pool.run();
    pool.abandoned = 2;
    const sub = registerOtelMetrics(meter, m);
    const rm = await collect();
    const calls = points(rm, 'dyno.calls');
    expect(calls).toHaveLength(7);
    expect(calls.find((p) => p.attributes.outcome === 'success')).toMatchObject({
      value: 4,
      attributes: { name: 'checkout' },
    });
    expect(
      (
        rm.scopeMetrics[0]?.metrics.find((x) => x.descriptor.name === 'dyno.calls') as
          | { isMonotonic?: boolean }
          | undefined
      )?.isMonotonic,
    ).toBe(true);
    expect(points(rm, 'dyno.in_flight')[0]?.value).toBe(1);
    expect(points(rm, 'dyno.in_flight.max')[0]?.value).toBe(1);
    expect(points(rm, 'dyno.error_percentage')[0]?.value).toBe(20);
    expect(points(rm, 'dyno.request_rate')[0]?.value).toBe(0.5);
    const latency = points(rm, 'dyno.latency');
    expect(latency.map((p) => p.attributes.quantile)).toEqual([
      0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1,
    ]);
    expect(latency.find((p) => p.attributes.quantile === 1)?.value).toBe(40);
    expect(points(rm, 'dyno.circuit.open')[0]?.value).toBe(0);
    expect(points(rm, 'dyno.pool.active')[0]).toMatchObject({
      value: 1,
      attributes: { name: 'checkout', pool: 'db' },
    });
    expect(points(rm, 'dyno.pool.queued')[0]?.value).toBe(0);
    expect(points(rm, 'dyno.pool.abandoned')[0]).toMatchObject({
      value: 2,
      attributes: { name: 'checkout', pool: 'db' },
    });

    m.record('success', 1);
    breaker.moveTo('open');
    const later = await collect();
    expect(points(later, 'dyno.calls').find((p) => p.attributes.outcome === 'success')?.value).toBe(
      5,
    );
    expect(points(later, 'dyno.circuit.open')[0]?.value).toBe(1);

    sub.dispose();
    m.record('success', 1);
    const after = await collect();
    // the SDK keeps the last cumulative point, but no new observation reaches it
    expect(points(after, 'dyno.calls').find((p) => p.attributes.outcome === 'success')?.value).toBe(
      5,
    );
    await provider.shutdown();
  });

  it('reads a registry afresh at every collection, skips empty latency, and takes a prefix', async () => {
    const { meter, provider, collect } = await setup();
    const registry = new MetricsRegistry({ metrics: { clock: new ManualClock() } });
    registerOtelMetrics(meter, registry, { prefix: 'app.' });
    expect(points(await collect(), 'app.calls')).toHaveLength(0);
    registry.get('a');
    const rm = await collect();
    expect(points(rm, 'app.calls')).toHaveLength(7);
    expect(points(rm, 'app.latency')).toHaveLength(0);
    expect(points(rm, 'app.circuit.open')).toHaveLength(0);
    await provider.shutdown();
  });

  it('works with the global no-op meter when no SDK is installed', () => {
    const sub = registerOtelMetrics(otelApi.getMeter('none'), new Metrics());
    expect(() => sub.dispose()).not.toThrow();
  });

  it('rejects a bad meter, source or option', () => {
    const meter = otelApi.getMeter('none');
    expect(() => registerOtelMetrics({} as never, new Metrics())).toThrow(
      '@dyno/metrics: registerOtelMetrics needs an OpenTelemetry Meter; received an object',
    );
    expect(() => registerOtelMetrics(meter, 3 as never)).toThrow(
      '@dyno/metrics: registerOtelMetrics needs a Metrics or an iterable of Metrics; received 3',
    );
    expect(() => registerOtelMetrics(meter, new Metrics(), { prefix: '1' })).toThrow(RangeError);
    expect(() => registerOtelMetrics(meter, new Metrics(), { unit: 's' } as never)).toThrow(
      'unknown option `unit`',
    );
  });
});
