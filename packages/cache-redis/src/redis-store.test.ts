import { Cache, MemoryStore, xfetch } from '@dyno/cache';
import { ManualClock } from '@dyno/core/testing';
import { Redis } from 'ioredis';
import { CorruptEntryError, StoreUnavailableError } from './errors.js';
import { RedisStore } from './redis-store.js';
import { redisForTests, type TestRedis, uniquePrefix } from './test-support/redis-server.js';

let server: TestRedis;
let client: Redis;
const prefix = uniquePrefix('redis-store');

beforeAll(async () => {
  server = await redisForTests();
  client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
});

afterAll(async () => {
  await new RedisStore({ client, prefix }).clear();
  await client.quit();
  await server.stop();
});

function make(options: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) {
  const clock = new ManualClock(1_000_000);
  const store = new RedisStore({ client, prefix: `${prefix}${Math.random()}:`, clock, ...options });
  return { clock, store };
}

describe('RedisStore', () => {
  it('round-trips entries with value, delta and expiry, and expires them in Redis', async () => {
    const { store } = make();
    const entry = { value: { a: [1, 'x'] }, delta: 12.5, created: 5, expiry: 105 };
    await store.set('k', entry, 60_000);
    await expect(store.get('k')).resolves.toEqual(entry);
    await store.set(
      'forever',
      { ...entry, expiry: Number.POSITIVE_INFINITY },
      Number.POSITIVE_INFINITY,
    );
    await expect(store.get('forever')).resolves.toMatchObject({ expiry: Number.POSITIVE_INFINITY });
    await store.delete('k');
    await expect(store.get('k')).resolves.toBeUndefined();
  });

  it('sets a Redis expiry of `keep` ms', async () => {
    const p = `${prefix}keep:`;
    const store = new RedisStore({ client, prefix: p });
    await store.set('k', { value: 1, delta: 0, created: 0, expiry: 1 }, 5000);
    const left = await client.pttl(`${p}k`);
    expect(left).toBeGreaterThan(4000);
    expect(left).toBeLessThanOrEqual(5000);
    await store.set('f', { value: 1, delta: 0, created: 0, expiry: 1 }, Number.POSITIVE_INFINITY);
    await expect(client.pttl(`${p}f`)).resolves.toBe(-1);
  });

  it('keeps negative entries as errors with their name, message and code', async () => {
    const { store } = make();
    const error = Object.assign(new TypeError('bad id'), { code: 'E_ID' });
    await store.set(
      'n',
      { value: undefined, delta: 0, created: 0, expiry: 9, negative: true, error },
      100,
    );
    const back = await store.get('n');
    expect(back?.negative).toBe(true);
    expect(back?.error).toMatchObject({ name: 'TypeError', message: 'bad id', code: 'E_ID' });
    await store.set(
      's',
      { value: undefined, delta: 0, created: 0, expiry: 9, negative: true, error: 'str' },
      100,
    );
    expect((await store.get('s'))?.error).toMatchObject({ message: 'str' });
  });

  it.each([
    ['not JSON', '{nope'],
    ['a foreign JSON value', '{"hello":"world"}'],
    ['bad times', '{"dyno":"dyno-cache/1","v":1,"d":-1,"c":0,"e":null}'],
  ])('reports %s as CorruptEntryError', async (_, text) => {
    const { store } = make({ prefix: `${prefix}corrupt:` });
    await client.set(`${prefix}corrupt:k`, text);
    await expect(store.get('k')).rejects.toBeInstanceOf(CorruptEntryError);
    await expect(store.get('k')).rejects.toThrow(
      `the value under "${prefix}corrupt:k" is not a cache entry`,
    );
  });

  it('makes a corrupt value a miss plus an error event in a Cache, then overwrites it', async () => {
    const p = `${prefix}cache-corrupt:`;
    const { store } = make({ prefix: p });
    await client.set(`${p}k`, 'garbage');
    const cache = new Cache<string>({ store, ttl: 1000 });
    const errors: unknown[] = [];
    cache.onError((e) => errors.push(e.error));
    await expect(cache.get('k', () => 'fresh')).resolves.toBe('fresh');
    expect(errors).toHaveLength(1);
    expect(CorruptEntryError.isInstance(errors[0])).toBe(true);
    await expect(cache.get('k', () => 'again')).resolves.toBe('fresh');
  });

  it('reports a key of the wrong Redis type as an error, not a crash', async () => {
    const p = `${prefix}wrongtype:`;
    await client.lpush(`${p}k`, 'x');
    const cache = new Cache<string>({ store: make({ prefix: p }).store });
    const errors: unknown[] = [];
    cache.onError((e) => errors.push(e.error));
    await expect(cache.get('k', () => 'v')).resolves.toBe('v');
    expect(errors.length).toBeGreaterThan(0);
    expect(CorruptEntryError.isInstance(errors[0])).toBe(true);
  });

  it('clears only its own prefix', async () => {
    const a = new RedisStore({ client, prefix: `${prefix}clear-a:` });
    const b = new RedisStore({ client, prefix: `${prefix}clear-b:` });
    const e = { value: 1, delta: 0, created: 0, expiry: 1e15 };
    for (let i = 0; i < 30; i++) await a.set(`k${i}`, e, 60_000);
    await b.set('k', e, 60_000);
    await a.clear();
    await expect(a.get('k1')).resolves.toBeUndefined();
    await expect(b.get('k')).resolves.toEqual(e);
  });

  it('takes a lease once until it is released or runs out', async () => {
    const { store } = make({ lease: { ttl: 200, retry: 5 } });
    const lease = store.lease!;
    expect(lease).toMatchObject({ ttl: 200, retry: 5 });
    const token = await lease.acquire('k');
    expect(typeof token).toBe('string');
    await expect(lease.acquire('k')).resolves.toBeUndefined();
    await lease.release('k', 'not-mine');
    await expect(lease.acquire('k')).resolves.toBeUndefined();
    await lease.release('k', token!);
    await expect(lease.acquire('k')).resolves.toEqual(expect.any(String));
    expect(make({ lease: true }).store.lease).toMatchObject({ ttl: 5000, retry: 50 });
    expect(make().store.lease).toBeUndefined();
  });

  it('gives a Cache on it the store clock, wall time by default', () => {
    const store = new RedisStore({ client });
    const cache = new Cache({ store, refresh: xfetch() });
    expect(store.clock.now()).toBeGreaterThan(1.6e12);
    expect(cache.store).toBe(store);
  });

  it('fails fast with StoreUnavailableError when a command exceeds its timeout', async () => {
    const clock = new ManualClock();
    const hung = Object.assign(Object.create(client) as Redis, {
      get: () => new Promise(() => {}),
      status: 'ready',
    });
    const store = new RedisStore({ client: hung, clock, timeout: 50 });
    const pending = store.get('k');
    const checked = expect(pending).rejects.toThrow('a Redis command took over 50 ms');
    await clock.advance(50);
    await checked;
    await expect(pending).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('validates its options with clear errors', () => {
    expect(() => new RedisStore(undefined as never)).toThrow(
      '@dyno/cache-redis: option `client` must be an ioredis client; received undefined',
    );
    expect(() => new RedisStore({ client: {} as never })).toThrow(
      '@dyno/cache-redis: option `client` must be an ioredis client; received an object',
    );
    expect(() => new RedisStore({ client, timeout: 0 })).toThrow(RangeError);
    expect(() => new RedisStore({ client, lease: { ttl: -1 } })).toThrow(
      '@dyno/cache-redis: option `lease.ttl` must be a duration in ms greater than 0 to 2147483647; received -1',
    );
    expect(() => new RedisStore({ client, lease: { tll: 5 } as never })).toThrow(TypeError);
    expect(() => new RedisStore({ client, prefx: 'x' } as never)).toThrow('unknown option `prefx`');
    expect(() => new Cache({ store: new MemoryStore(), clock: new ManualClock() })).not.toThrow();
  });
});
