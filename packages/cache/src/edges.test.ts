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
    expect(states).toEqual(['open']);
    await expect(cache.set('a', 'y')).rejects.toThrow('sync set boom');
  });
});
