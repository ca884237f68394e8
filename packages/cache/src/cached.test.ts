import { sleep } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { cached } from './cached.js';
import { CacheKeyError } from './errors.js';
import { MemoryStore } from './memory-store.js';

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

  it('validates its arguments', () => {
    expect(() => cached(5 as never)).toThrow(
      '@dyno/cache: cached() expects a function; received number',
    );
    expect(() => cached((n: number) => n, { key: 'id' as never })).toThrow(
      '@dyno/cache: option `key` must be a function; received "id"',
    );
    expect(() => cached((n: number) => n, { ttl: -5 })).toThrow(RangeError);
  });
});
