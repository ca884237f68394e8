import { ManualClock } from '@dyno/core/testing';
import { Metrics, MetricsRegistry } from '@dyno/metrics';
import { registerOtelMetrics } from '@dyno/metrics/otel';
import { FakeRetry } from '../test-support/fakes.js';
import { histogram, of, points, setup } from '../test-support/otel.js';

// How the bridge follows a source whose entries come and go: monotonic series never reset,
// never jump, and an entry the source no longer lists is let go.
describe('registerOtelMetrics: entries that come and go', () => {
  it('lets go of an entry evicted from the registry, and reports its later calls once it is back', async () => {
    const { meter, provider, collect } = await setup();
    const clock = new ManualClock();
    const registry = new MetricsRegistry({
      maxSize: 1,
      whenFull: 'evict-idle',
      metrics: { clock },
    });
    registerOtelMetrics(meter, registry);
    const old = registry.get('tenant-1');
    old.record('success', 1);
    await clock.advance(1000);
    registry.get('tenant-2').record('success', 1); // evicts tenant-1 (not disposed)
    expect(registry.has('tenant-1')).toBe(false);
    const first = await collect();
    expect(of(points(first, 'dyno.calls'), { 'dyno.name': 'tenant-1' })).toBe(1);
    const idle = await collect(); // nothing recorded since: still out
    expect(registry.has('tenant-1')).toBe(false);
    expect(of(points(idle, 'dyno.calls'), { 'dyno.name': 'tenant-1' })).toBe(1);
    // whoever held it still records: the registry takes it back (evicting tenant-2, idle now)
    await clock.advance(1000);
    old.record('success', 1);
    const second = await collect();
    expect(registry.has('tenant-1')).toBe(true);
    expect(registry.has('tenant-2')).toBe(false);
    expect(of(points(second, 'dyno.calls'), { 'dyno.name': 'tenant-1' })).toBe(2);
    expect(of(points(second, 'dyno.calls'), { 'dyno.name': 'tenant-2' })).toBe(1);
    await provider.shutdown();
  });

  it('counts a Metrics taken out of a plain list and put back once, not twice', async () => {
    const { meter, provider, collect } = await setup();
    const list: Metrics[] = [];
    registerOtelMetrics(meter, list);
    const m = new Metrics({ name: 'job', clock: new ManualClock() });
    list.push(m);
    m.record('failure', 2);
    m.record('failure', 2);
    const rm = await collect();
    expect(of(points(rm, 'dyno.calls'), { 'dyno.outcome': 'failure' })).toBe(2);
    list.pop();
    await collect();
    m.record('failure', 2); // while out of the list: counted when it comes back
    list.push(m);
    const back = await collect();
    expect(of(points(back, 'dyno.calls'), { 'dyno.outcome': 'failure' })).toBe(3);
    m.record('failure', 2);
    const after = await collect();
    expect(of(points(after, 'dyno.calls'), { 'dyno.outcome': 'failure' })).toBe(4);
    // durations only of calls made while attached: not the two before the first collection
    // (a plain list is read then) nor the one while out of the list
    const failures = histogram(after, 'dyno.call.duration').find(
      (p) => p.attributes['dyno.outcome'] === 'failure',
    );
    expect(failures?.value.count).toBe(1);
    await provider.shutdown();
  });

  it('reports the first of two Metrics with the same name, as the Prometheus exporter does, without inflating counters', async () => {
    const { meter, provider, collect } = await setup();
    const clock = new ManualClock();
    const a = new Metrics({ name: 'same', clock });
    const b = new Metrics({ name: 'same', clock });
    const retryA = new FakeRetry();
    const retryB = new FakeRetry();
    a.observe(retryA);
    b.observe(retryB);
    registerOtelMetrics(meter, [a, b]);
    for (let i = 0; i < 3; i++) retryA.retry.emit({ name: 'retry', attempt: 1, delay: 0 });
    retryB.retry.emit({ name: 'retry', attempt: 1, delay: 0 });
    a.record('success', 1);
    b.record('success', 1);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(of(points(await collect(), 'dyno.retries'), { 'dyno.name': 'same' }) as number);
    }
    expect(seen).toEqual([3, 3, 3, 3]);
    expect(points(await collect(), 'dyno.retries')).toHaveLength(1);
    expect(of(points(await collect(), 'dyno.calls'), { 'dyno.name': 'same' })).toBe(1);
    await provider.shutdown();
  });

  it('continues every counter of a name deleted and made again, over several rounds', async () => {
    const { meter, provider, collect } = await setup();
    const registry = new MetricsRegistry({ metrics: { clock: new ManualClock() } });
    registerOtelMetrics(meter, registry);
    const retry = new FakeRetry();
    const seen: [number | undefined, number | undefined][] = [];
    for (let round = 0; round < 3; round++) {
      const m = registry.get('a');
      m.observe(retry);
      for (let i = 0; i < 5; i++) m.record('timeout', 1);
      retry.retry.emit({ name: 'retry', attempt: 1, delay: 0 });
      const rm = await collect();
      seen.push([
        of(points(rm, 'dyno.calls'), { 'dyno.outcome': 'timeout' }),
        of(points(rm, 'dyno.retries'), { 'dyno.name': 'a' }),
      ]);
      registry.delete('a');
    }
    expect(seen).toEqual([
      [5, 1],
      [10, 2],
      [15, 3],
    ]);
    await provider.shutdown();
  });
});
