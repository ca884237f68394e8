import { CircuitBreaker, Fuse } from '@dyno/breaker';

/** Uses @dyno/breaker: a breaker that opens and short-circuits, and a fuse used as a flag. */
export async function use() {
  const breaker = new CircuitBreaker({
    name: 'usage',
    strategy: { kind: 'consecutive-failures', failures: 2 },
  });
  await breaker.execute(() => 1);
  for (let i = 0; i < 2; i++)
    await breaker.execute(() => Promise.reject(new Error('x'))).catch(() => {});
  const refused = await breaker.execute(() => 2).catch((e) => e);
  if (breaker.state !== 'open' || refused.code !== 'DYNO_BROKEN') {
    throw new Error('the breaker did not open');
  }
  const isolation = breaker.isolate('drill');
  isolation.dispose();
  const fuse = new Fuse({ name: 'flag' });
  fuse.trigger('off', { until: performance.now() + 60_000 });
  if (!fuse.isBroken) throw new Error('the fuse did not break');
  fuse.reset();
}
