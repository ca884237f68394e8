// Fault sweep of the Redis store and the two-tier store on a real Redis: a Redis that stops
// answering (`CLIENT PAUSE ... ALL` from a second connection), serializers that throw non-errors,
// garbage under the store's keys (entries, tag sets, leases) and on its bus written by another
// process, invalidations delivered twice, and listeners that throw. None of it may hold a caller
// past its budget, make a key unloadable, open the circuit for data that is merely bad, crash the
// process or serve a wrong value. Where Redis must be waited on, the tests wait on an observable
// condition with a bound.
import { Cache } from '@dyno/cache';
import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { ManualClock, NON_ERRORS } from '@dyno/core/testing';
import { startRedis, type TestRedis, uniquePrefix, waitFor } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { CorruptEntryError } from './errors.js';
import { RedisStore } from './redis-store.js';
import type { Serializer } from './serializer.js';
import { TieredStore } from './tiered-store.js';

let server: TestRedis;
let client: Redis;
let other: Redis; // "another process": writes garbage, publishes, pauses the server
const base = uniquePrefix('faults');
const open: TieredStore[] = [];

beforeAll(async () => {
  // a server of this file's own: `CLIENT PAUSE ... ALL` would stall every other test file using
  // the shared one (CI's DYNO_REDIS_URL) at the same time
  server = await startRedis();
  client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  other = new Redis(server.url, { maxRetriesPerRequest: 1 });
  await Promise.all([client.ping(), other.ping()]);
});

afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
});

afterAll(async () => {
  await new RedisStore({ client, prefix: base }).clear();
  await Promise.all([client.quit(), other.quit()]);
  await server.stop();
});

const fresh = () => `${base}${Math.random().toString(36).slice(2)}:`;

async function tiered(prefix: string, name: string, lease = false): Promise<TieredStore> {
  const redis = new RedisStore({ client, prefix, lease });
  const store = new TieredStore({ redis, name });
  open.push(store);
  await waitFor(() => store.connected, 'the store connected');
  return store;
}

describe('faults (a): a Redis that stops answering', () => {
  it('a paused Redis costs a get its store budget at most, memory hits go on, and the store recovers', async () => {
    const prefix = fresh();
    const store = await tiered(prefix, 'paused', true);
    const cache = new Cache<string>({ store, ttl: 60_000, storeTimeout: 150 });
    await cache.get('hot', () => 'hot!');
    await other.client('PAUSE', 800, 'ALL');
    const started = performance.now();
    await expect(cache.get('hot', () => 'reloaded')).resolves.toBe('hot!');
    await expect(cache.get('cold', () => 'cold!')).resolves.toBe('cold!');
    // the store read and the lease share the 150 ms budget; the write-back is never awaited
    expect(performance.now() - started).toBeLessThan(650);
    await waitFor(
      async () => (await client.exists(`${prefix}cold`)) === 1,
      'the cold key written',
      {
        within: 4000,
      },
    );
    await expect(store.redis.get('cold')).resolves.toMatchObject({ value: 'cold!' });
  }, 10_000);
});

