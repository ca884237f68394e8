import { DisposedError, sleep } from '@dyno/core';
import { flushPromises, ManualClock, seededRandom } from '@dyno/core/testing';
import { Cache } from './cache.js';
import type { CacheEntry, CacheStore } from './entry.js';
import type { CacheErrorEvent, HitEvent, RefreshEvent, StaleEvent } from './events.js';
import { MemoryStore } from './memory-store.js';

function setup(options: ConstructorParameters<typeof Cache>[0] = {}) {
  const clock = new ManualClock(1000);
  const cache = new Cache<string>({ clock, random: seededRandom(1), ...options });
  const events: string[] = [];
  cache.onHit((e) => events.push(e.stale ? 'stale-hit' : 'hit'));
  cache.onMiss(() => events.push('miss'));
  cache.onRefresh((e) => events.push(`refresh:${e.reason}`));
  cache.onError((e) => events.push(`error:${e.during}${e.servedStale ? ':stale' : ''}`));
  return { clock, cache, events };
}

/** A loader that takes `ms` on the clock and counts its calls. */
function slowLoader(clock: ManualClock, ms: number, values: string[] = ['v1', 'v2', 'v3', 'v4']) {
  let calls = 0;
  const loader = jest.fn(async () => {
    const value = values[calls++] ?? `v${calls}`;
    await sleep(ms, { clock });
    return value;
  });
  return { loader, calls: () => calls };
}

