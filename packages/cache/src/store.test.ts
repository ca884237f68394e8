import { DynoError, sleep } from '@dyno/core';
import { ManualClock, SteppingClock } from '@dyno/core/testing';
import { Cache } from './cache.js';
import type { CacheEntry, CacheStore } from './entry.js';
import { CacheTimeoutError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import { plainStore } from './test-support/plain-store.js';

/** A memory store behind `latency` ms of (manual) time per call, that can hang or fail. */
function asyncStore(clock: ManualClock, latency: number) {
  const inner = new MemoryStore();
  const mode = { hang: false, fail: false, writeMs: latency, reads: 0 };
  const after = <T>(ms: number, f: () => T): Promise<T> => {
    if (mode.hang) return new Promise(() => {});
    if (mode.fail) return Promise.reject(new Error('store down'));
    return sleep(ms, { clock }).then(f);
  };
  const store: CacheStore = {
    clock,
    get: (k) => {
      mode.reads++;
      // what the read sees is decided when it starts, as on a network store
      const seen = inner.get(k, clock.now());
      return after(latency, () => seen);
    },
    set: (k, e: CacheEntry, keep) => after(mode.writeMs, () => inner.set(k, e, keep, clock.now())),
    delete: (k) => after(latency, () => inner.delete(k)),
    clear: () => after(latency, () => inner.clear()),
  };
  return { store, mode, inner };
}

describe('Cache on an asynchronous store', () => {
  it('regression: 20 callers 1 ms apart on a 5 ms store make one load', async () => {
    const clock = new ManualClock();
    const { store } = asyncStore(clock, 5);
    const cache = new Cache<string>({ store, ttl: 60_000 });
    const loader = jest.fn(async () => {
      await sleep(10, { clock });
      return 'v';
    });
    const calls: Promise<string>[] = [];
    for (let i = 0; i < 20; i++) {
      calls.push(cache.get('k', loader));
      await clock.advance(1);
    }
    await clock.advance(50);
    await expect(Promise.all(calls)).resolves.toEqual(Array(20).fill('v'));
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('answers callers when the load lands, without waiting for the write-back', async () => {
    const clock = new ManualClock();
    const { store, mode } = asyncStore(clock, 5);
    mode.writeMs = 500;
    const cache = new Cache<string>({ store, ttl: 60_000, storeTimeout: 1000 });
    const loader = jest.fn(() => 'v');
    let got: string | undefined;
    cache.get('k', loader).then((v) => {
      got = v;
    });
    await clock.advance(5);
    expect(got).toBe('v');
    // a caller while the write-back runs takes the landed value, with no second load
    await expect(cache.get('k', loader)).resolves.toBe('v');
    expect(loader).toHaveBeenCalledTimes(1);
    await clock.advance(500);
    expect(cache.loading).toBe(0);
  });

  it('stops sharing a landed load once its value expires, even while its write-back hangs', async () => {
    const clock = new ManualClock();
    const { store, mode } = asyncStore(clock, 5);
    mode.writeMs = 10_000;
    const cache = new Cache<string>({ store, ttl: 100, storeTimeout: false });
    let calls = 0;
    const loader = jest.fn(() => `v${++calls}`);
    const first = cache.get('k', loader);
    await clock.advance(5); // the read misses; the load lands at 5 (fresh until 105)
    await expect(first).resolves.toBe('v1');
    await clock.advance(45);
    await expect(cache.get('k', loader)).resolves.toBe('v1'); // joins the landed load
    expect(loader).toHaveBeenCalledTimes(1);
    await clock.advance(150); // 200: the landed value expired, its write-back still runs
    const later = cache.get('k', loader);
    await clock.advance(5);
    await expect(later).resolves.toBe('v2');
    expect(loader).toHaveBeenCalledTimes(2);
    cache.dispose();
  });

  it('bounds the store work of a get by one budget: a hung store is a miss', async () => {
    const clock = new ManualClock();
    const { store, mode } = asyncStore(clock, 5);
    mode.hang = true;
    const cache = new Cache<string>({ store, storeTimeout: 100, storeCircuit: false });
    const errors: unknown[] = [];
    cache.onError((e) => errors.push(e.error));
    const pending = cache.get('k', () => 'loaded');
    await clock.advance(100);
    await expect(pending).resolves.toBe('loaded');
    expect(errors[0]).toBeInstanceOf(CacheTimeoutError);
    expect(errors[0]).toMatchObject({
      code: 'DYNO_TIMEOUT',
      operation: 'store',
      message: '@dyno/cache: the store, for "k" took over 100 ms',
    });
    const setting = cache.set('k', 'x');
    const rejected = expect(setting).rejects.toBeInstanceOf(CacheTimeoutError);
    await clock.advance(100);
    await rejected;
    await clock.advance(1000);
    expect(clock.pending).toBe(0);
  });

  it('works without its store for a cooldown after repeated failures, then tries again', async () => {
    const clock = new ManualClock();
    const { store, mode } = asyncStore(clock, 5);
    mode.fail = true;
    const cache = new Cache<string>({ store, storeCircuit: { failures: 2, cooldown: 1000 } });
    const states: string[] = [];
    cache.onStoreCircuit((e) => states.push(`${e.name === cache.name}:${e.state}`));
    let n = 0;
    const loader = () => `v${++n}`;
    await expect(cache.get('a', loader)).resolves.toBe('v1');
    await expect(cache.get('b', loader)).resolves.toBe('v2');
    expect(states).toEqual(['true:open']);
    const reads = mode.reads;
    await expect(cache.get('c', loader)).resolves.toBe('v3');
    expect(mode.reads).toBe(reads); // skipped
    mode.fail = false;
    clock.set(clock.now() + 1000);
    const after = cache.get('c', loader);
    await clock.advance(10);
    await expect(after).resolves.toBe('v4');
    expect(mode.reads).toBe(reads + 1);
    expect(states).toEqual(['true:open', 'true:closed']);
    expect(() => new Cache({ storeCircuit: { failures: 0 } })).toThrow(
      '@dyno/cache: option `storeCircuit.failures` must be an integer from 1 to 2147483647; received 0',
    );
    expect(() => new Cache({ storeTimeout: 0 })).toThrow(RangeError);
    expect(() => new Cache({ storeTimeout: '1000' as never })).toThrow(TypeError);
  });

  it('regression: entries the store cannot read do not open its circuit, and are overwritten', async () => {
    const inner = new MemoryStore();
    // entries another format wrote: the store rejects their reads as Redis stores do
    const corrupt = new Set(['a', 'b', 'c', 'd', 'e', 'f']);
    const store = plainStore(inner, {
      get: async (k, now) => {
        if (!corrupt.has(k)) return inner.get(k, now);
        throw new DynoError('DYNO_CACHE_CORRUPT', `unreadable ${k}`);
      },
      set: (k, e, keep, now) => {
        corrupt.delete(k);
        inner.set(k, e, keep, now);
      },
    });
    const cache = new Cache<string>({ store, storeCircuit: { failures: 2, cooldown: 10_000 } });
    const states: string[] = [];
    cache.onStoreCircuit((e) => states.push(e.state));
    const errors: unknown[] = [];
    cache.onError((e) => errors.push(e.error));
    const keys = [...corrupt];
    await Promise.all(keys.map((k) => cache.get(k, () => `new ${k}`)));
    expect(errors).toHaveLength(6); // each reported
    expect(states).toEqual([]);
    expect(inner.keys()).toEqual(keys); // and overwritten
    await expect(cache.get('a', () => 'again')).resolves.toBe('new a');
  });

  it('regression: writes the store refuses do not open its circuit: what it holds is still served', async () => {
    const inner = new MemoryStore();
    inner.set('held', { value: 'from the store', delta: 0, created: 0, expiry: 1e12 }, 1e12, 0);
    // Redis out of memory (or read-only, or a value its serializer cannot write): reads work
    const refused = () => Promise.reject(new Error('OOM command not allowed'));
    const store = plainStore(inner, { set: refused, delete: refused });
    const cache = new Cache<string>({ store, storeCircuit: { failures: 2, cooldown: 10_000 } });
    const states: string[] = [];
    cache.onStoreCircuit((e) => states.push(e.state));
    const errors: unknown[] = [];
    cache.onError((e) => errors.push(e.error));
    // eight concurrent misses: eight refused write-backs in a row
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    await Promise.all(keys.map((k) => cache.get(k, () => `new ${k}`)));
    await expect(cache.set('x', 'y')).rejects.toThrow('OOM');
    expect(errors).toHaveLength(9); // each reported
    expect(states).toEqual([]);
    const loader = jest.fn(() => 'loaded');
    await expect(cache.get('held', loader)).resolves.toBe('from the store');
    expect(loader).not.toHaveBeenCalled();
  });

  it('regression: a clock stepped back keeps the store skipped one cooldown, not as long as the step', async () => {
    const manual = new ManualClock(1_000_000);
    // a shared store's wall clock, which NTP may step back
    const clock = new SteppingClock(manual);
    const inner = new MemoryStore();
    let down = true;
    const up = () => {
      if (down) throw new Error('store down');
    };
    const store = plainStore(inner, {
      clock,
      get: (k, now) => {
        up();
        return inner.get(k, now);
      },
      set: (k, e, keep, now) => {
        up();
        inner.set(k, e, keep, now);
      },
    });
    const cache = new Cache<string>({ store, storeCircuit: { failures: 2, cooldown: 1000 } });
    const states: string[] = [];
    cache.onStoreCircuit((e) => states.push(e.state));
    await cache.get('a', () => 'a'); // a failed read (its failed write-back is not counted)
    await cache.get('b', () => 'b'); // a second one
    expect(states).toEqual(['open']);
    down = false;
    clock.stepBack(3_600_000);
    manual.set(manual.now() + 1000); // the cooldown is over, but the clock reads an hour earlier
    const loader = jest.fn(() => 'v');
    // the step back is seen at this reading and counts as no time passed (core's steadyClock):
    // the store is still skipped, and the cooldown runs on from here
    await expect(cache.get('k', loader)).resolves.toBe('v');
    expect(states).toEqual(['open']);
    manual.set(manual.now() + 1000); // one cooldown later, not an hour
    await expect(cache.get('k', loader)).resolves.toBe('v');
    await expect(cache.get('k', loader)).resolves.toBe('v');
    expect(loader).toHaveBeenCalledTimes(2);
    expect(states).toEqual(['open', 'closed']);
  });

  it("regression: serves the store's memory tier while its circuit is open, and loads only what it lacks", async () => {
    const clock = new ManualClock();
    const { store: shared, mode } = asyncStore(clock, 5);
    // a two-tier store: a memory tier in this process in front of the shared one
    const memory = new MemoryStore({ clock });
    const store: CacheStore = { ...shared, memory };
    const cache = new Cache<string>({
      store,
      ttl: 60_000,
      storeCircuit: { failures: 2, cooldown: 10_000 },
    });
    memory.set('hot', { value: 'kept', delta: 0, created: 0, expiry: 60_000 }, 60_000);
    memory.set('old', { value: 'gone', delta: 0, created: 0, expiry: 10 }, 10);
    mode.fail = true;
    const loads: string[] = [];
    const loader = ({ key }: { key: string }) => {
      loads.push(key);
      return `${key}!`;
    };
    await cache.get('a', loader);
    await cache.get('b', loader);
    const reads = mode.reads; // the circuit is open: the shared tier is skipped
    clock.set(100);
    for (let i = 0; i < 5; i++) await expect(cache.get('hot', loader)).resolves.toBe('kept');
    await expect(cache.get('old', loader)).resolves.toBe('old!'); // expired: loaded
    await expect(cache.get('cold', loader)).resolves.toBe('cold!');
    expect(loads).toEqual(['a', 'b', 'old', 'cold']);
    expect(mode.reads).toBe(reads);
    const throwing: CacheStore = {
      ...shared,
      memory: {
        get: () => {
          throw new Error('x');
        },
      },
    };
    const other = new Cache<string>({
      store: throwing,
      storeCircuit: { failures: 1, cooldown: 10_000 },
    });
    await other.get('a', loader);
    await expect(other.get('a', loader)).resolves.toBe('a!'); // a tier that throws is no tier
    expect(() => new Cache({ store: { ...shared, memory: {} } as never })).toThrow(TypeError);
  });
});