describe('faults (b): non-errors, malformed data and garbage under the store keys', () => {
  it.each(NON_ERRORS)(
    'a serializer that throws %s: the caller gets its value, the cache an error event',
    async (_, value) => {
      const serializer: Serializer = {
        serialize: () => {
          throw value;
        },
        deserialize: () => {
          throw value;
        },
      };
      const prefix = fresh();
      const store = new RedisStore({ client, prefix, serializer, circuit: { failures: 1 } });
      const cache = new Cache<string>({ store, ttl: 60_000, storeCircuit: false });
      const errors: unknown[] = [];
      cache.onError((e) => errors.push(e.error));
      await expect(cache.get('k', () => 'v')).resolves.toBe('v');
      await waitFor(() => errors.length === 1, 'one error reported');
      expect(errors[0]).toBe(value);
      expect(store.circuit).toBe('closed'); // a refused value is no sign of an outage
      // bytes another writer left that the serializer cannot read: a miss, never a crash
      await other.set(`${prefix}k2`, Buffer.from('dyno-cache/2\n{"d":1,"c":1,"e":null}\nxx'));
      await expect(cache.get('k2', () => 'w')).resolves.toBe('w');
      await waitFor(() => errors.length >= 2, 'two errors reported');
      expect(CorruptEntryError.isInstance(errors[1])).toBe(true);
      expect((errors[1] as CorruptEntryError).cause).toBe(value);
    },
  );

  it.each([
    ['a header that is null', 'dyno-cache/2\nnull\n'],
    ['a header that is an array', 'dyno-cache/2\n[]\n'],
    ['times that are strings', 'dyno-cache/2\n{"d":"1","c":1,"e":null}\n'],
    ['a negative delta', 'dyno-cache/2\n{"d":-1,"c":1,"e":null}\n'],
    ['tags that are not strings', 'dyno-cache/2\n{"d":1,"c":1,"e":null,"t":[1]}\n'],
    ['no newline after the header', 'dyno-cache/2\n{"d":1,"c":1,"e":null}'],
    ['an older version', '{"value":"old"}'],
  ])(
    'garbage under an entry key (%s) is a miss, reported, then overwritten',
    async (_, garbage) => {
      const prefix = fresh();
      await other.set(`${prefix}k`, garbage);
      const cache = new Cache<string>({ store: new RedisStore({ client, prefix }), ttl: 60_000 });
      const errors: unknown[] = [];
      cache.onError((e) => errors.push(e.error));
      await expect(cache.get('k', () => 'v')).resolves.toBe('v');
      expect(CorruptEntryError.isInstance(errors[0])).toBe(true);
      await waitFor(
        async () => (await client.getBuffer(`${prefix}k`))?.toString() !== garbage,
        'the corrupt entry mended',
      );
      await expect(new RedisStore({ client, prefix }).get('k')).resolves.toMatchObject({
        value: 'v',
      });
    },
  );

  it('a negative entry of a non-error is a rejection in every process, never a value', async () => {
    const prefix = fresh();
    const one = new Cache<string>({
      store: new RedisStore({ client, prefix }),
      negativeTtl: 60_000,
    });
    const two = new Cache<string>({
      store: new RedisStore({ client, prefix }),
      negativeTtl: 60_000,
    });
    await expect(one.get('k', () => Promise.reject(undefined))).rejects.toBeUndefined();
    await waitFor(async () => (await client.exists(`${prefix}k`)) === 1, 'the key written');
    const loader = jest.fn(() => 'value');
    await expect(two.get('k', loader)).rejects.toThrow('undefined');
    expect(loader).not.toHaveBeenCalled();
  });

  it('regression: garbage under a tag set key neither fails tagged writes nor opens the circuit', async () => {
    const prefix = fresh();
    await other.set(`${prefix}\u0000tag\u0000t`, 'not a set');
    await other.lpush(`${prefix}\u0000tag\u0000u`, 'not a set either');
    const store = new RedisStore({ client, prefix, circuit: { failures: 2, cooldown: 60_000 } });
    const cache = new Cache<string>({ store, ttl: 60_000 });
    const entry = { value: 'v', delta: 1, created: 1, expiry: 1e15, tags: ['t', 'u'] };
    for (let i = 0; i < 3; i++)
      await expect(store.set(`k${i}`, entry, 60_000)).resolves.toBeUndefined();
    expect(store.circuit).toBe('closed');
    await cache.set('c', 'tagged', { tags: ['t'] });
    await expect(store.deleteByTag('t')).resolves.toBeUndefined();
    await expect(store.deleteByTag('u')).resolves.toBeUndefined();
    for (const k of ['k0', 'k1', 'k2', 'c']) await expect(store.get(k)).resolves.toBeUndefined();
    expect(store.circuit).toBe('closed');
  });

  it('regression: garbage under a deleteByTag tag set key is not an outage either', async () => {
    const prefix = fresh();
    await other.hset(`${prefix}\u0000tag\u0000h`, 'f', 'v');
    const store = new RedisStore({ client, prefix, circuit: { failures: 1, cooldown: 60_000 } });
    await expect(store.deleteByTag('h')).resolves.toBeUndefined();
    expect(store.circuit).toBe('closed');
    await expect(
      store.set('k', { value: 1, delta: 1, created: 1, expiry: 1e15 }, 1000),
    ).resolves.toBeUndefined();
  });

  it('regression: a lease key without expiry left by another writer does not hold a miss for two lease ttls', async () => {
    const prefix = fresh();
    const store = new RedisStore({ client, prefix, lease: { ttl: 1000, retry: 20 } });
    await other.set(`${prefix}\u0000lease\u0000k`, 'garbage'); // no expiry: never one of ours
    await other.lpush(`${prefix}\u0000lease\u0000l`, 'garbage'); // another type, no expiry
    const cache = new Cache<string>({ store, ttl: 60_000 });
    const started = performance.now();
    await expect(cache.get('k', () => 'v')).resolves.toBe('v');
    await expect(cache.get('l', () => 'w')).resolves.toBe('w');
    expect(performance.now() - started).toBeLessThan(1000);
    // a live lease of another process (it has an expiry) is still respected
    await other.set(`${prefix}\u0000lease\u0000m`, 'theirs', 'PX', 5000);
    await expect(store.lease?.acquire('m')).resolves.toBeUndefined();
  });
});

