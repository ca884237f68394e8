import { Cache } from '@dyno/cache';
import { startRedis, type TestRedis } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { RedisStore } from './redis-store.js';

// This file stops and restarts a server of its own, whatever DYNO_REDIS_URL says.
let server: TestRedis;
let client: Redis;

beforeAll(async () => {
  server = await startRedis();
  client = new Redis(server.url, { retryStrategy: () => 20, maxRetriesPerRequest: 0 });
  await new Promise((r) => client.once('ready', r));
});

afterAll(async () => {
  client.disconnect();
  await server.stop();
});

const until = (event: string) => new Promise((r) => client.once(event, r));

describe('a Cache on RedisStore during a Redis outage', () => {
  it('falls back to the loader with error events, and recovers when Redis returns', async () => {
    const store = new RedisStore({ client, prefix: 'outage:', timeout: 500 });
    // no cache-side circuit: whether the outage's failures reach its threshold (5) depends on
    // timing, and an open circuit would skip Redis after the restart (brownout.test.ts covers it)
    const cache = new Cache<string>({ store, ttl: 60_000, storeCircuit: false });
    const errors: string[] = [];
    cache.onError((e) => errors.push(e.during));
    let n = 0;
    const loader = jest.fn(({ key }: { key: string }): string => `${key}@${++n}`);

    await expect(cache.get('a', loader)).resolves.toBe('a@1');
    await expect(cache.get('a', loader)).resolves.toBe('a@1');
    expect(loader).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([]);

    const closed = until('close');
    await server.stop();
    await closed;
    await expect(cache.get('a', loader)).resolves.toBe('a@2');
    await expect(cache.get('b', loader)).resolves.toBe('b@3');
    // the write-backs run behind the callers: let their failures be reported too
    await new Promise((r) => setImmediate(r));
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(new Set(errors)).toEqual(new Set(['store']));

    const ready = until('ready');
    await server.restart();
    await ready;
    errors.length = 0;
    await expect(cache.get('c', loader)).resolves.toBe('c@4');
    await expect(cache.get('c', loader)).resolves.toBe('c@4');
    expect(loader).toHaveBeenCalledTimes(4);
    expect(errors).toEqual([]);
    await expect(client.exists('outage:c')).resolves.toBe(1);
  }, 15_000);
});
