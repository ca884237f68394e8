import { sleep } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { cached } from './cached.js';
import { CacheKeyError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import { bytesLeftPerCall } from './test-support/heap.js';
import { plainStore } from './test-support/plain-store.js';

describe('cached', () => {
  it('memoises over every argument', async () => {
    const fn = jest.fn((a: number, b?: { x: number }) => a + (b?.x ?? 0));
    const memo = cached(fn);
    await expect(memo(1, { x: 2 })).resolves.toBe(3);
    await expect(memo(1, { x: 2 })).resolves.toBe(3);
    await expect(memo(1, { x: 3 })).resolves.toBe(4);
    await expect(memo(1)).resolves.toBe(1);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('shares one call between concurrent callers with equal arguments', async () => {
    const clock = new ManualClock();
    const fn = jest.fn(async (id: string) => {
      await sleep(10, { clock });
      return id.toUpperCase();
    });
    const memo = cached(fn, { clock, ttl: 1000 });
    const all = Promise.all(Array.from({ length: 100 }, () => memo('a')));
    await clock.advance(10);
    expect(await all).toEqual(Array(100).fill('A'));
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('never mixes up two functions sharing a store', async () => {
    const store = new MemoryStore();
    const double = cached((n: number) => n * 2, { store });
    const square = cached((n: number) => n * n, { store });
    await expect(double(3)).resolves.toBe(6);
    await expect(square(3)).resolves.toBe(9);
    expect(double.keyOf(3)).not.toBe(square.keyOf(3));
    expect(store.size).toBe(2);
  });

  it('prefixes keys with `name` and refuses a second function with the same name on a store', () => {
    const store = new MemoryStore();
    const f = (n: number) => n;
    const memo = cached(f, { store, name: 'users' });
    expect(memo.keyOf(7)).toBe('users:7');
    expect(memo.cache.name).toBe('users');
    expect(() => cached(f, { store, name: 'users' })).not.toThrow();
    expect(() => cached((n: number) => n, { store, name: 'users' })).toThrow(
      '@dyno/cache: option `name` "users" is used by another function on the same store',
    );
  });

  it('takes a `key` option that replaces the argument encoding', async () => {
    const fn = jest.fn((user: { id: number; loadedAt: number }) => user.id);
    const memo = cached(fn, { name: 'byId', key: (user) => String(user.id) });
    await memo({ id: 1, loadedAt: 1 });
    await memo({ id: 1, loadedAt: 2 });
    expect(fn).toHaveBeenCalledTimes(1);
    expect(memo.keyOf({ id: 1, loadedAt: 3 })).toBe('byId:1');
  });

  it('rejects the call, not the caller, when a key cannot be made', async () => {
    const bad = cached((n: number) => n, { key: () => 5 as never });
    await expect(bad(1)).rejects.toBeInstanceOf(CacheKeyError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(cached((o: object) => o)(cyclic)).rejects.toThrow(CacheKeyError);
  });

  it('regression: an argument changed while the store is read stores no value for it under the old key', async () => {
    const clock = new ManualClock();
    const inner = new MemoryStore();
    // an asynchronous store, as Redis: the load begins 20 ms after the call
    const get = async (k: string, now?: number) => {
      const entry = inner.get(k, now);
      await sleep(20, { clock });
      return entry;
    };
    const load = jest.fn((query: { id: number }) => `user ${query.id}`);
    const memo = cached(load, { clock, store: plainStore(inner, { get }), negativeTtl: 1000 });
    const query = { id: 1 };
    const first = expect(memo(query)).rejects.toThrow(
      '@dyno/cache: the arguments of a call changed before its load began',
    );
    query.id = 2;
    await clock.advance(20);
    await first;
    expect(load).not.toHaveBeenCalled();
    // nothing was stored for the key of { id: 1 }, not even the refusal (negativeTtl)
    const again = memo({ id: 1 });
    await clock.advance(20);
    await expect(again).resolves.toBe('user 1');
    // an argument that can no longer be encoded has changed too
    const cyclic: Record<string, unknown> = { id: 3 };
    const third = expect(memo(cyclic as never)).rejects.toThrow('changed before its load began');
    cyclic.self = cyclic;
    await clock.advance(20);
    await third;
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not look again at the arguments of a load begun within the call (a synchronous store)', async () => {
    let reads = 0;
    const ticking = {
      get tick() {
        return ++reads;
      },
    };
    const memo = cached((arg: { tick: number }) => arg.tick);
    await expect(memo(ticking)).resolves.toBe(2);
    expect(reads).toBe(2); // one for the key, one by the function
  });

  it('lets a function change its own arguments, and caches what it returned', async () => {
    const load = jest.fn((options: { page?: number }) => {
      options.page ??= 1;
      return options.page;
    });
    const memo = cached(load);
    await expect(memo({})).resolves.toBe(1);
    await expect(memo({})).resolves.toBe(1);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('validates its arguments', () => {
    expect(() => cached(5 as never)).toThrow(
      '@dyno/cache: cached() expects a function; received number',
    );
    expect(() => cached((n: number) => n, { key: 'id' as never })).toThrow(
      '@dyno/cache: option `key` must be a function; received "id"',
    );
    expect(() => cached((n: number) => n, { ttl: -5 })).toThrow(RangeError);
  });

  it('regression: a cached function made per request on a shared store leaves nothing behind', async () => {
    // each claimed its namespace on the store for good: about 100 bytes per function made
    const store = new MemoryStore();
    const left = await bytesLeftPerCall(20_000, () => cached(async (x: number) => x, { store }));
    expect(left).toBeLessThan(25);
    // a live function still owns its name
    const owner = cached(async (x: number) => x, { store, name: 'users' });
    expect(() => cached(async (x: number) => x + 1, { store, name: 'users' })).toThrow(RangeError);
    expect(owner.prefix).toBe('users:');
  });
});
