import { ManualClock } from '@dyno/core/testing';
import { toHystrixThreadPool } from './hystrix-format.js';
import { Metrics } from './metrics.js';
import { prometheusText } from './prometheus.js';
import { FakePool } from './test-support/fakes.js';
import { promtoolCheck } from './test-support/promtool.js';

// The adaptive concurrency limit of a `@dyno/pool` pool (`limit`, `adaptive`), read at snapshot
// time as the abandoned gauge is.
function adaptivePool(): { m: Metrics; pool: FakePool } {
  const m = new Metrics({ name: 'checkout', clock: new ManualClock() });
  const pool = new FakePool('db', 10, 8);
  pool.limit = 10;
  pool.adaptive = { min: 2, max: 40 };
  m.observe(pool);
  return { m, pool };
}

describe('the pool limit', () => {
  it('is read from the pool at snapshot time, with the bounds an adaptive limit moves within', () => {
    const { m, pool } = adaptivePool();
    expect(m.snapshot().pool).toMatchObject({ limit: 10, adaptive: { min: 2, max: 40 } });
    pool.limit = 23;
    expect(m.snapshot().pool?.limit).toBe(23);
    pool.limit = 3;
    expect(m.snapshot().pool?.limit).toBe(3);
  });

  it('is the concurrency for a pool without `limit`, and a fixed limit has no bounds', () => {
    const m = new Metrics({ name: 'x', clock: new ManualClock() });
    m.observe(new FakePool('fixed', 6));
    expect(m.snapshot().pool).toMatchObject({ limit: 6, concurrency: 6, adaptive: null });
  });

  it('ignores adaptive settings without numeric bounds', () => {
    const { m, pool } = adaptivePool();
    pool.adaptive = { min: 'x' } as never;
    expect(m.snapshot().pool?.adaptive).toBeNull();
    pool.adaptive = null as never;
    expect(m.snapshot().pool?.adaptive).toBeNull();
  });

  it('is carried by the HystrixThreadPool as dynoLimit, with dynoLimitMin/Max when it adapts', () => {
    const { m, pool } = adaptivePool();
    pool.limit = 17;
    expect(toHystrixThreadPool(m.snapshot(), 0)).toMatchObject({
      dynoLimit: 17,
      dynoLimitMin: 2,
      dynoLimitMax: 40,
    });
    const fixed = new Metrics({ name: 'y', clock: new ManualClock() });
    fixed.observe(new FakePool('fixed', Number.POSITIVE_INFINITY));
    const event = toHystrixThreadPool(fixed.snapshot(), 0);
    // no limit is Hystrix's Integer.MAX_VALUE, as the pool size fields write it
    expect(event?.dynoLimit).toBe(2_147_483_647);
    expect(event).not.toHaveProperty('dynoLimitMin');
    expect(event).not.toHaveProperty('dynoLimitMax');
  });

  it('is the Prometheus gauge dyno_pool_limit, with _min and _max for an adaptive pool', () => {
    const { m, pool } = adaptivePool();
    pool.limit = 12;
    const fixed = new Metrics({ name: 'fixed', clock: new ManualClock() });
    fixed.observe(new FakePool('cache', 4));
    const text = prometheusText([m, fixed]);
    expect(text).toMatch(/^# TYPE dyno_pool_limit gauge$/m);
    expect(text).toContain('dyno_pool_limit{name="checkout",pool="db"} 12\n');
    expect(text).toContain('dyno_pool_limit_min{name="checkout",pool="db"} 2\n');
    expect(text).toContain('dyno_pool_limit_max{name="checkout",pool="db"} 40\n');
    expect(text).toContain('dyno_pool_limit{name="fixed",pool="cache"} 4\n');
    expect(text).not.toContain('dyno_pool_limit_min{name="fixed"');
    const { status, output } = promtoolCheck(text);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
