import { startRedis, type TestRedis } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import type { RateDecisionEvent } from './events.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

// A redis-server of this file's own, killed and restarted mid-test (never CI's shared one).
let server: TestRedis;
let client: Redis;

beforeAll(async () => {
  server = await startRedis();
  client = new Redis(server.url, { retryStrategy: () => 50, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  await client.ping(); // connected before the test starts timing its decisions
});

afterAll(async () => {
  client.disconnect();
  await server.stop();
});

describe('RedisRateLimiter through a real Redis outage', () => {
  it('decides every call within its timeout while Redis is down, and uses Redis again when it is back', async () => {
    const limiter = new RedisRateLimiter({
      client,
      rate: 1000,
      timeout: 200,
      processes: 4,
      circuit: { failures: 2, cooldown: 100 },
    });
    const decisions: RateDecisionEvent[] = [];
    limiter.onDecision((e) => decisions.push(e));
    // the first decision also loads the script: on a loaded machine it may outlast the timeout
    for (let i = 0; i < 20 && decisions.at(-1)?.source !== 'redis'; i++) await limiter.acquire();
    expect(decisions.at(-1)?.source).toBe('redis');
    const up = decisions.length;

    await server.stop();
    for (let i = 0; i < 20; i++) {
      const asked = Date.now();
      await limiter.acquire({ key: `down:${i}` });
      // bounded: never longer than the timeout (plus scheduling slack)
      expect(Date.now() - asked).toBeLessThan(1000);
    }
    expect(decisions.slice(up).every((d) => d.source === 'local')).toBe(true);

    await server.restart();
    const back = Date.now() + 10_000;
    while (decisions.at(-1)?.source !== 'redis' && Date.now() < back) {
      await limiter.acquire({ key: 'back' }).catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(decisions.at(-1)?.source).toBe('redis');
    expect(limiter.redisState).toBe('closed');
  });
});
