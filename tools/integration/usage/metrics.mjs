import { hystrixStream, MetricsRegistry, prometheusText } from '@dyno/metrics';

/** Uses @dyno/metrics: a registry, a few records, a snapshot and both text exporters. */
export async function use() {
  const registry = new MetricsRegistry({ maxSize: 10 });
  const metrics = registry.get('checkout');
  const start = metrics.begin();
  metrics.end('success', start);
  metrics.record('failure', 12);
  const snapshot = metrics.snapshot();
  if (snapshot.requests !== 2 || snapshot.latency.count !== 2) {
    throw new Error('metrics miscounted');
  }
  if (!prometheusText(registry).includes('dyno_calls_total{name="checkout",outcome="success"} 1')) {
    throw new Error('prometheus text is wrong');
  }
  // A stream with no client holds no timer.
  hystrixStream(registry).close();
  registry.dispose();
}
