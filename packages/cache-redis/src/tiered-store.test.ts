import { Cache, type RemoteWrite } from '@dyno/cache';
import { flushPromises, ManualClock } from '@dyno/core/testing';
import { startRedis, type TestRedis, uniquePrefix } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import type { BusMessageEvent, BusStateEvent, TierErrorEvent } from './events.js';
import { RedisStore } from './redis-store.js';
import { TieredStore } from './tiered-store.js';

let server: TestRedis;
let client: Redis;
const base = uniquePrefix('tiered');
const open: TieredStore[] = [];

beforeAll(async () => {
  // a server of this file's own: `CLIENT KILL TYPE pubsub` would cut the subscribers of every
  // other test file using the shared one (CI's DYNO_REDIS_URL) at the same time
  server = await startRedis();
  client = new Redis(server.url, { maxRetriesPerRequest: 1 });
});

afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
});

afterAll(async () => {
  await new RedisStore({ client, prefix: base }).clear();
  await client.quit();
  await server.stop();
});

const entry = (value: unknown, tags?: string[]) => ({
  value,
  delta: 1,
  created: 1,
  expiry: 1e15,
  ...(tags ? { tags } : {}),
});

/** Two processes' worth of stores on one prefix, each subscribed before the test goes on. */
async function fleet(n = 2, options: { clock?: ManualClock; memoryTtl?: number } = {}) {
  const prefix = `${base}${Math.random().toString(36).slice(2)}:`;
  const stores: TieredStore[] = [];
  for (let i = 0; i < n; i++) {
    const redis = new RedisStore({
      client,
      prefix,
      lease: { ttl: 5000, retry: 10_000 },
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const store = new TieredStore({ redis, name: `p${i}`, memoryTtl: options.memoryTtl });
    open.push(store);
    stores.push(store);
  }
  await Promise.all(stores.map((s) => until(s.onBusState, (e) => e.connected)));
  return stores;
}

function until<T>(
  event: (l: (e: T) => void) => { dispose(): void },
  test: (e: T) => boolean = () => true,
) {
  return new Promise<T>((resolve) => {
    const d = event((e) => {
      if (!test(e)) return;
      d.dispose();
      resolve(e);
    });
  });
}

describe('TieredStore', () => {
  it('answers a memory hit synchronously, without Redis', async () => {
    const [a] = await fleet(1);
    await a!.set('k', entry('v'), 60_000);
    const spy = jest.spyOn(a!.redis, 'get');
    expect(a!.get('k')).toEqual(entry('v'));
    expect(spy).not.toHaveBeenCalled();
  });

  it('a set in one process evicts the key from the others, which then read the new value', async () => {
    const [a, b, c] = await fleet(3);
    const told = Promise.all([until(b!.onBusMessage), until(c!.onBusMessage)]);
    await a!.set('k', entry('old'), 60_000);
    await told; // a read racing its own key's invalidation is not kept in memory
    await expect(b!.get('k')).resolves.toEqual(entry('old'));
    await expect(c!.get('k')).resolves.toEqual(entry('old'));
    expect(b!.memory.peek('k')).toEqual(entry('old'));
    const seen: BusMessageEvent[] = [];
    a!.onBusMessage((e) => seen.push(e));
    const atB = until(b!.onBusMessage);
    const atC = until(c!.onBusMessage);
    const started = Date.now();
    await a!.set('k', entry('new'), 60_000);
    await expect(atB).resolves.toEqual({ name: 'p1', type: 'set', key: 'k' });
    await atC;
    expect(Date.now() - started).toBeLessThan(1000); // without the bus: the memory TTL
    expect(b!.memory.peek('k')).toBeUndefined();
    await expect(b!.get('k')).resolves.toEqual(entry('new'));
    await expect(c!.get('k')).resolves.toEqual(entry('new'));
    expect(a!.get('k')).toEqual(entry('new'));
    expect(seen).toEqual([]); // its own messages are ignored
  });

  it('sends deletes, clears, tags and prefixes to every memory tier', async () => {
    const [a, b] = await fleet(2);
    const remote: RemoteWrite[] = [];
    b!.onRemoteWrite((write) => remote.push(write));
    const fill = async () => {
      let heard = 0;
      const all = until(b!.onBusMessage, () => ++heard === 3);
      await a!.set('user:1', entry(1, ['red']), 60_000);
      await a!.set('user:2', entry(2), 60_000);
      await a!.set('team:1', entry(3, ['red']), 60_000);
      await all;
      for (const k of ['user:1', 'user:2', 'team:1']) await b!.get(k);
      expect(b!.memory.size).toBe(3);
    };
    await fill();
    let got = until(b!.onBusMessage);
    await a!.delete('user:2');
    await expect(got).resolves.toMatchObject({ type: 'delete', key: 'user:2' });
    expect(b!.memory.keys().sort()).toEqual(['team:1', 'user:1']);
    await expect(b!.get('user:2')).resolves.toBeUndefined();

    await fill();
    got = until(b!.onBusMessage);
    await a!.deleteByTag('red');
    await expect(got).resolves.toMatchObject({ type: 'tag', key: 'red' });
    expect(b!.memory.keys()).toEqual(['user:2']);
    await expect(b!.get('team:1')).resolves.toBeUndefined();

    await fill();
    got = until(b!.onBusMessage);
    await a!.deletePrefix('user:');
    await expect(got).resolves.toMatchObject({ type: 'prefix', key: 'user:' });
    expect(b!.memory.keys()).toEqual(['team:1']);
    await expect(b!.get('user:1')).resolves.toBeUndefined();

    await fill();
    got = until(b!.onBusMessage);
    await a!.clear();
    await expect(got).resolves.toMatchObject({ type: 'clear', key: '' });
    expect(b!.memory.size).toBe(0);
    await expect(b!.get('team:1')).resolves.toBeUndefined();
    // a Cache on b hears every one of them as another process's write
    expect(remote.filter((w) => w.type !== 'set')).toEqual([
      { type: 'delete', key: 'user:2' },
      { type: 'tag', key: 'red' },
      { type: 'prefix', key: 'user:' },
      { type: 'clear', key: '' },
    ]);
    expect(remote.filter((w) => w.type === 'set')).toHaveLength(12);
  });

  it('keeps out of memory an entry read while an invalidation of its key arrived', async () => {
    const [a, b] = await fleet(2);
    await a!.set('k', entry('old'), 60_000);
    const old = await a!.redis.get('k');
    let release!: () => void;
    jest
      .spyOn(b!.redis, 'get')
      .mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(old))));
    const reading = b!.get('k') as Promise<unknown>;
    const got = until(b!.onBusMessage);
    await a!.set('k', entry('new'), 60_000);
    await got;
    release();
    await expect(reading).resolves.toEqual(entry('old')); // the read answers its caller
    expect(b!.memory.peek('k')).toBeUndefined(); // but is not kept
    await expect(b!.get('k')).resolves.toEqual(entry('new'));
  });

  it('keeps an entry in memory at most memoryTtl', async () => {
    const clock = new ManualClock(1_000_000);
    const [a] = await fleet(1, { clock, memoryTtl: 100 });
    await a!.set('k', entry('v'), 60_000);
    expect(a!.get('k')).toEqual(entry('v'));
    await clock.advance(100);
    expect(a!.memory.peek('k')).toBeUndefined();
    await expect(a!.get('k')).resolves.toEqual(entry('v')); // from Redis again
    expect(a!.memory.peek('k')).toEqual(entry('v'));
  });

  it('answers a failed Redis read as a miss with an error event', async () => {
    const [a] = await fleet(1);
    const errors: TierErrorEvent[] = [];
    a!.onError((e) => errors.push(e));
    const boom = new Error('down');
    jest.spyOn(a!.redis, 'get').mockRejectedValueOnce(boom);
    await expect(a!.get('k')).resolves.toBeUndefined();
    expect(errors).toEqual([{ name: 'p0', during: 'read', key: 'k', error: boom }]);
  });

  it('owes a clear when a publish fails, and sends it with the next message', async () => {
    const [a, b] = await fleet(2);
    const errors: TierErrorEvent[] = [];
    a!.onError((e) => errors.push(e));
    const publish = jest.spyOn(client, 'publish').mockRejectedValueOnce(new Error('lost'));
    await a!.set('k', entry(1), 60_000); // the message is lost, the write is not
    expect(errors.map((e) => [e.during, e.key])).toEqual([['publish', 'k']]);
    await b!.get('k');
    await b!.get('other');
    const got = until(b!.onBusMessage);
    await a!.delete('x');
    await expect(got).resolves.toMatchObject({ type: 'clear' });
    publish.mockRestore();
  });

  it('clears its memory tier when the bus comes back, and reports the drop', async () => {
    const [a, b] = await fleet(2);
    await a!.set('k', entry(1), 60_000);
    await b!.get('k');
    const states: boolean[] = [];
    b!.onBusState((e: BusStateEvent) => states.push(e.connected));
    const back = until(b!.onBusState, (e) => e.connected);
    await client.client('KILL', 'TYPE', 'pubsub');
    await back;
    expect(states).toEqual([false, true]);
    expect(b!.memory.size).toBe(0);
    expect(b!.connected).toBe(true);
    // and still hears the others
    await b!.get('k');
    const got = until(b!.onBusMessage);
    await a!.set('k', entry(2), 60_000);
    await got;
    await expect(b!.get('k')).resolves.toEqual(entry(2));
  });

  it("regression: a load running while the bus was down does not write over another process's write", async () => {
    const [a, b] = await fleet(2);
    const ca = new Cache<string>({ store: a!, ttl: 60_000 });
    const cb = new Cache<string>({ store: b!, ttl: 60_000 });
    let land!: (value: string) => void;
    let called!: () => void;
    const calling = new Promise<void>((resolve) => (called = resolve));
    const loading = cb.get('k', () => {
      called();
      return new Promise<string>((resolve) => (land = resolve));
    });
    await calling;
    const back = until(b!.onBusState, (e) => e.connected);
    await client.client('KILL', 'TYPE', 'pubsub');
    await ca.set('k', 'new'); // b never hears of it
    await back;
    const writes = jest.spyOn(b!.redis, 'set');
    land('old');
    await expect(loading).resolves.toBe('old');
    await Promise.all(writes.mock.results.map((r) => r.value));
    expect(writes).not.toHaveBeenCalled();
    await expect(a!.redis.get('k')).resolves.toMatchObject({ value: 'new' });
    ca.dispose();
    cb.dispose();
  });

  it('wakes lease waiters in other processes as soon as the holder releases', async () => {
    const [a, b] = await fleet(2); // retry 10 s: only the bus can wake the waiter in time
    const token = await a!.lease!.acquire('k');
    expect(token).toEqual(expect.any(String));
    await expect(b!.lease!.acquire('k')).resolves.toBeUndefined();
    const controller = new AbortController();
    const started = Date.now();
    const looks = jest.spyOn(client, 'pttl');
    const waiting = b!.lease!.wait!('k', 5000, controller.signal);
    const remote: RemoteWrite[] = [];
    b!.onRemoteWrite((write) => remote.push(write));
    // the waiter looked at the lease key and found it held: only the bus can wake it now
    await flushPromises();
    await expect(looks.mock.results[0]?.value).resolves.toBeGreaterThan(0);
    looks.mockRestore();
    await a!.lease!.release('k', token!);
    await expect(waiting).resolves.toBe(true);
    expect(remote).toEqual([]); // a lease given back is no write
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(b!.lease!.acquire('k')).resolves.toEqual(expect.any(String));
    await expect(b!.lease!.renew!('k', 'not-mine')).resolves.toBe(false);
  });

  it('stops a lease wait when its signal aborts', async () => {
    const [a, b] = await fleet(2);
    await a!.lease!.acquire('k');
    const controller = new AbortController();
    const waiting = b!.lease!.wait!('k', 5000, controller.signal);
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(b!.lease!.wait!('k', 5000, controller.signal)).rejects.toBe(reason);
  });

  it('serves a Cache from memory and shares its writes with the fleet', async () => {
    const [a, b] = await fleet(2);
    const ca = new Cache<string>({ store: a!, ttl: 60_000 });
    const cb = new Cache<string>({ store: b!, ttl: 60_000 });
    const loader = jest.fn(() => 'loaded');
    await expect(ca.get('k', loader)).resolves.toBe('loaded');
    await expect(cb.get('k', loader)).resolves.toBe('loaded');
    expect(loader).toHaveBeenCalledTimes(1);
    const got = until(b!.onBusMessage);
    await ca.set('k', 'written');
    await got;
    await expect(cb.get('k', loader)).resolves.toBe('written');
  });

  it('closes the subscriber it made on dispose, refuses later calls, and leaves a given one open', async () => {
    const subscriber = client.duplicate();
    const redis = new RedisStore({ client, prefix: `${base}dispose:` });
    const store = new TieredStore({ redis, subscriber });
    await until(store.onBusState, (e) => e.connected);
    store.dispose();
    store.dispose();
    expect(store.connected).toBe(false);
    await expect(store.get('k')).rejects.toThrow('disposed');
    await expect(store.peek('k')).rejects.toThrow('disposed');
    await expect(store.set('k', entry(1), 1)).rejects.toThrow('disposed');
    expect(subscriber.status).toBe('ready');
    await subscriber.quit();
    const own = new TieredStore({ redis });
    await until(own.onBusState, (e) => e.connected);
    own.dispose();
    expect(store.lease).toBeUndefined();
  });

  it('ignores and reports malformed bus messages and other channels', async () => {
    const subscriber = client.duplicate();
    const prefix = `${base}malformed:`;
    const store = new TieredStore({ redis: new RedisStore({ client, prefix }), subscriber });
    open.push(store);
    await until(store.onBusState, (e) => e.connected);
    await subscriber.subscribe(`${prefix}elsewhere`);
    const errors: TierErrorEvent[] = [];
    store.onError((e) => errors.push(e));
    const messages: BusMessageEvent[] = [];
    store.onBusMessage((e) => messages.push(e));
    const channel = `${prefix}\u0000bus`;
    await client.publish(`${prefix}elsewhere`, JSON.stringify({ o: 'x', t: 'clear', k: '' }));
    await client.publish(channel, '{nope');
    await client.publish(channel, 'null');
    await client.publish(channel, JSON.stringify({ o: 'x', t: 'explode', k: '' }));
    const last = until(store.onBusMessage);
    await client.publish(channel, JSON.stringify({ o: 'x', t: 'delete', k: 'k' }));
    await last; // messages on a channel come in order: the others were handled before it
    expect(messages).toEqual([{ name: store.name, type: 'delete', key: 'k' }]);
    expect(errors.map((e) => e.during)).toEqual(['message', 'message', 'message']);
    expect(String(errors[2]!.error)).toContain('not a bus message');
    store.dispose();
    await subscriber.quit();
  });

  it('reports a failed subscription', async () => {
    const boom = new Error('no pubsub here');
    const subscriber = {
      subscribe: () => Promise.reject(boom),
      unsubscribe: () => Promise.resolve(),
      on() {},
      off() {},
    };
    const redis = new RedisStore({ client, prefix: `${base}nosub:` });
    const store = new TieredStore({ redis, subscriber: subscriber as never });
    open.push(store);
    const error = await until(store.onError);
    expect(error).toMatchObject({ during: 'subscribe', error: boom });
    expect(store.connected).toBe(false);
  });

  it('sends the clear it owes as soon as its own bus comes back', async () => {
    const [, b] = await fleet(2);
    // a third process on the same prefix whose subscriber alone is cut off
    const subscriber = client.duplicate({ connectionName: `owed-${process.pid}` });
    const a = new TieredStore({ redis: b!.redis, subscriber });
    open.push(a);
    await until(a.onBusState, (e) => e.connected);
    const publish = jest.spyOn(client, 'publish').mockRejectedValueOnce(new Error('lost'));
    await a.set('k', entry(1), 60_000);
    publish.mockRestore();
    const cleared = until(b!.onBusMessage, (e) => e.type === 'clear');
    const list = (await client.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(`name=owed-${process.pid} `));
    const id = /id=(\d+)/.exec(line ?? '')?.[1];
    await client.client('KILL', 'ID', id as string);
    await cleared;
    a.dispose();
    await subscriber.quit();
  });

  it('peeks memory first, then Redis, and disposes with `using`', async () => {
    const [a] = await fleet(1);
    await a!.redis.set('k', entry('r'), 60_000);
    await expect(a!.peek('k')).resolves.toEqual(entry('r'));
    expect(a!.peek('k')).toEqual(entry('r'));
    {
      using store = new TieredStore({ redis: a!.redis });
      expect(store.connected).toBe(false);
    }
  });

  it('keeps out of memory a read under an invalidated prefix, and keeps one under another', async () => {
    const [a, b] = await fleet(2);
    let heard = 0;
    const both = until(b!.onBusMessage, () => ++heard === 2);
    await a!.set('user:1', entry(1), 60_000);
    await a!.set('team:1', entry(2), 60_000);
    await both;
    const held: (() => void)[] = [];
    const real = b!.redis.get.bind(b!.redis);
    jest
      .spyOn(b!.redis, 'get')
      .mockImplementation((key) => new Promise((resolve) => held.push(() => resolve(real(key)))));
    const reads = [b!.get('user:1'), b!.get('team:1')];
    const got = until(b!.onBusMessage, (e) => e.type === 'prefix');
    await a!.deletePrefix('user:');
    await got;
    for (const go of held) go();
    await Promise.all(reads);
    expect(b!.memory.keys()).toEqual(['team:1']);
  });

  it('ends a lease wait after `ms` with false when nobody releases', async () => {
    const [a, b] = await fleet(2);
    await a!.lease!.acquire('k');
    const controller = new AbortController();
    await expect(b!.lease!.wait!('k', 30, controller.signal)).resolves.toBe(false);
    const pttl = jest.spyOn(client, 'pttl').mockRejectedValueOnce(new Error('gone'));
    await expect(b!.lease!.wait!('k', 5000, controller.signal)).resolves.toBe(false);
    pttl.mockRestore();
  });

  it('validates its options with clear errors', () => {
    const redis = new RedisStore({ client });
    expect(() => new TieredStore(undefined as never)).toThrow(
      '@dyno/cache-redis: option `redis` must be a RedisStore; received undefined',
    );
    expect(() => new TieredStore({ redis: {} as never })).toThrow(TypeError);
    expect(() => new TieredStore({ redis, memoryTtl: 0 })).toThrow(RangeError);
    expect(() => new TieredStore({ redis, maxEntries: 1.5 })).toThrow(
      '@dyno/cache-redis: option `maxEntries` must be an integer from 1 to 2147483647; received 1.5',
    );
    expect(() => new TieredStore({ redis, subscriber: {} as never })).toThrow(TypeError);
    expect(() => new TieredStore({ redis, memTtl: 5 } as never)).toThrow('unknown option `memTtl`');
  });

  it("regression: refuses the RedisStore's own client as subscriber (subscribed, it failed every command)", () => {
    const own = new Redis(server.url, { lazyConnect: true });
    try {
      const redis = new RedisStore({ client: own });
      expect(() => new TieredStore({ redis, subscriber: own })).toThrow(
        "@dyno/cache-redis: option `subscriber` must be a connection of its own, not the RedisStore's client",
      );
      expect(() => new TieredStore({ redis, subscriber: own })).toThrow(RangeError);
    } finally {
      own.disconnect();
    }
  });
});
