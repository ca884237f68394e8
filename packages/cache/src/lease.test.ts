import { sleep } from '@dyno/core';
import { ManualClock, seededRandom } from '@dyno/core/testing';
import { Cache } from './cache.js';
import type { CacheStore, StoreLease } from './entry.js';
import { MemoryStore } from './memory-store.js';

/** A memory store with a lease, shared by two caches as if by two processes. */
function sharedStore(clock: ManualClock, options: { failAcquire?: boolean } = {}) {
  const inner = new MemoryStore();
  const holders = new Map<string, { token: string; until: number }>();
  let n = 0;
  const lease: StoreLease = {
    ttl: 100,
    retry: 10,
    acquire(key) {
      if (options.failAcquire) throw new Error('lease down');
      const held = holders.get(key);
      if (held !== undefined && clock.now() < held.until) return undefined;
      const token = `t${++n}`;
      holders.set(key, { token, until: clock.now() + 100 });
      return Promise.resolve(token);
    },
    release(key, token) {
      if (holders.get(key)?.token === token) holders.delete(key);
      return Promise.reject(new Error('release lost'));
    },
  };
  const store: CacheStore = {
    clock,
    lease,
    get: (k) => inner.get(k),
    set: (k, e) => inner.set(k, e),
    delete: (k) => inner.delete(k),
    clear: () => inner.clear(),
  };
  return { store, holders };
}

