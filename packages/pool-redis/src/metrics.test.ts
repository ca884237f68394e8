import { Metrics, prometheusText, toHystrixCommand } from '@dyno/metrics';
import { redisForTests, type TestRedis, uniquePrefix } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { RedisRateLimiter } from './redis-rate-limiter.js';

// `@dyno/metrics` observing a RedisRateLimiter through its events, on a real Redis.
let server: TestRedis;
let client: Redis;
const prefix = uniquePrefix('metrics');

beforeAll(async () => {
  server = await redisForTests();
  client = new Redis(server.url);
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
  await server.stop();
});

const refused = (p: Promise<unknown>) =>
  p.then(
    () => false,
    () => true,
  );

describe('RedisRateLimiter observed by @dyno/metrics', () => {
  it('shows the decisions Redis made and the refusals, in the snapshot, the stream and Prometheus', async () => {
    // Redis decides each call however long a loaded machine takes (not the local fallback)
    const limiter = new RedisRateLimiter({
      client,
      prefix,
      rate: 1,
      burst: 2,
      name: 'partner',
      timeout: 5_000,
    });
    const metrics = new Metrics({ name: 'partner-api' });
    metrics.observe(limiter);
    expect(await refused(limiter.acquire({ key: 'a' }))).toBe(false);
    expect(await refused(limiter.acquire({ key: 'a' }))).toBe(false);
    expect(await refused(limiter.acquire({ key: 'a' }))).toBe(true);
    const snapshot = metrics.snapshot();
    expect(snapshot.rateLimit).toEqual({
      name: 'partner',
      redisState: 'closed',
      admitted: 2,
      refused: 1,
      fallback: 0,
      redisErrors: 0,
      totals: { admitted: 2, refused: 1, fallback: 0, redisErrors: 0 },
    });
    expect(toHystrixCommand(snapshot, 0)).toMatchObject({
      dynoRateAdmitted: 2,
      dynoRateRefused: 1,
      dynoRateRedisState: 'closed',
    });
    expect(prometheusText(metrics)).toContain(
      'dyno_rate_limit_decisions_total{name="partner-api",limiter="partner",result="refused"} 1\n',
    );
    metrics.dispose();
  });

  it('counts the Redis errors and the decisions made without Redis while it is out of reach', async () => {
    // a client that was closed: every decision fails fast, as while ioredis reconnects
    const down = new Redis(server.url, { lazyConnect: true });
    down.disconnect();
    try {
      const limiter = new RedisRateLimiter({ client: down, prefix, rate: 100, name: 'partner' });
      const metrics = new Metrics({ name: 'partner-api' });
      metrics.observe(limiter);
      for (let i = 0; i < 3; i++) await limiter.acquire({ key: `k${i}` });
      const s = metrics.snapshot().rateLimit;
      expect(s).toMatchObject({ admitted: 3, refused: 0, fallback: 3, redisErrors: 3 });
      expect(s?.redisState).toBe(limiter.redisState);
      expect(prometheusText(metrics)).toContain(
        'dyno_rate_limit_fallback_decisions_total{name="partner-api",limiter="partner"} 3\n',
      );
    } finally {
      down.disconnect();
    }
  });
});
