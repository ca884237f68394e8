import { sleep } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Cache } from './cache.js';
import type { CacheStore, StoreLease } from './entry.js';
import { CacheKeyError, CacheTimeoutError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import { plainStore } from './test-support/plain-store.js';

describe('Cache edges', () => {
  it('recognises its errors across copies by code', () => {
    const timeout = new CacheTimeoutError('load', 5, 'k', 'c');
    expect(CacheTimeoutError.isInstance(timeout)).toBe(true);
    expect(CacheTimeoutError.isInstance(new CacheKeyError('x'))).toBe(false);
    expect(CacheKeyError.isInstance(new CacheKeyError('x'))).toBe(true);
    expect(timeout).toMatchObject({ source: 'c', timeout: 5, operation: 'load' });
  });

  it('reports renewals that throw or reject and keeps renewing', async () => {
    const clock = new ManualClock();
    const inner = new MemoryStore();
    let n = 0;
    const lease: StoreLease = {
      ttl: 20,
      retry: 5,
      acquire: () => 'tok',
      release: () => {
        throw new Error('release broke');
      },
      renew: () => {
        n++;
        if (n === 1) throw new Error('renew threw');
        return Promise.reject(new Error('renew rejected'));
      },
    };
    const store = plainStore(inner, { clock, lease });
    const cache = new Cache<string>({ store, storeCircuit: false });
    const errors: string[] = [];
    cache.onError((e) => errors.push((e.error as Error).message));
    const pending = cache.get('k', async () => {
      await sleep(35, { clock });
      return 'v';
    });
    await clock.advance(35);
    await expect(pending).resolves.toBe('v');
    expect(errors).toEqual(['renew threw', 'renew rejected', 'renew rejected', 'release broke']);
    expect(clock.pending).toBe(0);
  });

  it('waits with lease.wait when the store offers it', async () => {
    const clock = new ManualClock();
    const inner = new MemoryStore();
    const waits: number[] = [];
    const lease: StoreLease = {
      ttl: 100,
      retry: 10,
      acquire: () => undefined,
      release: () => {},
      wait: (_k, ms, signal) => {
        waits.push(ms);
        inner.set('k', { value: 'theirs', delta: 0, created: 0, expiry: 1e9 }, 1e9, 0);
        return sleep(1, { clock, signal });
      },
    };
    const store = plainStore(inner, { clock, lease });
    const cache = new Cache<string>({ store });
    const pending = cache.get('k', () => 'mine');
    await clock.advance(1);
    await expect(pending).resolves.toBe('theirs');
    expect(waits).toEqual([10]);
  });

  it('rejects conflicting options at construction', () => {
    const clock = new ManualClock();
    expect(() => new Cache({ store: new MemoryStore(), maxEntries: 5 })).toThrow(
      'options `store` and `maxEntries` cannot be used together',
    );
    const inner = new MemoryStore();
    const shared: CacheStore = {
      clock,
      get: (k) => inner.get(k),
      set: (k, e) => inner.set(k, e),
      delete: (k) => inner.delete(k),
      clear: () => inner.clear(),
    };
    expect(() => new Cache({ store: shared, clock: new ManualClock() })).toThrow(
      "option `clock` differs from the store's clock",
    );
    expect(() => new Cache({ storeCircuit: 'x' as never })).toThrow(TypeError);
    expect(() => new Cache({ storeCircuit: { cooldown: 0 } })).toThrow(RangeError);
    expect(() => new Cache({ storeCircuit: { nope: 1 } as never })).toThrow(
      'unknown option `storeCircuit.nope`',
    );
    expect(new Cache({ storeCircuit: false, storeTimeout: false }).name).toMatch(/^cache#/);
  });

  it('regression: a store that answers a miss with null (as Redis GET does) misses', async () => {
    const inner = new MemoryStore();
    const lookups = {
      sync: (k: string) => inner.get(k) ?? null,
      async: async (k: string) => inner.get(k) ?? null,
    };
    for (const [kind, get] of Object.entries(lookups)) {
      let held = 1; // the first acquire finds the lease held by another process
      const lease: StoreLease = {
        ttl: 1000,
        retry: 1,
        acquire: () => (held-- > 0 ? undefined : 'token'),
        release: () => {},
      };
      const store = plainStore(inner, { get: get as never, lease });
      const clock = new ManualClock();
      const cache = new Cache<string>({ store, clock });
      const key = `k-${kind}`;
      await expect(cache.peek(key)).resolves.toBeUndefined();
      const loading = cache.get(key, () => 'loaded');
      await clock.advance(5); // the lease's holder is gone: this process takes it and loads
      await expect(loading).resolves.toBe('loaded');
      await expect(cache.get(key, () => 'again')).resolves.toBe('loaded');
      cache.dispose();
    }
  });

  it('regression: refuses a loader that is not a function, instead of caching its failure', async () => {
    const cache = new Cache<string>({ negativeTtl: 60_000 });
    await expect(cache.get('k', 'db.find' as never)).rejects.toThrow(
      '@dyno/cache: `loader` must be a function; received "db.find"',
    );
    await expect(cache.get('k', undefined as never, { forceRefresh: true })).rejects.toThrow(
      TypeError,
    );
    await expect(cache.get('k', () => 'loaded')).resolves.toBe('loaded');
  });

  it('regression: refuses a signal that is not an AbortSignal, without throwing out of get', async () => {
    const cache = new Cache<string>();
    let result: Promise<string> | undefined;
    expect(() => {
      result = cache.get('k', () => 'v', { signal: null as never });
    }).not.toThrow();
    await expect(result).rejects.toThrow(
      '@dyno/cache: `signal` must be an AbortSignal; received null',
    );
    await expect(cache.get('j', () => 'v', { signal: {} as never })).rejects.toThrow(TypeError);
    // refused before its load, as the README says: nothing was loaded or stored for nobody
    await expect(cache.get('k', () => 'other')).resolves.toBe('other');
  });

  it('regression: refuses a key that is not a string, which a store could take for another', async () => {
    const inner = new MemoryStore();
    // a store that makes a string of its key, as ioredis does: every object is '[object Object]'
    const store = plainStore(inner, {
      get: (k, now) => inner.get(String(k), now),
      set: (k, e, keep, now) => inner.set(String(k), e, keep, now),
    });
    const cache = new Cache<string>({ store });
    await expect(cache.get({ id: 1 } as never, () => 'one')).rejects.toThrow(TypeError);
    await expect(cache.get({ id: 2 } as never, () => 'two')).rejects.toThrow(
      '`key` must be a string; received an object',
    );
    await expect(cache.get(1 as never, () => 'one', { forceRefresh: true })).rejects.toThrow(
      TypeError,
    );
    await expect(cache.set(2 as never, 'two')).rejects.toThrow(TypeError);
    await expect(cache.delete(null as never)).rejects.toThrow(TypeError);
    await expect(cache.peek(undefined as never)).rejects.toThrow(TypeError);
    expect(inner.size).toBe(0);
    await expect(cache.get('', () => 'empty')).resolves.toBe('empty');
  });

  it('a throwing synchronous store counts as a miss and toward the circuit', async () => {
    const store: CacheStore = {
      get: () => {
        throw new Error('sync boom');
      },
      set: () => {
        throw new Error('sync set boom');
      },
      delete: () => {},
      clear: () => {},
    };
    const cache = new Cache<string>({ store, storeCircuit: { failures: 2, cooldown: 1000 } });
    const states: string[] = [];
    cache.onStoreCircuit((e) => states.push(e.state));
    await expect(cache.get('a', () => 'x')).resolves.toBe('x');
    // a failed read counts; the failed write-back is reported only
    expect(states).toEqual([]);
    await expect(cache.get('b', () => 'x')).resolves.toBe('x');
    expect(states).toEqual(['open']);
    await expect(cache.set('a', 'y')).rejects.toThrow('sync set boom');
  });
});
