import { Cache, MemoryStore, xfetch } from '@dyno/cache';
import { ManualClock, SteppingClock } from '@dyno/core/testing';
import { redisForTests, type TestRedis, uniquePrefix } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { CorruptEntryError, StoreUnavailableError, UnserializableValueError } from './errors.js';
import { RedisStore } from './redis-store.js';

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

  it('regression: never gives a key with a lone surrogate the value of another key', async () => {
    const { store } = make();
    const cache = new Cache<string>({ store });
    // '\ud83d' and '\ud83e' are the halves of two emoji cut in the middle: both reach Redis as U+FFFD
    await cache.set('q:\ud83d', 'cut 😀');
    await expect(cache.get('q:\ud83e', () => 'cut 🤔')).resolves.toBe('cut 🤔');
    await expect(cache.get('q:\ufffd', () => 'replacement')).resolves.toBe('replacement');
    await cache.set('q:\ufffd', 'kept');
    await cache.delete('q:\ud83d');
    await expect(store.get('q:\ufffd')).resolves.toMatchObject({ value: 'kept' });
    await expect(store.get('q:\ud83d')).resolves.toBeUndefined();
    cache.dispose();
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

  it('clears its keys when the client has a keyPrefix (regression: it found nothing)', async () => {
    const prefixed = new Redis(server.url, { keyPrefix: `${prefix}kp:` });
    try {
      const store = new RedisStore({ client: prefixed, prefix: 'app:' });
      const other = new RedisStore({ client: prefixed, prefix: 'other:' });
      const e = { value: 1, delta: 0, created: 0, expiry: 1e15 };
      for (let i = 0; i < 5; i++) await store.set(`k${i}`, e, 60_000);
      await other.set('k', e, 60_000);
      await expect(client.exists(`${prefix}kp:app:k0`)).resolves.toBe(1);
      await store.clear();
      await expect(client.exists(`${prefix}kp:app:k0`)).resolves.toBe(0);
      await expect(store.get('k4')).resolves.toBeUndefined();
      await expect(other.get('k')).resolves.toEqual(e);
      await store.set('user:1', e, 60_000);
      await store.set('user:2', e, 60_000);
      await store.set('team:1', e, 60_000);
      await store.deletePrefix('user:');
      await expect(store.get('user:2')).resolves.toBeUndefined();
      await expect(store.get('team:1')).resolves.toEqual(e);
    } finally {
      prefixed.disconnect();
    }
  });

  it('gives a Cache back the values it stored: dates, maps, sets, bigints, NaN, -0', async () => {
    const { store } = make();
    const cache = new Cache<unknown>({ store, ttl: 60_000 });
    const value = {
      at: new Date(5),
      ids: new Set([1n, 2n]),
      byName: new Map([['a', [Number.NaN, -0, undefined]]]),
      bytes: new Uint16Array([7, 65535]),
    };
    const loader = jest.fn(() => value);
    await cache.get('v', loader);
    const other = new Cache<unknown>({ store, ttl: 60_000 });
    const back = (await other.get('v', loader)) as typeof value;
    expect(loader).toHaveBeenCalledTimes(1);
    expect(back).not.toBe(value);
    expect(back).toStrictEqual(value);
    expect(Object.is(back.byName.get('a')?.[1], -0)).toBe(true);
  });

  it('refuses a value it cannot give back at write time, naming its type', async () => {
    const { store } = make();
    const entry = {
      value: { when: new URL('https://example.com') },
      delta: 0,
      created: 0,
      expiry: 9,
    };
    await expect(store.set('u', entry, 1000)).rejects.toThrow(
      'cannot store an instance of URL at `value.when`',
    );
    await expect(store.set('u', entry, 1000)).rejects.toBeInstanceOf(UnserializableValueError);
    await expect(store.get('u')).resolves.toBeUndefined();
  });

  it('uses a pluggable serializer', async () => {
    const serializer = {
      serialize: jest.fn((v: unknown) => JSON.stringify(v)),
      deserialize: jest.fn((data: Buffer) => JSON.parse(data.toString('utf8')) as unknown),
    };
    const { store } = make({ serializer });
    const entry = { value: { a: 1 }, delta: 0, created: 0, expiry: 9 };
    await store.set('j', entry, 1000);
    await expect(store.get('j')).resolves.toEqual(entry);
    expect(serializer.serialize).toHaveBeenCalledWith({ a: 1 });
    expect(serializer.deserialize).toHaveBeenCalledTimes(1);
  });

  it('deletes by tag only the entries that still carry the tag', async () => {
    const p = `${prefix}tags:`;
    const store = new RedisStore({ client, prefix: p });
    const e = { value: 1, delta: 0, created: 0, expiry: 1e15 };
    await store.set('a', { ...e, tags: ['user:1', 'team'] }, 60_000);
    await store.set('b', { ...e, tags: ['user:1'] }, Number.POSITIVE_INFINITY);
    await store.set('c', { ...e, tags: ['user:1'] }, 60_000);
    await store.set('c', { ...e, tags: ['user:2'] }, 60_000); // rewritten without the tag
    await store.set('d', { ...e, tags: ['team'] }, 5000);
    const tagSet = `${p}\u0000tag\u0000user:1`;
    await expect(client.pttl(tagSet)).resolves.toBe(-1); // b lives for ever, so does its tag set
    const team = await client.pttl(`${p}\u0000tag\u0000team`);
    expect(team).toBeGreaterThan(50_000); // extended to the longest member, never shortened
    await store.deleteByTag('user:1');
    await expect(store.get('a')).resolves.toBeUndefined();
    await expect(store.get('b')).resolves.toBeUndefined();
    await expect(store.get('c')).resolves.toMatchObject({ tags: ['user:2'] });
    await expect(store.get('d')).resolves.toMatchObject({ tags: ['team'] });
    await expect(client.exists(tagSet)).resolves.toBe(0);
    await store.deleteByTag('nobody');
  });

  it('regression: deletes a tag on many entries in batches, never holding Redis for long', async () => {
    // one script over the whole tag set held Redis, and every client of it, 1.6 s for 200,000
    // entries (past 5 s, other clients are refused with BUSY, and the script cannot be killed)
    const p = `${prefix}many-tagged:`;
    const store = new RedisStore({ client, prefix: p });
    const e = { value: 1, delta: 0, created: 0, expiry: 1e15, tags: ['hot'] };
    const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k) => store.set(k, e, 60_000)));
    await store.set('kept', { ...e, tags: ['cold'] }, 60_000);
    await client.sadd(`${p}\u0000tag\u0000hot`, `${p}kept`); // rewritten since without the tag
    const evals = jest.spyOn(client, 'eval');
    try {
      await store.deleteByTag('hot');
      expect(evals).toHaveBeenCalledTimes(3); // 1000 + 1000 + 501
    } finally {
      evals.mockRestore();
    }
    const left = await client.exists(...keys.map((k) => `${p}${k}`));
    expect(left).toBe(0);
    await expect(store.get('kept')).resolves.toMatchObject({ tags: ['cold'] });
    await expect(client.exists(`${p}\u0000tag\u0000hot`)).resolves.toBe(0);
  });

  it('deletes by prefix without touching leases or tag sets', async () => {
    const p = `${prefix}by-prefix:`;
    const store = new RedisStore({ client, prefix: p, lease: true });
    const e = { value: 1, delta: 0, created: 0, expiry: 1e15 };
    await store.set('user:1', { ...e, tags: ['t'] }, 60_000);
    const token = await store.lease!.acquire('user:1');
    await store.deletePrefix('user:');
    await expect(store.get('user:1')).resolves.toBeUndefined();
    await expect(client.exists(`${p}\u0000tag\u0000t`)).resolves.toBe(1);
    await expect(store.lease!.renew!('user:1', token!)).resolves.toBe(true);
    // every entry, and still not the leases: one another process holds stays its own
    await store.set('team:1', e, 60_000);
    await store.deletePrefix('');
    await expect(store.get('team:1')).resolves.toBeUndefined();
    await expect(store.lease!.renew!('user:1', token!)).resolves.toBe(true);
    await expect(client.exists(`${p}\u0000tag\u0000t`)).resolves.toBe(1);
    await store.clear();
    await expect(store.lease!.renew!('user:1', token!)).resolves.toBe(false);
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

  it('skips Redis after `failures` failed commands in a row, then probes it after the cooldown', async () => {
    const clock = new ManualClock();
    let answer: () => Promise<Buffer | null> = () => new Promise(() => {});
    const getBuffer = jest.fn(() => answer());
    const flaky = Object.assign(Object.create(client) as Redis, { getBuffer, status: 'ready' });
    const store = new RedisStore({
      client: flaky,
      clock,
      timeout: 50,
      circuit: { failures: 2, cooldown: 1000 },
    });
    const states: string[] = [];
    store.onCircuit((e) => states.push(e.to));
    for (let i = 0; i < 2; i++) {
      const pending = expect(store.get('k')).rejects.toThrow('took over 50 ms');
      await clock.advance(50);
      await pending;
    }
    expect(store.circuit).toBe('open');
    await expect(store.get('k')).rejects.toThrow('Redis is skipped after repeated failures');
    await expect(
      store.set('k', { value: 1, delta: 0, created: 0, expiry: 1 }, 10),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(getBuffer).toHaveBeenCalledTimes(2);
    await clock.advance(1000);
    answer = () => Promise.resolve(null);
    await expect(store.get('k')).resolves.toBeUndefined(); // the probe
    expect(getBuffer).toHaveBeenCalledTimes(3);
    expect(store.circuit).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('regression: a clock stepped back does not keep the circuit open for as long as the step', async () => {
    const manual = new ManualClock(10_000_000);
    // the store's wall clock, which NTP may step back
    const clock = new SteppingClock(manual);
    let answer: () => Promise<Buffer | null> = () => Promise.reject(new Error('reset'));
    const getBuffer = jest.fn(() => answer());
    const flaky = Object.assign(Object.create(client) as Redis, { getBuffer, status: 'ready' });
    const store = new RedisStore({
      client: flaky,
      clock,
      circuit: { failures: 2, cooldown: 1000 },
    });
    for (let i = 0; i < 2; i++) {
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    }
    expect(store.circuit).toBe('open');
    clock.stepBack(3_600_000); // an hour back
    await expect(store.get('k')).rejects.toThrow('Redis is skipped after repeated failures');
    manual.set(manual.now() + 1000); // the cooldown has passed
    answer = () => Promise.resolve(null);
    await expect(store.get('k')).resolves.toBeUndefined();
    expect(store.circuit).toBe('closed');
  });

  it('counts refused values and wrong types as no sign of an outage', async () => {
    const p = `${prefix}not-outage:`;
    await client.lpush(`${p}k`, 'x');
    const store = new RedisStore({ client, prefix: p, circuit: { failures: 1 } });
    for (let i = 0; i < 3; i++)
      await expect(store.get('k')).rejects.toBeInstanceOf(CorruptEntryError);
    expect(store.circuit).toBe('closed');
    const failing = Object.assign(Object.create(client) as Redis, {
      getBuffer: () => Promise.reject(new Error('connection reset')),
      status: 'ready',
    });
    const broken = new RedisStore({ client: failing, circuit: { failures: 1 } });
    await expect(broken.get('k')).rejects.toThrow('a Redis command failed');
    expect(broken.circuit).toBe('open');
    const always = new RedisStore({ client: failing, circuit: false });
    for (let i = 0; i < 3; i++)
      await expect(always.get('k')).rejects.toThrow('a Redis command failed');
    expect(always.circuit).toBe('closed');
    expect(always.onCircuit(() => {})).toBeDefined();
  });

  it('validates its options with clear errors', () => {
    expect(() => new RedisStore({ client, circuit: { failures: 0 } })).toThrow(
      '@dyno/cache-redis: option `circuit.failures` must be an integer from 1 to 2147483647; received 0',
    );
    expect(() => new RedisStore({ client, circuit: true as never })).toThrow(RangeError);
    expect(() => new RedisStore({ client, circuit: { cooldown: -1 } })).toThrow(RangeError);
    expect(() => new RedisStore({ client, serializer: { serialize: () => '' } as never })).toThrow(
      '@dyno/cache-redis: option `serializer` must be a serializer ({ serialize, deserialize }); received an object',
    );
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
