import { Cache } from '@dyno/cache';
import { ManualClock } from '@dyno/core/testing';
import { redisForTests, type TestRedis, uniquePrefix } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { RedisStore } from './redis-store.js';

// Processes whose wall clocks disagree, each with its own client and its own store clock, as
// two hosts would be: entry times are the writer's, Redis's expiry is its own.
let server: TestRedis;
let clients: Redis[];
const prefix = uniquePrefix('clocks');
const HOUR = 3_600_000;

beforeAll(async () => {
  server = await redisForTests();
  clients = [new Redis(server.url), new Redis(server.url)];
});

afterAll(async () => {
  await new RedisStore({ client: clients[0]!, prefix }).clear();
  for (const c of clients) await c.quit();
  await server.stop();
});

describe('processes whose clocks are an hour apart', () => {
  it('keep entries in Redis for their ttl on its clock; the one ahead loads what the other wrote, once', async () => {
    const now = Date.now();
    const behind = new Cache<string>({
      store: new RedisStore({ client: clients[0]!, prefix, clock: new ManualClock(now) }),
      ttl: 60_000,
      refresh: false,
    });
    const ahead = new Cache<string>({
      store: new RedisStore({ client: clients[1]!, prefix, clock: new ManualClock(now + HOUR) }),
      ttl: 60_000,
      refresh: false,
    });
    const loads: string[] = [];
    await behind.get('k', () => {
      loads.push('behind');
      return 'written behind';
    });
    // an entry an hour past its expiry on this clock: a miss, loaded and written again
    await expect(
      ahead.get('k', () => {
        loads.push('ahead');
        return 'written ahead';
      }),
    ).resolves.toBe('written ahead');
    // its times are an hour ahead for the other process, but Redis drops it after the ttl
    await expect(clients[0]!.pttl(`${prefix}k`)).resolves.toBeLessThanOrEqual(60_000);
    await expect(behind.get('k', () => 'not loaded')).resolves.toBe('written ahead');
    await expect(ahead.get('k', () => 'not loaded')).resolves.toBe('written ahead');
    expect(loads).toEqual(['behind', 'ahead']);
  });
});