describe('Cache on a store with a lease', () => {
  it('regression: forceRefresh loads, instead of serving the value the store held when it began', async () => {
    const clock = new ManualClock();
    const { store, holders } = sharedStore(clock);
    const cache = new Cache<string>({ store, ttl: 10_000 });
    await expect(cache.get('k', () => 'old')).resolves.toBe('old');
    await clock.advance(5);
    // the lease is free: taken, then the store is read again, and holds 'old'
    await expect(cache.get('k', () => 'new', { forceRefresh: true })).resolves.toBe('new');
    // another process holds the lease (and never delivers): 'newer' is not 'old' either
    holders.set('k', { token: 'theirs', until: clock.now() + 100 });
    const forced = cache.get('k', () => 'newer', { forceRefresh: true });
    await clock.advance(150);
    await expect(forced).resolves.toBe('newer');
  });

  it('lets one process load a missing key while the other waits for its value', async () => {
    const clock = new ManualClock();
    const { store } = sharedStore(clock);
    const a = new Cache<string>({ store, ttl: 1000 });
    const b = new Cache<string>({ store, ttl: 1000 });
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(25, { clock });
      return 'v';
    };
    const fromA = a.get('k', loader);
    const fromB = b.get('k', loader);
    await clock.advance(40);
    await expect(Promise.all([fromA, fromB])).resolves.toEqual(['v', 'v']);
    expect(loads).toBe(1);
  });

  it('loads anyway when the holder never delivers within two leases', async () => {
    const clock = new ManualClock();
    const { store, holders } = sharedStore(clock);
    holders.set('k', { token: 'elsewhere', until: 1e9 });
    const cache = new Cache<string>({ store, ttl: 1000 });
    let loadedAt = Number.NaN;
    const pending = cache.get('k', () => {
      loadedAt = clock.now();
      return 'mine';
    });
    await clock.advance(200);
    await expect(pending).resolves.toBe('mine');
    expect(loadedAt).toBe(200);
  });

  it('keeps serving the current value when another process holds the refresh lease', async () => {
    const clock = new ManualClock();
    const { store, holders } = sharedStore(clock);
    const always = { kind: 'always', shouldRefresh: () => true };
    const cache = new Cache<string>({ store, ttl: 1000, refresh: always, random: seededRandom(1) });
    const refreshes: string[] = [];
    cache.onRefresh((e) => refreshes.push(e.reason));
    await cache.set('k', 'current');
    holders.set('k', { token: 'elsewhere', until: 1e9 });
    const loader = jest.fn(() => 'new');
    await expect(cache.get('k', loader)).resolves.toBe('current');
    await clock.advance(0);
    expect(loader).not.toHaveBeenCalled();
    expect(refreshes).toEqual([]);
    expect(cache.loading).toBe(0);
  });

  it('loads when the lease cannot be taken because the store fails, with error events', async () => {
    const clock = new ManualClock();
    const { store } = sharedStore(clock, { failAcquire: true });
    const cache = new Cache<string>({ store });
    const errors: string[] = [];
    cache.onError((e) => errors.push((e.error as Error).message));
    await expect(cache.get('k', () => 'v')).resolves.toBe('v');
    await clock.advance(0);
    expect(errors).toEqual(['lease down']);
  });

  it('reports a lost release as a store error, and stops waiting when the store fails', async () => {
    const clock = new ManualClock();
    const { store, holders } = sharedStore(clock);
    const cache = new Cache<string>({ store });
    const errors: string[] = [];
    cache.onError((e) => errors.push(`${e.during}:${(e.error as Error).message}`));
    await cache.get('a', () => 'v');
    await clock.advance(0);
    holders.set('b', { token: 'elsewhere', until: 1e9 });
    const get = store.get;
    (store as { get: CacheStore['get'] }).get = (k) =>
      k === 'b' && holders.has('b') && clock.now() > 0
        ? Promise.reject(new Error('get lost'))
        : get(k);
    const pending = cache.get('b', () => 'w');
    await clock.advance(10);
    await expect(pending).resolves.toBe('w');
    expect(errors).toEqual(['store:release lost', 'store:get lost']);
  });

  it('regression: when the holder fails, one waiter takes the lease over at its next look', async () => {
    const clock = new ManualClock();
    const { store } = sharedStore(clock);
    const holder = new Cache<string>({ store, ttl: 1000 });
    const others = [
      new Cache<string>({ store, ttl: 1000 }),
      new Cache<string>({ store, ttl: 1000 }),
    ];
    const failing = holder.get('k', async () => {
      await sleep(5, { clock });
      throw new Error('holder failed');
    });
    const rejected = expect(failing).rejects.toThrow('holder failed');
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(5, { clock });
      return 'taken over';
    };
    const waiting = others.map((c) => c.get('k', loader));
    await clock.advance(30);
    await rejected;
    await expect(Promise.all(waiting)).resolves.toEqual(['taken over', 'taken over']);
    expect(loads).toBe(1);
    expect(clock.now()).toBeLessThan(100); // not the whole lease ttl
  });

  it('renews its lease while a slow load runs, and does not write once it lost it', async () => {
    const clock = new ManualClock();
    const { store, holders } = sharedStore(clock);
    let held = true;
    const renewals: string[] = [];
    (store.lease as { renew?: unknown }).renew = (key: string, token: string) => {
      renewals.push(`${key}:${token}`);
      return held;
    };
    const cache = new Cache<string>({ store, ttl: 1000 });
    const pending = cache.get('k', async () => {
      await sleep(120, { clock });
      return 'slow';
    });
    await clock.advance(60);
    held = false;
    holders.delete('k');
    await clock.advance(60);
    await expect(pending).resolves.toBe('slow');
    expect(renewals.length).toBe(2);
    await expect(cache.peek('k')).resolves.toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it("regression: a waiter that lost the race for a crashed holder's lease waits for the new holder", async () => {
    const clock = new ManualClock();
    const { store, holders } = sharedStore(clock);
    holders.set('k', { token: 'crashed', until: 100 }); // a holder that died: nobody releases
    const free = () => (holders.get('k')?.until ?? 0) <= clock.now();
    (store.lease as { wait?: StoreLease['wait'] }).wait = async (_key, ms) => {
      if (!free())
        await sleep(Math.min(ms, (holders.get('k')?.until ?? 0) - clock.now()), { clock });
      return free();
    };
    const caches = [
      new Cache<string>({ store, ttl: 1000 }),
      new Cache<string>({ store, ttl: 1000 }),
    ];
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(60, { clock }); // ends after the first lease would have run out for a waiter
      return 'loaded';
    };
    const got = Promise.all(caches.map((c) => c.get('k', loader)));
    await clock.advance(200);
    await expect(got).resolves.toEqual(['loaded', 'loaded']);
    expect(loads).toBe(1);
  });

  it('regression: the store read and the lease share one storeTimeout budget per get', async () => {
    const clock = new ManualClock();
    const { store } = sharedStore(clock);
    const slow = <T>(answer: () => T | PromiseLike<T>): Promise<T> =>
      sleep(80, { clock }).then(answer);
    const lease = store.lease!;
    const acquire = lease.acquire.bind(lease);
    const slowStore: CacheStore = {
      ...store,
      lease: { ...lease, acquire: (key) => slow(() => acquire(key)) },
      get: (key) => slow(() => store.get(key)),
    };
    const cache = new Cache<string>({ store: slowStore, ttl: 1000, storeTimeout: 100 });
    let loadedAt = Number.NaN;
    const pending = cache.get('k', () => {
      loadedAt = clock.now();
      return 'v';
    });
    await clock.advance(200);
    await expect(pending).resolves.toBe('v');
    expect(loadedAt).toBe(100); // read 80 ms, then the lease gets the 20 ms left, not 100 more
  });
});