describe('faults (c): things delivered twice', () => {
  it('an invalidation delivered twice drops the memory tier once and keeps the newest value', async () => {
    const prefix = fresh();
    const [a, b] = [await tiered(prefix, 'a'), await tiered(prefix, 'b')];
    const entry = (value: string) => ({ value, delta: 1, created: 1, expiry: 1e15 });
    const messages: string[] = [];
    b.onBusMessage((e) => messages.push(`${e.type}:${e.key}`));
    await a.set('k', entry('v1'), 60_000);
    await waitFor(() => messages.length === 1, 'one bus message');
    await expect(Promise.resolve(b.get('k'))).resolves.toMatchObject({ value: 'v1' });
    const channel = `${prefix}\u0000bus`;
    await a.set('k', entry('v2'), 60_000);
    // the same message again, as a retrying publisher might send it, and a clear twice
    await other.publish(channel, JSON.stringify({ o: 'elsewhere', t: 'set', k: 'k' }));
    await other.publish(channel, JSON.stringify({ o: 'elsewhere', t: 'set', k: 'k' }));
    await waitFor(() => messages.length === 4, 'four bus messages');
    await expect(Promise.resolve(b.get('k'))).resolves.toMatchObject({ value: 'v2' });
    expect(b.memory.get('k')).toMatchObject({ value: 'v2' }); // kept in memory again
    await other.publish(channel, JSON.stringify({ o: 'elsewhere', t: 'clear', k: '' }));
    await other.publish(channel, JSON.stringify({ o: 'elsewhere', t: 'clear', k: '' }));
    await waitFor(() => messages.length === 6, 'six bus messages');
    expect(b.memory.size).toBe(0);
    await expect(Promise.resolve(b.get('k'))).resolves.toMatchObject({ value: 'v2' });
  });

  it('a lease release announced twice wakes nobody twice and leaves no waiter behind', async () => {
    const prefix = fresh();
    const [a, b] = [await tiered(prefix, 'a', true), await tiered(prefix, 'b', true)];
    const token = (await a.lease?.acquire('k')) as string;
    const controller = new AbortController();
    const waiting = b.lease?.wait?.('k', 5000, controller.signal);
    await a.lease?.release('k', token);
    await expect(waiting).resolves.toBe(true);
    await other.publish(`${prefix}\u0000bus`, JSON.stringify({ o: 'x', t: 'release', k: 'k' }));
    // a later wait is not ended by the duplicate: it waits for the lease held now
    await a.lease?.acquire('k');
    const started = performance.now();
    await expect(b.lease?.wait?.('k', 150, controller.signal)).resolves.toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('faults (d): listeners that throw', () => {
  it('regression: a throwing TieredStore listener breaks nothing and is reported under a named source', async () => {
    const seen: ListenerErrorEvent[] = [];
    const subscription = onListenerError((e) => seen.push(e));
    try {
      const prefix = fresh();
      const store = await tiered(prefix, 'loud');
      store.onBusMessage(() => {
        throw 'message listener';
      });
      store.onError(() => {
        throw undefined;
      });
      const channel = `${prefix}\u0000bus`;
      await other.publish(channel, JSON.stringify({ o: 'x', t: 'delete', k: 'k' }));
      await other.publish(channel, 'not json');
      await waitFor(() => seen.length === 2, 'both seen');
      expect(seen.map((e) => e.source).sort()).toEqual([
        '@dyno/cache-redis "loud" onBusMessage',
        '@dyno/cache-redis "loud" onError',
      ]);
      expect(store.connected).toBe(true);
      await store.set('k', { value: 1, delta: 1, created: 1, expiry: 1e15 }, 1000);
      await expect(store.redis.get('k')).resolves.toMatchObject({ value: 1 });
    } finally {
      subscription.dispose();
    }
  });

  it('a throwing circuit listener of the Redis store breaks no command', async () => {
    const seen: ListenerErrorEvent[] = [];
    const subscription = onListenerError((e) => seen.push(e));
    try {
      const clock = new ManualClock(1_000_000);
      const failing = Object.assign(Object.create(client) as Redis, {
        getBuffer: () => Promise.reject('connection reset'),
        status: 'ready',
      });
      const store = new RedisStore({
        client: failing,
        clock,
        name: 'flaky',
        circuit: { failures: 1 },
      });
      store.onCircuit(() => {
        throw 'circuit listener';
      });
      await expect(store.get('k')).rejects.toThrow('a Redis command failed');
      expect(store.circuit).toBe('open');
      expect(seen.map((e) => e.error)).toEqual(['circuit listener']);
      expect(seen[0]?.source).toContain('flaky');
    } finally {
      subscription.dispose();
    }
  });
});
