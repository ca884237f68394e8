import { Cache } from '@dyno/cache';
import { redisClients, startRedis, type TestRedis, waitFor } from '@dyno-tools/testing';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from './errors.js';
import type { BusMessageEvent } from './events.js';
import { RedisStore } from './redis-store.js';
import { TieredStore } from './tiered-store.js';

// Redis as production runs it, on a server of this file's own (CONFIG SET, REPLICAOF): clients
// configured as users configure them, and a Redis that is up but refuses writes.

let server: TestRedis;
let admin: Redis;
let redis: ReturnType<typeof redisClients>;
const tiers: TieredStore[] = [];
let prefixNo = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClients(server.url);
  admin = redis.connect();
});

afterEach(() => {
  for (const t of tiers.splice(0)) t.dispose();
});

afterAll(async () => {
  redis.disconnectAll();
  await server.stop();
});

const newPrefix = () => `p${++prefixNo}:`;

describe('a client configured as users configure it', () => {
  it('keeps its circuit closed while a client without an offline queue connects', async () => {
    const client = redis.connect({ enableOfflineQueue: false });
    const store = new RedisStore({ client, prefix: newPrefix() });
    const failures = await Promise.all([1, 2, 3, 4].map(() => store.get('k').catch((e) => e)));
    for (const error of failures) {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/Redis is not connected \((wait|connecting)\)$/);
    }
    expect(store.circuit).toBe('closed');
    await waitFor(() => client.status === 'ready', 'connected');
    await expect(store.get('k')).resolves.toBeUndefined();
  });

  it('keeps the fleets of two databases apart: one db never invalidates the other', async () => {
    const prefix = newPrefix();
    const tier = (db: number) => {
      const store = new TieredStore({
        redis: new RedisStore({ client: redis.connect({ db }), prefix }),
      });
      tiers.push(store);
      const heard: BusMessageEvent[] = [];
      store.onBusMessage((e) => heard.push(e));
      return { store, heard };
    };
    const [one, alsoOne, two] = [tier(1), tier(1), tier(2)];
    await waitFor(() => [one, alsoOne, two].every((t) => t.store.connected), 'all subscribed');
    const entry = { value: 'v', created: 0, expiry: null, delta: 1 } as never;
    await one.store.set('k', entry, 60_000);
    await two.store.set('k', entry, 60_000);
    await two.store.clear();
    // published after db 2's (Redis delivers in the order it published)
    await alsoOne.store.delete('other');
    await waitFor(() => one.heard.length > 0, 'db 1 hears its own fleet');
    expect(one.heard.map((e) => `${e.type} ${e.key}`)).toEqual(['delete other']);
    expect(one.store.memory.get('k')).toBeDefined();
  });
});

describe('a Redis that is up but refuses writes', () => {
  it.each([
    [
      'OOM (maxmemory, noeviction)',
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
    ],
    ['READONLY (a replica)', ['REPLICAOF', '127.0.0.1', '1'], ['REPLICAOF', 'NO', 'ONE']],
  ])('keeps serving what Redis holds while it refuses writes with %s', async (_, refuse, allow) => {
    const store = new RedisStore({ client: redis.connect(), prefix: newPrefix(), lease: true });
    const cache = new Cache<string>({ store, ttl: 60_000 });
    await cache.get('held', () => 'held in Redis');
    await admin.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await admin.call(...(refuse as [string, ...string[]]));
    try {
      // misses at once: each one's lease and write-back are refused
      const keys = Array.from({ length: 8 }, (_, i) => `miss${i}`);
      await Promise.all(keys.map((key) => cache.get(key, () => key)));
      expect(store.circuit).toBe('closed');
      const reader = new Cache<string>({ store, ttl: 60_000 });
      let loads = 0;
      const value = await reader.get('held', () => {
        loads++;
        return 'loaded again';
      });
      expect({ value, loads }).toEqual({ value: 'held in Redis', loads: 0 });
    } finally {
      await admin.call(...(allow as [string, ...string[]]));
    }
  });
});