describe('Cache', () => {
  it('loads a missing key once and serves it from the store afterwards', async () => {
    const { cache, events } = setup({ ttl: 1000 });
    const loader = jest.fn(() => 'a');
    await expect(cache.get('k', loader)).resolves.toBe('a');
    await expect(cache.get('k', loader)).resolves.toBe('a');
    expect(loader).toHaveBeenCalledTimes(1);
    expect(events).toEqual(['miss', 'hit']);
  });

  it('gives 1000 concurrent callers on a missing key exactly 1 loader call', async () => {
    const { cache, clock } = setup({ ttl: 1000 });
    const { loader } = slowLoader(clock, 50);
    const all = Array.from({ length: 1000 }, () => cache.get('k', loader));
    expect(cache.loading).toBe(1);
    await clock.advance(50);
    const values = await Promise.all(all);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(new Set(values)).toEqual(new Set(['v1']));
    expect(cache.loading).toBe(0);
  });

  it('passes the key and a signal to the loader', async () => {
    const { cache } = setup();
    const loader = jest.fn((ctx: { key: string; signal: AbortSignal }) => `${ctx.key}!`);
    await expect(cache.get('k', loader)).resolves.toBe('k!');
    expect(loader.mock.calls[0]?.[0].signal).toBeInstanceOf(AbortSignal);
  });

  it('caches for ever when no ttl is given', async () => {
    const { cache, clock } = setup();
    const loader = jest.fn(() => 'a');
    await cache.get('k', loader);
    clock.set(1e12);
    await expect(cache.get('k', loader)).resolves.toBe('a');
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('reloads after expiry, read lazily from the clock, with callers waiting', async () => {
    const { cache, clock, events } = setup({ ttl: 100, refresh: false });
    const { loader } = slowLoader(clock, 10);
    const first = cache.get('k', loader);
    await clock.advance(10);
    await expect(first).resolves.toBe('v1');
    expect(clock.pending).toBe(0);
    await clock.advance(100);
    const second = cache.get('k', loader);
    await clock.advance(10);
    await expect(second).resolves.toBe('v2');
    // with no stale window the store lets the entry go at expiry: the reload is a plain miss
    expect(events).toEqual(['miss', 'miss']);
  });

  it('refreshes early in the background while callers get the current value at once', async () => {
    const { cache, clock, events } = setup({
      ttl: 1000,
      refresh: { kind: 'always', shouldRefresh: () => true },
    });
    const { loader } = slowLoader(clock, 50);
    const first = cache.get('k', loader);
    await clock.advance(50);
    await first;
    // a refresh starts on this read; every read meanwhile gets v1 at once, even past expiry
    await expect(cache.get('k', loader)).resolves.toBe('v1');
    expect(cache.loading).toBe(1);
    clock.set(clock.now() + 1000);
    await expect(cache.get('k', loader)).resolves.toBe('v1');
    expect(loader).toHaveBeenCalledTimes(2);
    await clock.advance(50);
    await expect(cache.peek('k')).resolves.toBe('v2');
    expect(events).toEqual(['miss', 'hit', 'refresh:early', 'stale-hit']);
  });

  describe('during an early refresh, past the expiry of the entry it replaces', () => {
    const always = { kind: 'always', shouldRefresh: () => true };
    const hung = () => new Promise<string>(() => {});

    /** A store that hands out copies of its entries, as a network store does. */
    function copyingStore(clock: ManualClock) {
      const inner = new MemoryStore({ clock });
      const store: CacheStore = {
        get: (k, now) => {
          const entry = inner.get(k, now);
          return entry === undefined ? undefined : { ...entry };
        },
        set: (k, entry, keep, now) => inner.set(k, entry, keep, now),
        delete: (k) => inner.delete(k),
        clear: () => inner.clear(),
      };
      return { store, inner };
    }

    it('keeps serving that entry when the store returns a copy of it', async () => {
      const clock = new ManualClock(1000);
      const { store } = copyingStore(clock);
      // staleIfError makes the store keep the entry until 1600, past its expiry at 1100
      const cache = new Cache<string>({
        clock,
        store,
        ttl: 100,
        staleIfError: 500,
        refresh: always,
      });
      const stale: StaleEvent[] = [];
      cache.onStale((e) => stale.push(e));
      await cache.get('k', () => 'old');
      await expect(cache.get('k', hung)).resolves.toBe('old'); // starts a refresh that hangs
      clock.set(1300);
      await expect(cache.get('k', hung)).resolves.toBe('old');
      expect(stale).toEqual([{ name: cache.name, key: 'k', reason: 'revalidate', age: 200 }]);
      expect(cache.loading).toBe(1);
      cache.dispose();
    });

    it('keeps serving that entry when another writer left a different expired one', async () => {
      const clock = new ManualClock(1000);
      const { store, inner } = copyingStore(clock);
      const cache = new Cache<string>({
        clock,
        store,
        ttl: 100,
        staleIfError: 500,
        refresh: always,
      });
      await cache.get('k', () => 'old');
      await expect(cache.get('k', hung)).resolves.toBe('old');
      // as another process would, behind this cache's back
      inner.set('k', { value: 'other', delta: 0, created: 1050, expiry: 1060 }, 600, 1050);
      clock.set(1300);
      // the refresh stands for the key: nobody waits on it (decision 37)
      await expect(cache.get('k', hung)).resolves.toBe('old');
      cache.dispose();
    });
  });

  it('gives every waiter of a failed shared load the same error and caches nothing', async () => {
    const { cache, clock, events } = setup({ ttl: 1000 });
    const boom = new Error('boom');
    let calls = 0;
    const loader = async () => {
      calls++;
      await sleep(10, { clock });
      throw boom;
    };
    const waiters = Array.from({ length: 5 }, () => cache.get('k', loader));
    await clock.advance(10);
    const results = await Promise.allSettled(waiters);
    expect(results.every((r) => r.status === 'rejected' && r.reason === boom)).toBe(true);
    expect(calls).toBe(1);
    await expect(cache.peek('k')).resolves.toBeUndefined();
    expect(events.filter((e) => e.startsWith('error'))).toEqual(['error:load']);
  });

  it('treats a non-Error throw as a failure, never a value', async () => {
    const { cache } = setup();
    await expect(
      cache.get('k', () => {
        throw 'nope';
      }),
    ).rejects.toBe('nope');
    await expect(cache.peek('k')).resolves.toBeUndefined();
  });

  it('rejects only the waiter that aborts; the load goes on for the others', async () => {
    const { cache, clock } = setup({ ttl: 1000 });
    const { loader } = slowLoader(clock, 50);
    const controller = new AbortController();
    const leaving = cache.get('k', loader, { signal: controller.signal });
    const staying = cache.get('k', loader);
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(leaving).rejects.toBe(reason);
    await clock.advance(50);
    await expect(staying).resolves.toBe('v1');
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('aborts the loader when the last waiter aborts, and caches nothing', async () => {
    const { cache, clock } = setup({ ttl: 1000 });
    let seen: AbortSignal | undefined;
    const loader = async ({ signal }: { signal: AbortSignal }) => {
      seen = signal;
      await sleep(50, { clock });
      return 'late';
    };
    const a = new AbortController();
    const b = new AbortController();
    const pa = cache.get('k', loader, { signal: a.signal });
    const pb = cache.get('k', loader, { signal: b.signal });
    a.abort();
    expect(seen?.aborted).toBe(false);
    b.abort();
    await expect(pa).rejects.toThrow('aborted');
    await expect(pb).rejects.toThrow('aborted');
    expect(seen?.aborted).toBe(true);
    await clock.advance(50);
    await expect(cache.peek('k')).resolves.toBeUndefined();
    expect(cache.loading).toBe(0);
  });

  it('rejects an already-aborted signal before the loader runs, with its reason', async () => {
    const { cache } = setup();
    const loader = jest.fn(() => 'a');
    const reason = new Error('stop');
    await expect(cache.get('k', loader, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(loader).not.toHaveBeenCalled();
  });

  it('removes its listener from the caller signal when the call settles', async () => {
    const { cache } = setup();
    const controller = new AbortController();
    const remove = jest.spyOn(controller.signal, 'removeEventListener');
    await cache.get('k', async () => 'a', { signal: controller.signal });
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('serves a stale value at once within stale-while-revalidate and refreshes behind it', async () => {
    const { cache, clock, events } = setup({ ttl: 100, staleWhileRevalidate: 50, refresh: false });
    const { loader } = slowLoader(clock, 10);
    const first = cache.get('k', loader);
    await clock.advance(10);
    await first;
    clock.set(clock.now() + 120);
    await expect(cache.get('k', loader)).resolves.toBe('v1');
    await clock.advance(10);
    await expect(cache.get('k', loader)).resolves.toBe('v2');
    clock.set(clock.now() + 200);
    const late = cache.get('k', loader);
    await clock.advance(10);
    await expect(late).resolves.toBe('v3');
    expect(events).toEqual([
      'miss',
      'stale-hit',
      'refresh:expired',
      'hit',
      'miss', // past the window the store has let the entry go: a plain load
    ]);
  });

  it('serves the old value when a reload fails within stale-if-error, and not after', async () => {
    const { cache, clock, events } = setup({ ttl: 100, staleIfError: 50, refresh: false });
    await cache.get('k', () => 'old');
    const boom = new Error('down');
    const failing = () => Promise.reject(boom);
    clock.set(clock.now() + 120);
    await expect(cache.get('k', failing)).resolves.toBe('old');
    clock.set(clock.now() + 40);
    await expect(cache.get('k', failing)).rejects.toBe(boom);
    expect(events.filter((e) => e.startsWith('error'))).toEqual(['error:load:stale', 'error:load']);
  });

  it('keeps serving the current value when a background refresh fails', async () => {
    const errors: CacheErrorEvent[] = [];
    const { cache, clock } = setup({ ttl: 100, staleWhileRevalidate: 100, refresh: false });
    cache.onError((e) => errors.push(e));
    await cache.get('k', () => 'v1');
    clock.set(clock.now() + 150);
    const boom = new Error('down');
    await expect(cache.get('k', () => Promise.reject(boom))).resolves.toBe('v1');
    await flushPromises();
    expect(errors).toEqual([
      { name: cache.name, key: 'k', during: 'refresh', error: boom, servedStale: true },
    ]);
    await expect(cache.get('k', () => 'v2')).resolves.toBe('v1');
  });

  it('caches a failure for negativeTtl when asked to', async () => {
    const { cache, clock } = setup({ ttl: 1000, negativeTtl: 100 });
    const boom = new Error('boom');
    const loader = jest.fn(() => Promise.reject(boom));
    await expect(cache.get('k', loader)).rejects.toBe(boom);
    await expect(cache.get('k', loader)).rejects.toBe(boom);
    expect(loader).toHaveBeenCalledTimes(1);
    await expect(cache.peek('k')).resolves.toBeUndefined();
    clock.set(clock.now() + 100);
    await expect(cache.get('k', () => 'ok')).resolves.toBe('ok');
  });

  it('set, peek, delete and clear work on the store', async () => {
    const { cache, clock } = setup({ ttl: 100 });
    await cache.set('a', 'A');
    await cache.set('b', 'B', { ttl: 500 });
    await expect(cache.peek('a')).resolves.toBe('A');
    clock.set(clock.now() + 200);
    await expect(cache.peek('a')).resolves.toBeUndefined();
    await expect(cache.peek('b')).resolves.toBe('B');
    await cache.delete('b');
    await expect(cache.peek('b')).resolves.toBeUndefined();
    await cache.set('c', 'C');
    await cache.clear();
    await expect(cache.peek('c')).resolves.toBeUndefined();
    await expect(cache.set('a', 'A', { ttl: -1 })).rejects.toThrow(RangeError);
  });

  it('works on an asynchronous store and reports its failures as error events', async () => {
    const map = new Map<string, CacheEntry>();
    let failing = false;
    const store: CacheStore = {
      get: async (k) => {
        if (failing) throw new Error('store down');
        return map.get(k);
      },
      peek: async (k) => map.get(k),
      set: async (k, e) => {
        if (failing) throw new Error('store down');
        map.set(k, e);
      },
      delete: async (k) => void map.delete(k),
      clear: async () => map.clear(),
    };
    const { cache, events } = setup({ store, ttl: 100 });
    await expect(cache.get('k', () => 'a')).resolves.toBe('a');
    await expect(cache.get('k', () => 'b')).resolves.toBe('a');
    failing = true;
    await expect(cache.get('k', () => 'c')).resolves.toBe('c');
    expect(events).toEqual(['miss', 'hit', 'error:store', 'miss', 'error:store']);
  });

  it('survives a store that throws synchronously', async () => {
    const boom = new Error('sync');
    const store: CacheStore = {
      get: () => {
        throw boom;
      },
      set: () => {
        throw boom;
      },
      delete: () => {},
      clear: () => {},
    };
    const { cache, events } = setup({ store });
    await expect(cache.get('k', () => 'a')).resolves.toBe('a');
    expect(events).toEqual(['error:store', 'miss', 'error:store']);
  });

  it('emits readonly payloads naming the cache', async () => {
    const { cache, clock } = setup({ name: 'users', ttl: 10, refresh: false, staleIfError: 5 });
    const hits: HitEvent[] = [];
    const refreshes: RefreshEvent[] = [];
    cache.onHit((e) => hits.push(e));
    cache.onRefresh((e) => refreshes.push(e));
    await cache.get('k', () => 'a');
    await cache.get('k', () => 'a');
    clock.set(clock.now() + 10);
    await cache.get('k', () => 'b');
    expect(hits).toEqual([{ name: 'users', key: 'k', stale: false }]);
    expect(refreshes).toEqual([{ name: 'users', key: 'k', reason: 'expired' }]);
  });

  it('is disposed once; later calls fail fast and running loads are aborted', async () => {
    const { cache, clock } = setup();
    let seen: AbortSignal | undefined;
    const pending = cache.get('k', async ({ signal }) => {
      seen = signal;
      await sleep(10, { clock });
      return 'x';
    });
    cache.dispose();
    cache[Symbol.dispose]();
    expect(seen?.aborted).toBe(true);
    await clock.advance(10);
    await expect(pending).rejects.toBeInstanceOf(DisposedError);
    await expect(cache.get('k', () => 'a')).rejects.toBeInstanceOf(DisposedError);
    await expect(cache.set('k', 'a')).rejects.toThrow('Cache has been disposed');
    await expect(cache.peek('k')).rejects.toBeInstanceOf(DisposedError);
    await expect(cache.delete('k')).rejects.toBeInstanceOf(DisposedError);
    await expect(cache.clear()).rejects.toBeInstanceOf(DisposedError);
  });

  it('evicts the least recently used entry from its default store', async () => {
    const { cache } = setup({ maxEntries: 2 });
    await cache.get('a', () => 'A');
    await cache.get('b', () => 'B');
    await cache.get('a', () => 'A2');
    await cache.get('c', () => 'C');
    expect((cache.store as MemoryStore).keys()).toEqual(['a', 'c']);
  });
});

describe('Cache options', () => {
  it.each([
    [
      { ttl: 0 },
      RangeError,
      '@dyno/cache: option `ttl` must be a duration in ms greater than 0 to 2147483647; received 0',
    ],
    [
      { ttl: Number.NaN },
      RangeError,
      'option `ttl` must be a duration in ms greater than 0 to 2147483647; received NaN',
    ],
    [
      { staleIfError: -1 },
      RangeError,
      'option `staleIfError` must be a duration in ms from 0 to 2147483647; received -1',
    ],
    [
      { maxEntries: 1.5 },
      RangeError,
      'option `maxEntries` must be an integer from 1 to 2147483647; received 1.5',
    ],
    [
      { refresh: true },
      TypeError,
      'option `refresh` must be a RefreshPolicy (xfetch(), staticRefresh(), ...) or false; received true',
    ],
    [
      { store: {} },
      TypeError,
      'option `store` must be a CacheStore (get, set, delete, clear); received an object',
    ],
    [{ random: 1 }, TypeError, 'option `random` must be a function; received 1'],
    [{ ttl: 5, tll: 5 }, TypeError, 'unknown option `tll`'],
    [
      { store: new MemoryStore(), maxEntries: 5 },
      TypeError,
      'options `store` and `maxEntries` cannot be used together',
    ],
  ])('rejects %p', (options, kind, message) => {
    expect(() => new Cache(options as never)).toThrow(kind);
    expect(() => new Cache(options as never)).toThrow(message);
  });

  it('takes the clock of a store that has one, and refuses a different one', () => {
    const clock = new ManualClock(5);
    const store = Object.assign(new MemoryStore(), { clock });
    expect(() => new Cache({ store, clock: new ManualClock() })).toThrow(
      "option `clock` differs from the store's clock",
    );
    expect(new Cache({ store, clock }).name).toMatch(/^cache#\d+$/);
  });
});
