import {
  flushPromises,
  listenerReports,
  ManualClock,
  NON_ERRORS,
  never,
  outcome,
  thrown,
} from '@dyno/core/testing';
import { Cache } from './cache.js';
import { cached } from './cached.js';
import type { CacheEntry, CacheStore, StoreLease } from './entry.js';
import { CacheTimeoutError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import type { RefreshPolicy } from './refresh.js';
import { plainStore } from './test-support/plain-store.js';

const ALWAYS: RefreshPolicy = { kind: 'always', shouldRefresh: () => true };

/** A memory store seen through a wrapper whose methods a test can replace. */
function wrapped(clock: ManualClock, lease?: StoreLease) {
  const inner = new MemoryStore();
  return { store: plainStore(inner, { clock, lease }), inner };
}

describe('faults (a): dependencies that hang and ignore their signal', () => {
  it('regression: after a soft timeout of a hung load, a caller past maxStale gets a new load, not the old value', async () => {
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({
      clock,
      ttl: 100,
      refresh: false,
      softTimeout: 20,
      staleIfError: 1000, // keeps the old entry in the store past its expiry
      maxStale: 50,
    });
    await cache.get('k', () => 'old'); // fresh until 1100
    clock.set(1120);
    let late!: (v: string) => void;
    const first = cache.get(
      'k',
      () =>
        new Promise<string>((resolve) => {
          late = resolve;
        }),
    );
    await clock.advance(20); // 1140: within maxStale, the soft timeout serves the old value
    expect(await outcome(first)).toEqual({ value: 'old' });
    clock.set(1200); // 100 ms past expiry, 50 past maxStale: 'old' must not be served again
    const loader = jest.fn(() => 'new');
    expect(await outcome(cache.get('k', loader))).toEqual({ value: 'new' });
    expect(loader).toHaveBeenCalledTimes(1);
    // the superseded load lands at last: it must not overwrite the newer value
    late('late');
    await clock.advance(0);
    await expect(cache.peek('k')).resolves.toBe('new');
    expect(clock.pending).toBe(0);
  });

  it('gives up a hung background refresh after hardTimeout, keeps the value, and refreshes again later', async () => {
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({ clock, ttl: 100, refresh: ALWAYS, hardTimeout: 30 });
    const errors: unknown[] = [];
    cache.onError((e) => errors.push(e.error));
    await cache.get('k', () => 'v1');
    let signal: AbortSignal | undefined;
    const hung = jest.fn((ctx: { signal: AbortSignal }) => {
      signal = ctx.signal;
      return never<string>();
    });
    await expect(cache.get('k', hung)).resolves.toBe('v1');
    expect(cache.loading).toBe(1);
    await clock.advance(30);
    expect(cache.loading).toBe(0);
    expect(signal?.reason).toBeInstanceOf(CacheTimeoutError);
    expect(errors).toHaveLength(1);
    await expect(cache.get('k', () => 'v2')).resolves.toBe('v1'); // starts a new refresh
    await clock.advance(0);
    await expect(cache.peek('k')).resolves.toBe('v2');
    expect(clock.pending).toBe(0);
  });

  it('regression: a hung background refresh whose waiters all left no longer holds the key', async () => {
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({ clock, ttl: 100, refresh: ALWAYS, maxStale: 50 });
    await cache.get('k', () => 'old');
    await cache.get('k', () => never<string>()); // an early refresh that hangs for ever
    clock.set(1200); // past maxStale: callers wait for that refresh
    const controller = new AbortController();
    const waiting = cache.get('k', () => 'unused', { signal: controller.signal });
    expect(await outcome(waiting)).toBe('pending');
    controller.abort(new Error('gave up'));
    expect(await outcome(waiting)).toEqual({ error: new Error('gave up') });
    // nobody waits for the hung refresh any more: the next caller loads
    expect(await outcome(cache.get('k', () => 'new'))).toEqual({ value: 'new' });
    await expect(cache.peek('k')).resolves.toBe('new');
  });

  it('bounds a store whose get and set never settle: a shared miss, a rejected set, no timer left', async () => {
    const clock = new ManualClock(1000);
    const store: CacheStore = {
      get: () => never(),
      set: () => never(),
      delete: () => never(),
      clear: () => never(),
      peek: () => never(),
    };
    const cache = new Cache<string>({ store, clock, storeTimeout: 50, storeCircuit: false });
    const loader = jest.fn(() => 'v');
    const a = cache.get('k', loader);
    const b = cache.get('k', loader);
    expect(await outcome(a)).toBe('pending');
    await clock.advance(50);
    expect(await outcome(a)).toEqual({ value: 'v' });
    expect(await outcome(b)).toEqual({ value: 'v' });
    expect(loader).toHaveBeenCalledTimes(1); // the two callers shared the read, then the load
    const set = cache.set('k', 'w');
    const del = cache.delete('k');
    const peek = cache.peek('k');
    await clock.advance(50);
    expect(await outcome(set)).toEqual({ error: expect.any(CacheTimeoutError) });
    expect(await outcome(del)).toEqual({ error: expect.any(CacheTimeoutError) });
    expect(await outcome(peek)).toEqual({ value: undefined });
    await clock.advance(50); // the write-back of the load times out too
    expect(cache.loading).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('regression: a lease wait that is slow, not broken, lets the caller take the holder\u2019s value', async () => {
    const clock = new ManualClock(1000);
    const lease: StoreLease = {
      ttl: 1000,
      retry: 10,
      acquire: () => undefined, // another process holds it
      release: () => {},
      // a loaded process: the wait comes back a little after retry + storeTimeout
      wait: () => new Promise((resolve) => clock.setTimeout(() => resolve(undefined), 61)),
    };
    const { store, inner } = wrapped(clock, lease);
    const cache = new Cache<string>({ store, storeTimeout: 50 });
    const errors: unknown[] = [];
    cache.onError((e) => errors.push(e.error));
    const loader = jest.fn(() => 'mine');
    const pending = cache.get('k', loader);
    await clock.advance(30);
    // the holder delivers meanwhile
    const entry = { value: 'holder', expiry: clock.now() + 60_000 } as CacheEntry;
    inner.set('k', entry, 60_000, clock.now());
    await clock.advance(30);
    expect(await outcome(pending)).toEqual({ value: 'holder' });
    expect(loader).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
  });

  it('regression: a lease wait that never settles and ignores its signal holds a caller no longer than the lease would', async () => {
    const clock = new ManualClock(1000);
    const wait = jest.fn(() => never<unknown>());
    const lease: StoreLease = {
      ttl: 1000,
      retry: 10,
      acquire: () => undefined, // another process holds it, and keeps it
      release: () => {},
      wait,
    };
    const { store } = wrapped(clock, lease);
    const cache = new Cache<string>({ store, storeTimeout: 50 });
    const errors: unknown[] = [];
    cache.onError((e) => errors.push(e.error));
    const pending = cache.get('k', () => 'mine');
    await clock.advance(60); // retry + storeTimeout: that wait is over, the next one begins
    expect(wait).toHaveBeenCalledTimes(2);
    expect(await outcome(pending)).toBe('pending'); // the holder may still deliver
    // a lease still held after its ttl gets one more, then the caller loads (as with any wait)
    for (let t = 0; t < 2100 && (await outcome(pending)) === 'pending'; t += 60) {
      await clock.advance(60);
    }
    expect(await outcome(pending)).toEqual({ value: 'mine' });
    expect(clock.now() - 1000).toBeLessThanOrEqual(2 * 1000 + 60);
    expect(errors).toEqual([]); // a wait that is slow is no store failure
    expect(clock.pending).toBe(0);
  });

  it('regression: a hung loader that ignores its signal stops renewing its lease once its callers left or the cache is disposed', async () => {
    for (const end of ['caller left', 'disposed'] as const) {
      const clock = new ManualClock(1000);
      const renew = jest.fn(() => true);
      const release = jest.fn();
      const lease: StoreLease = { ttl: 100, retry: 10, acquire: () => 'token', release, renew };
      const { store } = wrapped(clock, lease);
      const cache = new Cache<string>({ store, refresh: false });
      const controller = new AbortController();
      const pending = cache.get('k', () => never<string>(), { signal: controller.signal });
      await clock.advance(60); // one renewal
      expect(renew).toHaveBeenCalledTimes(1);
      if (end === 'caller left') controller.abort(new Error('gave up'));
      else cache.dispose();
      await flushPromises();
      expect(await outcome(pending)).not.toBe('pending');
      await clock.advance(1000);
      expect(renew).toHaveBeenCalledTimes(1);
      expect(release).toHaveBeenCalledWith('k', 'token');
      expect(clock.pending).toBe(0);
    }
  });
});

describe('faults (b): dependencies that throw or reject with non-errors, and malformed data', () => {
  it.each(NON_ERRORS)(
    'a loader that throws or rejects with %s fails with exactly that value',
    async (_, value) => {
      const clock = new ManualClock(1000);
      const cache = new Cache<string>({ clock, negativeTtl: 100 });
      const errors: unknown[] = [];
      cache.onError((e) => errors.push(e.error));
      expect(
        await outcome(
          cache.get('sync', () => {
            throw value;
          }),
        ),
      ).toEqual({ error: value });
      expect(await outcome(cache.get('async', () => Promise.reject(value)))).toEqual({
        error: value,
      });
      // the negative entry gives back the same value, not a wrapped one, and not a cached `undefined`
      const again = await outcome(cache.get('async', () => 'unused'));
      expect(again).not.toBe('pending');
      expect('error' in (again as object)).toBe(true);
      expect((again as { error: unknown }).error).toBe(value);
      expect(errors).toEqual([value, value]);
      clock.set(1100);
      await expect(cache.get('async', () => 'ok')).resolves.toBe('ok');
    },
  );

  it.each(NON_ERRORS)('a reload rejecting with %s serves stale-if-error', async (_, value) => {
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({ clock, ttl: 100, refresh: false, staleIfError: 100 });
    await cache.get('k', () => 'old');
    clock.set(1150);
    await expect(cache.get('k', () => Promise.reject(value))).resolves.toBe('old');
    clock.set(1250);
    expect(await outcome(cache.get('k', () => Promise.reject(value)))).toEqual({ error: value });
  });

  it.each(NON_ERRORS)(
    'a store that throws or rejects with %s is a miss, an error event, a rejected set',
    async (_, value) => {
      const clock = new ManualClock(1000);
      let calls = 0;
      const fail = () => {
        // alternately a synchronous throw and a rejection
        if (++calls % 2 === 1) throw value;
        return Promise.reject(value);
      };
      const store: CacheStore = { get: fail, set: fail, delete: fail, clear: fail };
      const cache = new Cache<string>({ store, clock, storeCircuit: false });
      const errors: unknown[] = [];
      cache.onError((e) => errors.push(e.error));
      await expect(cache.get('a', () => 'x')).resolves.toBe('x'); // read throws, write-back rejects
      await expect(cache.get('b', () => 'y')).resolves.toBe('y'); // read rejects, write-back throws
      await flushPromises();
      expect(errors).toEqual([value, value, value, value]);
      expect(await outcome(cache.set('a', 'z'))).toEqual({ error: value });
      expect(await outcome(cache.delete('a'))).toEqual({ error: value });
    },
  );

  it('regression: a lease wait that throws or rejects with a non-error is a store failure, not the callers\u2019 error', async () => {
    const clock = new ManualClock(1000);
    let n = 0;
    const lease: StoreLease = {
      ttl: 1000,
      retry: 10,
      acquire: () => undefined,
      release: () => {},
      wait: () => {
        if (++n === 1) throw 'wait broke';
        return Promise.reject(undefined);
      },
    };
    const { store } = wrapped(clock, lease);
    const cache = new Cache<string>({ store, negativeTtl: 1000, storeCircuit: false });
    const errors: { during: string; error: unknown }[] = [];
    cache.onError((e) => errors.push({ during: e.during, error: e.error }));
    await expect(cache.get('a', () => 'A')).resolves.toBe('A');
    await expect(cache.get('b', () => 'B')).resolves.toBe('B');
    expect(errors).toEqual([
      { during: 'store', error: 'wait broke' },
      { during: 'store', error: undefined },
    ]);
  });

  it('regression: a soft timeout never serves a malformed store answer (an entry without times)', async () => {
    const clock = new ManualClock(1000);
    const store: CacheStore = {
      get: () => ({ value: 'garbage' }) as unknown as CacheEntry,
      set: () => {},
      delete: () => {},
      clear: () => {},
    };
    const cache = new Cache<string>({ store, clock, softTimeout: 10, hardTimeout: 50 });
    const pending = cache.get('k', () => never<string>());
    await clock.advance(10);
    expect(await outcome(pending)).toBe('pending');
    await clock.advance(40);
    expect(await outcome(pending)).toEqual({ error: expect.any(CacheTimeoutError) });
  });
});

describe('faults (c): things that settle twice', () => {
  it('a loader thenable that calls back twice, or resolves then throws, counts its first answer only', async () => {
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({ clock, ttl: 1000 });
    const twice = {
      then(resolve: (v: string) => void, reject: (e: unknown) => void) {
        resolve('first');
        resolve('second');
        reject('third');
      },
    };
    const thenThrow = {
      then(resolve: (v: string) => void) {
        resolve('kept');
        throw 'after';
      },
    };
    await expect(cache.get('a', () => twice as unknown as Promise<string>)).resolves.toBe('first');
    await expect(cache.get('b', () => thenThrow as unknown as Promise<string>)).resolves.toBe(
      'kept',
    );
    await expect(cache.peek('a')).resolves.toBe('first');
    await expect(cache.peek('b')).resolves.toBe('kept');
  });

  it('setTtl, setTags and noCache called after the loader settled change nothing', async () => {
    const clock = new ManualClock(1000);
    const store = new MemoryStore();
    const cache = new Cache<string>({ store, clock, ttl: 1000 });
    let late: (() => void) | undefined;
    await cache.get('k', (ctx) => {
      late = () => {
        ctx.setTtl(1);
        ctx.setTags(['t']);
        ctx.noCache();
      };
      return 'v';
    });
    late?.();
    const entry = store.get('k', clock.now()) as CacheEntry;
    expect(entry).toMatchObject({ value: 'v', expiry: 2000 });
    expect(entry.tags).toBeUndefined();
    clock.set(1500);
    await expect(cache.get('k', () => 'x')).resolves.toBe('v');
    await cache.deleteByTag('t');
    await expect(cache.get('k', () => 'x')).resolves.toBe('v');
  });

  it('a hard-timed-out loader that answers late, then again, writes nothing', async () => {
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({ clock, ttl: 1000, hardTimeout: 10 });
    let answer!: (v: string) => void;
    const first = cache.get(
      'k',
      () =>
        new Promise<string>((r) => {
          answer = r;
        }),
    );
    await clock.advance(10);
    expect(await outcome(first)).toEqual({ error: expect.any(CacheTimeoutError) });
    await expect(cache.get('k', () => 'fresh')).resolves.toBe('fresh');
    answer('late');
    answer('later');
    await flushPromises();
    await expect(cache.peek('k')).resolves.toBe('fresh');
  });

  it('a delete delivered twice while a load runs keeps the load from writing, and the key loads again', async () => {
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({ clock, ttl: 1000 });
    const running = cache.get(
      'k',
      () => new Promise<string>((r) => clock.setTimeout(() => r('old'), 10)),
    );
    await cache.delete('k');
    await cache.delete('k');
    await clock.advance(10);
    await expect(running).resolves.toBe('old');
    await expect(cache.peek('k')).resolves.toBeUndefined();
    await expect(cache.get('k', () => 'new')).resolves.toBe('new');
  });
});

describe('faults (d): user callbacks that throw', () => {
  it.each(NON_ERRORS)(
    'a key function that throws %s rejects the call, never throws',
    async (_, value) => {
      const fn = cached((n: number) => n * 2, {
        key: () => {
          throw value;
        },
      });
      let call: Promise<number> | undefined;
      expect(thrown(() => (call = fn(1)))).toBeUndefined();
      expect(await outcome(call as Promise<number>)).toEqual({ error: value });
      fn.cache.dispose();
    },
  );

  it.each(NON_ERRORS)(
    'regression: a refresh policy throwing %s never breaks a hit; the value is served and the failure reported',
    async (_, value) => {
      const clock = new ManualClock(1000);
      const policy: RefreshPolicy = {
        kind: 'broken',
        shouldRefresh: () => {
          throw value;
        },
      };
      const cache = new Cache<string>({ clock, ttl: 1000, refresh: policy });
      const errors: { during: string; error: unknown }[] = [];
      cache.onError((e) => errors.push({ during: e.during, error: e.error }));
      await cache.get('k', () => 'v');
      let hit: Promise<string> | undefined;
      expect(thrown(() => (hit = cache.get('k', () => 'x')))).toBeUndefined();
      expect(await outcome(hit as Promise<string>)).toEqual({ value: 'v' });
      expect(errors).toEqual([{ during: 'refresh', error: value }]);
      expect(cache.loading).toBe(0);
    },
  );

  it('regression: a throwing `random` never breaks a hit', async () => {
    const clock = new ManualClock(1000);
    const random = () => {
      throw 'no entropy';
    };
    const cache = new Cache<string>({ clock, ttl: 100, random });
    await cache.get('k', async () => {
      await clock.advance(10); // a delta, so that XFetch draws near expiry
      return 'v';
    });
    clock.set(1105);
    let hit: Promise<string> | undefined;
    expect(thrown(() => (hit = cache.get('k', () => 'x')))).toBeUndefined();
    expect(await outcome(hit as Promise<string>)).toEqual({ value: 'v' });
  });

  it('regression: listeners that throw break no call, and are reported under a named source', async () => {
    const clock = new ManualClock(1000);
    const store: CacheStore = {
      get: () => Promise.reject(new Error('store down')),
      set: () => Promise.reject(new Error('store down')),
      delete: () => {},
      clear: () => {},
    };
    const cache = new Cache<string>({
      clock,
      store,
      name: 'faulty',
      ttl: 100,
      refresh: ALWAYS,
      staleWhileRevalidate: 1000,
      storeCircuit: { failures: 1, cooldown: 10 },
    });
    const boom = (value: unknown) => () => {
      throw value;
    };
    cache.onHit(boom('hit'));
    cache.onMiss(boom(undefined));
    cache.onStale(boom({ stale: true }));
    cache.onRefresh(boom('refresh'));
    cache.onLoad(boom('load'));
    cache.onError(boom('error'));
    cache.onStoreCircuit(boom('circuit'));
    const seen = await listenerReports(async () => {
      await expect(cache.get('k', () => 'v')).resolves.toBe('v');
      await expect(cache.get('k', () => Promise.reject('no'))).rejects.toBe('no');
      await clock.advance(10);
      await expect(cache.get('k', () => 'w')).resolves.toBe('w');
    });
    const sources = new Set(seen.map((e) => e.source));
    for (const event of ['onMiss', 'onLoad', 'onError', 'onStoreCircuit']) {
      expect(sources).toContain(`@dyno/cache "faulty" ${event}`);
    }
    expect(seen.find((e) => e.source.endsWith('onMiss'))?.error).toBeUndefined();
    // and on a memory store, the hit, stale and refresh listeners
    const mem = new Cache<string>({
      clock,
      name: 'mem',
      ttl: 100,
      refresh: false,
      staleWhileRevalidate: 1000,
    });
    mem.onHit(boom('hit'));
    mem.onStale(boom('stale'));
    mem.onRefresh(boom('refresh'));
    const more = await listenerReports(async () => {
      await mem.get('k', () => 'v');
      clock.set(clock.now() + 200);
      await expect(mem.get('k', () => 'w')).resolves.toBe('v');
      await clock.advance(0);
      await expect(mem.get('k', () => 'x')).resolves.toBe('w');
    });
    expect(new Set(more.map((e) => e.source))).toEqual(
      new Set([
        '@dyno/cache "mem" onHit',
        '@dyno/cache "mem" onStale',
        '@dyno/cache "mem" onRefresh',
      ]),
    );
  });
});
