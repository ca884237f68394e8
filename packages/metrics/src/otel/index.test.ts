import { ManualClock } from '@dyno/core/testing';
import { Metrics, MetricsRegistry } from '@dyno/metrics';
import { registerOtelMetrics } from '@dyno/metrics/otel';
import { metrics as otelApi } from '@opentelemetry/api';
import {
  FakeBreaker,
  FakeCache,
  FakePool,
  FakeRetry,
  FakeTieredStore,
} from '../test-support/fakes.js';
import { histogram, of, points, setup } from '../test-support/otel.js';

describe('registerOtelMetrics', () => {
  it('reports durations as a histogram in seconds with bucket advice, and outcomes as counters', async () => {
    const { meter, provider, collect } = await setup();
    const clock = new ManualClock();
    const m = new Metrics({ name: 'checkout', clock });
    m.record('success', 3); // before registration: counted, not in the histogram
    const sub = registerOtelMetrics(meter, m, { boundaries: [5, 50, 500] });
    for (let i = 1; i <= 4; i++) m.record('success', i * 10);
    m.record('failure', 700);
    m.record('short-circuited');
    const rm = await collect();
    const calls = points(rm, 'dyno.calls');
    expect(of(calls, { 'dyno.name': 'checkout', 'dyno.outcome': 'success' })).toBe(5);
    expect(of(calls, { 'dyno.outcome': 'failure' })).toBe(1);
    expect(of(calls, { 'dyno.outcome': 'short-circuited' })).toBe(1);
    const metric = rm.scopeMetrics[0]?.metrics.find((x) => x.descriptor.name === 'dyno.calls') as
      | { isMonotonic?: boolean }
      | undefined;
    expect(metric?.isMonotonic).toBe(true);
    const durations = histogram(rm, 'dyno.call.duration');
    const success = durations.find((p) => p.attributes['dyno.outcome'] === 'success');
    expect(success?.value.buckets.boundaries).toEqual([0.005, 0.05, 0.5]);
    expect(success?.value.buckets.counts).toEqual([0, 4, 0, 0]);
    expect(success?.value.sum).toBeCloseTo(0.1, 10);
    const failure = durations.find((p) => p.attributes['dyno.outcome'] === 'failure');
    expect(failure?.value.buckets.counts).toEqual([0, 0, 0, 1]);
    const descriptor = rm.scopeMetrics[0]?.metrics.find(
      (x) => x.descriptor.name === 'dyno.call.duration',
    )?.descriptor;
    expect(descriptor?.unit).toBe('s');
    sub.dispose();
    m.record('success', 1);
    const after = await collect();
    expect(of(points(after, 'dyno.calls'), { 'dyno.outcome': 'success' })).toBe(5);
    await provider.shutdown();
  });

  it('advises bucket boundaries in seconds as written in ms (33.3 ms: 0.0333 s)', async () => {
    const { meter, provider, collect } = await setup();
    const m = new Metrics({ name: 'x', clock: new ManualClock() });
    registerOtelMetrics(meter, m, { boundaries: [0.3, 33.3, 2500] });
    m.record('success', 30);
    const [point] = histogram(await collect(), 'dyno.call.duration');
    expect(point?.value.buckets.boundaries).toEqual([0.0003, 0.0333, 2.5]);
    expect(point?.value.buckets.counts).toEqual([0, 1, 0, 0]);
    await provider.shutdown();
  });

  it('reports gauges of now: in flight, circuit state, pool figures', async () => {
    const { meter, provider, collect } = await setup();
    const m = new Metrics({ name: 'checkout', clock: new ManualClock() });
    m.begin();
    const breaker = new FakeBreaker();
    m.observe(breaker);
    const pool = new FakePool('db');
    m.observe(pool);
    pool.run();
    pool.abandoned = 2;
    pool.refuse();
    registerOtelMetrics(meter, m);
    const rm = await collect();
    expect(points(rm, 'dyno.call.active')[0]?.value).toBe(1);
    const states = points(rm, 'dyno.circuit.state');
    expect(of(states, { 'dyno.circuit.state': 'closed' })).toBe(1);
    expect(of(states, { 'dyno.circuit.state': 'disabled' })).toBe(0);
    const db = { 'dyno.name': 'checkout', 'dyno.pool.name': 'db' };
    expect(of(points(rm, 'dyno.pool.active'), db)).toBe(1);
    expect(of(points(rm, 'dyno.pool.abandoned'), db)).toBe(2);
    expect(of(points(rm, 'dyno.pool.limit'), db)).toBe(4);
    expect(of(points(rm, 'dyno.pool.rejected'), db)).toBe(1);
    breaker.moveTo('forced');
    const later = await collect();
    expect(of(points(later, 'dyno.circuit.state'), { 'dyno.circuit.state': 'forced' })).toBe(1);
    expect(of(points(later, 'dyno.circuit.state'), { 'dyno.circuit.state': 'closed' })).toBe(0);
    expect(of(points(later, 'dyno.circuit.opened'), { 'dyno.name': 'checkout' })).toBe(0);
    await provider.shutdown();
  });

  it('reports an observed cache as counters that continue across a re-created name', async () => {
    const { meter, provider, collect } = await setup();
    const registry = new MetricsRegistry({ metrics: { clock: new ManualClock() } });
    registerOtelMetrics(meter, registry);
    const tier = new FakeTieredStore();
    const cache = new FakeCache('users-cache', tier);
    registry.get('a').observe(cache);
    cache.busy();
    tier.busy();
    cache.circuit.emit({ name: 'users-cache', state: 'open' });
    const rm = await collect();
    const c = { 'dyno.name': 'a', 'dyno.cache.name': 'users-cache' };
    expect(of(points(rm, 'dyno.cache.requests'), { ...c, 'dyno.cache.result': 'hit' })).toBe(2);
    expect(of(points(rm, 'dyno.cache.requests'), { ...c, 'dyno.cache.result': 'miss' })).toBe(1);
    expect(of(points(rm, 'dyno.cache.stale'), c)).toBe(1);
    expect(of(points(rm, 'dyno.cache.refreshes'), c)).toBe(1);
    expect(of(points(rm, 'dyno.cache.loads'), { ...c, 'dyno.outcome': 'failure' })).toBe(1);
    expect(of(points(rm, 'dyno.cache.store.errors'), c)).toBe(1);
    expect(of(points(rm, 'dyno.cache.bus.drops'), c)).toBe(1);
    expect(of(points(rm, 'dyno.cache.bus.errors'), c)).toBe(1);
    expect(of(points(rm, 'dyno.cache.store.circuit.opened'), c)).toBe(1);
    expect(of(points(rm, 'dyno.cache.tier.read.errors'), c)).toBe(1);
    registry.delete('a');
    registry.get('a').observe(cache);
    cache.busy();
    tier.busy();
    const after = await collect();
    expect(of(points(after, 'dyno.cache.requests'), { ...c, 'dyno.cache.result': 'hit' })).toBe(4);
    expect(of(points(after, 'dyno.cache.bus.drops'), c)).toBe(2);
    await provider.shutdown();
  });

  it('continues a counter when a registry name is deleted and made again (no reset: 15 then 16)', async () => {
    const { meter, provider, collect } = await setup();
    const registry = new MetricsRegistry({ metrics: { clock: new ManualClock() } });
    registerOtelMetrics(meter, registry);
    const retry = new FakeRetry();
    const first = registry.get('a');
    first.observe(retry);
    for (let i = 0; i < 15; i++) first.record('success', 1);
    retry.retry.emit({ name: 'retry', attempt: 1, delay: 0 });
    const before = await collect();
    expect(of(points(before, 'dyno.calls'), { 'dyno.outcome': 'success' })).toBe(15);
    expect(of(points(before, 'dyno.retries'), { 'dyno.name': 'a' })).toBe(1);
    registry.delete('a');
    const again = registry.get('a');
    again.observe(retry);
    again.record('success', 1);
    retry.retry.emit({ name: 'retry', attempt: 1, delay: 0 });
    const after = await collect();
    expect(of(points(after, 'dyno.calls'), { 'dyno.outcome': 'success' })).toBe(16);
    expect(of(points(after, 'dyno.retries'), { 'dyno.name': 'a' })).toBe(2);
    // the latency of the new instance's call reached the histogram: attached on creation
    const success = histogram(after, 'dyno.call.duration').find(
      (p) => p.attributes['dyno.outcome'] === 'success',
    );
    expect(success?.value.count).toBe(16);
    await provider.shutdown();
  });

  it('attaches a Metrics of a plain iterable at the next collection, counting what came before', async () => {
    const { meter, provider, collect } = await setup();
    const list: Metrics[] = [];
    registerOtelMetrics(meter, list, { prefix: 'app.' });
    expect(points(await collect(), 'app.calls')).toHaveLength(0);
    const m = new Metrics({ name: 'late', clock: new ManualClock() });
    list.push(m);
    m.record('failure', 2);
    const rm = await collect();
    expect(of(points(rm, 'app.calls'), { 'dyno.outcome': 'failure' })).toBe(1);
    m.record('failure', 2);
    expect(of(points(await collect(), 'app.calls'), { 'dyno.outcome': 'failure' })).toBe(2);
    m.dispose();
    expect(points(await collect(), 'app.circuit.state')).toHaveLength(0);
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
    expect(() => registerOtelMetrics(meter, new Metrics(), { boundaries: [2, 1] })).toThrow(
      '@dyno/metrics: option `boundaries` must be an array of 1 to 100 ascending finite numbers > 0 (ms)',
    );
  });
});
