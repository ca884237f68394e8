import { EventEmitter, sleep } from '@dyno/core';
import { ManualClock, SteppingClock } from '@dyno/core/testing';
import { Cache } from './cache.js';
import { cached } from './cached.js';
import type { CacheEntry, RemoteWrite } from './entry.js';
import { MemoryStore } from './memory-store.js';
import { staticRefresh } from './refresh.js';
import { bytesLeftPerCall } from './test-support/heap.js';
import { plainStore } from './test-support/plain-store.js';

function setup(options: ConstructorParameters<typeof Cache>[0] = {}) {
  const clock = new ManualClock(1000);
  const cache = new Cache<string>({ clock, refresh: false, ...options });
  const slow = (value: string, ms = 50) =>
    jest.fn(async () => {
      await sleep(ms, { clock });
      return value;
    });
  return { clock, cache, slow };
}

/** A store whose reads answer 20 ms later what it held when they began, as a Redis GET sent first does. */
const slowStore = (inner: MemoryStore, clock: ManualClock) =>
  plainStore(inner, {
    get: async (k, now) => {
      const entry = inner.get(k, now);
      await sleep(20, { clock });
      return entry;
    },
  });

describe('Cache writes against running loads', () => {
  it('regression: a set while a load runs wins; the load still answers its own callers', async () => {
    const { cache, clock, slow } = setup();
    const loading = cache.get('k', slow('old'));
    await clock.advance(10);
    await cache.set('k', 'new');
    await clock.advance(40);
    await expect(loading).resolves.toBe('old');
    await expect(cache.peek('k')).resolves.toBe('new');
    await expect(cache.get('k', () => 'loaded')).resolves.toBe('new');
  });

  it('regression: a delete while a load runs is not undone when the load lands', async () => {
    const { cache, clock, slow } = setup();
    const loading = cache.get('k', slow('old'));
    await clock.advance(10);
    await cache.delete('k');
    // a caller after the delete does not join the load that started before it
    const fresh = slow('fresh');
    const after = cache.get('k', fresh);
    expect(fresh).toHaveBeenCalledTimes(1);
    await clock.advance(40);
    await expect(loading).resolves.toBe('old');
    await expect(cache.peek('k')).resolves.toBeUndefined();
    await clock.advance(10);
    await expect(after).resolves.toBe('fresh');
    await expect(cache.peek('k')).resolves.toBe('fresh');
  });

  it('does not let a load overwrite a clear, or a tag or prefix invalidation', async () => {
    const { cache, clock, slow } = setup();
    for (const invalidate of [
      () => cache.clear(),
      () => cache.deleteByTag('t'),
      () => cache.deletePrefix('k'),
    ]) {
      const loading = cache.get('k', slow('old'));
      await clock.advance(10);
      await invalidate();
      await clock.advance(40);
      await expect(loading).resolves.toBe('old');
      await expect(cache.peek('k')).resolves.toBeUndefined();
    }
    // a prefix that does not cover the key leaves its load alone
    const loading = cache.get('k', slow('v'));
    await cache.deletePrefix('other');
    await clock.advance(50);
    await loading;
    await expect(cache.peek('k')).resolves.toBe('v');
  });

  it('regression: a caller after a write does not share a store read that began before it', async () => {
    const clock = new ManualClock(1000);
    const inner = new MemoryStore();
    const store = slowStore(inner, clock);
    const cache = new Cache<string>({ clock, store, refresh: false, ttl: 10_000 });
    for (const [write, expected] of [
      [() => cache.set('k', 'new'), 'new'],
      [() => cache.delete('k'), 'loaded'],
      [() => cache.clear(), 'loaded'],
    ] as const) {
      inner.set('k', { value: 'old', delta: 0, created: 1000, expiry: Number.POSITIVE_INFINITY });
      const before = cache.get('k', () => 'unused');
      await clock.advance(5);
      await write();
      const after = cache.get('k', () => 'loaded');
      await clock.advance(20);
      await expect(before).resolves.toBe('old');
      await expect(after).resolves.toBe(expected);
    }
  });

  it('regression: a load begun from a read older than a write does not answer callers after it', async () => {
    const clock = new ManualClock(1000);
    const inner = new MemoryStore();
    const store = slowStore(inner, clock);
    const failing = async (): Promise<string> => {
      await sleep(50, { clock });
      throw new Error('down');
    };
    // an early refresh of a fresh entry (served meanwhile), and a reload of an expired one
    // (served on its failure, within stale-if-error)
    const cases = [
      { refresh: staticRefresh({ probability: 1 }), expiry: 100_000, staleIfError: 0 },
      { refresh: false as const, expiry: 900, staleIfError: 60_000 },
    ];
    for (const { refresh, expiry, staleIfError } of cases) {
      const cache = new Cache<string>({ clock, store, refresh, staleIfError, ttl: 10_000 });
      inner.set('k', { value: 'old', delta: 1, created: 500, expiry }, 1e9, clock.now());
      const before = cache.get('k', failing);
      await clock.advance(5);
      await cache.delete('k');
      await clock.advance(20); // the read lands after the delete, with the old entry
      const after = cache.get('k', () => 'loaded');
      await clock.advance(60);
      await expect(before).resolves.toBe('old');
      await expect(after).resolves.toBe('loaded');
      cache.dispose();
    }
  });
});

describe("another process's writes to a shared store", () => {
  /** A memory store that reports writes as a shared store hears them from other processes. */
  function sharedStore() {
    const inner = new MemoryStore();
    const remote = new EventEmitter<RemoteWrite>('test store onRemoteWrite');
    const store = plainStore(inner, {
      deletePrefix: (prefix) => inner.deletePrefix(prefix),
      onRemoteWrite: remote.event,
    });
    return { inner, remote, store };
  }

  it('regression: a load that began before another process wrote its key writes nothing', async () => {
    const writes: [RemoteWrite, string, string][] = [
      [{ type: 'set', key: 'k' }, 'k', 'theirs'],
      [{ type: 'delete', key: 'k' }, 'k', 'none'],
      [{ type: 'prefix', key: 'user:' }, 'user:1', 'none'],
      [{ type: 'tag', key: 't' }, 'k', 'none'],
      [{ type: 'clear', key: '' }, 'k', 'none'],
    ];
    for (const [write, key, expected] of writes) {
      const { inner, remote, store } = sharedStore();
      const { cache, clock, slow } = setup({ store });
      const loading = cache.get(key, slow('ours'));
      await clock.advance(10);
      // the other process wrote (or removed) the key in the shared store, then told this one
      if (write.type === 'set') {
        inner.set(key, { value: 'theirs', delta: 0, created: 1010, expiry: 100_000 });
      }
      remote.emit(write);
      await clock.advance(40);
      await expect(loading).resolves.toBe('ours'); // the load still answers its own callers
      expect(inner.get(key)?.value ?? 'none').toBe(expected);
    }
  });

  it('leaves loads of other keys alone, and stops listening when disposed', async () => {
    const { inner, remote, store } = sharedStore();
    const { cache, clock, slow } = setup({ store });
    const loading = cache.get('a', slow('mine'));
    await clock.advance(10);
    remote.emit({ type: 'delete', key: 'b' });
    remote.emit({ type: 'prefix', key: 'b' });
    await clock.advance(40);
    await expect(loading).resolves.toBe('mine');
    expect(inner.get('a')?.value).toBe('mine');
    expect(remote.hasListeners).toBe(true);
    cache.dispose();
    expect(remote.hasListeners).toBe(false);
  });

  it('regression: a cache nobody disposes is not kept alive by its store\u2019s onRemoteWrite', async () => {
    // a cached function made per request on a shared TieredStore: each Cache stayed subscribed,
    // and so alive, for as long as the store (about 4.5 KB each, and a call per bus message)
    const { remote, store } = sharedStore();
    const left = await bytesLeftPerCall(5_000, () => new Cache({ store }));
    expect(left).toBeLessThan(100);
    // one that lives still hears the other processes' writes, and stops when disposed
    const { cache, clock, slow } = setup({ store });
    const loading = cache.get('k', slow('mine'));
    remote.emit({ type: 'set', key: 'k' });
    await clock.advance(50);
    await expect(loading).resolves.toBe('mine');
    await expect(cache.peek('k')).resolves.toBeUndefined();
    cache.dispose();
    cache.dispose();
  });

  it('refuses a store whose onRemoteWrite is not a function', () => {
    const store = { ...plainStore(), onRemoteWrite: 5 } as never;
    expect(() => new Cache({ store })).toThrow(TypeError);
  });
});

describe('tags and prefixes', () => {
  it.each([
    ['the memory store', () => new MemoryStore()],
    // without deleteByTag / deletePrefix: the cache's fallback is used
    ['a store without them (fallback)', () => plainStore()],
  ])('deletes by tag and by prefix with %s', async (_, make) => {
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({ clock, store: make(), refresh: false });
    await cache.set('user:1', 'a', { tags: ['users', 'team:x'] });
    await cache.set('user:2', 'b', { tags: ['users'] });
    await cache.get('post:1', (ctx) => {
      ctx.setTags(['posts', 'team:x']);
      return 'p';
    });
    await cache.deleteByTag('team:x');
    await expect(cache.peek('user:1')).resolves.toBeUndefined();
    await expect(cache.peek('post:1')).resolves.toBeUndefined();
    await expect(cache.peek('user:2')).resolves.toBe('b');
    clock.set(clock.now() + 1);
    await cache.set('user:1', 'a2', { tags: ['team:x'] });
    await expect(cache.get('user:1', () => 'x')).resolves.toBe('a2');
    await cache.deletePrefix('user:');
    await expect(cache.get('user:2', () => 'reloaded')).resolves.toBe('reloaded');
    await expect(cache.peek('user:1')).resolves.toBe(undefined);
    await cache.clear();
    await cache.set('user:3', 'c');
    await expect(cache.peek('user:3')).resolves.toBe('c');
  });

  it('regression: a clear the store failed does not bring back what a tag or prefix invalidation removed', async () => {
    const clock = new ManualClock(1000);
    const inner = new MemoryStore();
    const store = plainStore(inner, {
      clear: () => {
        throw new Error('store down');
      },
    });
    const cache = new Cache<string>({ clock, store, refresh: false });
    await cache.set('user:1', 'old', { tags: ['users'] });
    await cache.set('post:1', 'old');
    clock.set(1001);
    await cache.deleteByTag('users');
    await cache.deletePrefix('post:');
    await expect(cache.clear()).rejects.toThrow('store down');
    // the store still holds both entries: the invalidations must still cover them
    expect(inner.size).toBe(2);
    await expect(cache.get('user:1', () => 'new')).resolves.toBe('new');
    await expect(cache.get('post:1', () => 'new')).resolves.toBe('new');
  });

  it('regression: reads while a clear runs do not serve what a tag invalidation removed', async () => {
    const clock = new ManualClock(1000);
    const inner = new MemoryStore();
    let clearing: (() => void) | undefined;
    const store = plainStore(inner, {
      // removes what it held when asked, as a store that scans its keys does
      clear: () => {
        const held = inner.keys();
        return new Promise<void>((resolve) => {
          clearing = () => {
            for (const key of held) inner.delete(key);
            resolve();
          };
        });
      },
    });
    const cache = new Cache<string>({ clock, store, refresh: false });
    await cache.set('user:1', 'old', { tags: ['users'] });
    clock.set(1001);
    await cache.deleteByTag('users');
    const cleared = cache.clear();
    await expect(cache.get('user:1', () => 'new')).resolves.toBe('new');
    // an invalidation made while the clear runs outlives it
    await cache.set('user:2', 'two', { tags: ['team'] });
    clock.set(1002);
    await cache.deleteByTag('team');
    clearing?.();
    await cleared;
    expect(inner.keys()).toContain('user:2');
    await expect(cache.get('user:2', () => 'new')).resolves.toBe('new');
    // and the records made before it are forgotten once the store is cleared
    clock.set(1003);
    await cache.set('user:3', 'three', { tags: ['users'] });
    await expect(cache.get('user:3', () => 'x')).resolves.toBe('three');
  });

  it('validates tags, ttl and prefix with clear errors', async () => {
    const { cache } = setup();
    await expect(cache.set('k', 'v', { tags: 'x' as never })).rejects.toThrow(
      '@dyno/cache: `tags` must be an array of strings; received "x"',
    );
    await expect(cache.set('k', 'v', { tags: [''] })).rejects.toThrow(RangeError);
    await expect(cache.set('k', 'v', { ttl: -1 })).rejects.toThrow(
      '@dyno/cache: option `ttl` must be a duration in ms greater than 0 to 2147483647 or one of Infinity; received -1',
    );
    await expect(cache.deleteByTag(5 as never)).rejects.toThrow(TypeError);
    await expect(cache.deletePrefix(5 as never)).rejects.toThrow(
      '@dyno/cache: `prefix` must be a string; received number',
    );
  });
});

describe('per-call control', () => {
  it('forceRefresh loads past a fresh value, and shares a load already running', async () => {
    const { cache, clock, slow } = setup({ ttl: 10_000 });
    const reasons: string[] = [];
    cache.onRefresh((e) => reasons.push(e.reason));
    await cache.set('k', 'cached');
    const loader = slow('fresh');
    const a = cache.get('k', loader, { forceRefresh: true });
    const b = cache.get('k', loader, { forceRefresh: true });
    // other callers keep getting the stored value meanwhile
    await expect(cache.get('k', loader)).resolves.toBe('cached');
    await clock.advance(50);
    await expect(Promise.all([a, b])).resolves.toEqual(['fresh', 'fresh']);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(reasons).toEqual(['forced']);
    await expect(cache.peek('k')).resolves.toBe('fresh');
  });

  it('a failed forceRefresh leaves the stored value, negativeTtl or not (regression)', async () => {
    // it wrote a negative entry over a fresh value: for negativeTtl, every caller got the
    // error that only the forcing caller had asked for
    const { cache } = setup({ ttl: 10_000, negativeTtl: 500 });
    await cache.set('k', 'cached');
    const boom = new Error('refresh failed');
    await expect(cache.get('k', () => Promise.reject(boom), { forceRefresh: true })).rejects.toBe(
      boom,
    );
    await expect(cache.get('k', () => 'reloaded')).resolves.toBe('cached');
    await expect(cache.peek('k')).resolves.toBe('cached');
  });

  it('lets the loader set its ttl, or say its value must not be cached', async () => {
    const { cache, clock } = setup({ ttl: 1000 });
    await cache.get('short', (ctx) => {
      ctx.setTtl(10);
      return 's';
    });
    await cache.get('forever', (ctx) => {
      ctx.setTtl(Number.POSITIVE_INFINITY);
      return 'f';
    });
    const once = jest.fn((ctx: { noCache(): void }) => {
      ctx.noCache();
      return 'n';
    });
    await expect(cache.get('nocache', once)).resolves.toBe('n');
    await expect(cache.get('nocache', once)).resolves.toBe('n');
    expect(once).toHaveBeenCalledTimes(2);
    clock.set(clock.now() + 10);
    await expect(cache.peek('short')).resolves.toBeUndefined();
    clock.set(clock.now() + 1e9);
    await expect(cache.peek('forever')).resolves.toBe('f');
    await expect(
      cache.get('bad', (ctx) => {
        ctx.setTtl(-5);
        return 'x';
      }),
    ).rejects.toThrow(RangeError);
  });

  it('regression: namespaces containing the separator never share keys', async () => {
    const store = new MemoryStore();
    const a = cached((x: string) => `a(${x})`, { name: 'a:"b"', store, key: (x) => x });
    const b = cached((x: string) => `b(${x})`, { name: 'a', store, key: (x) => `"b":${x}` });
    await expect(a('c')).resolves.toBe('a(c)');
    await expect(b('c')).resolves.toBe('b(c)');
    expect(a.keyOf('c')).not.toBe(b.keyOf('c'));
    expect(a.prefix).toBe('a\\:"b":');
    await a.cache.deletePrefix(a.prefix);
    expect(store.keys()).toEqual([b.keyOf('c')]);
  });
});

describe('the entries a Cache writes', () => {
  it('carries tags and passes keep and now to the store', async () => {
    const sets: [string, CacheEntry, number, number | undefined][] = [];
    const inner = new MemoryStore();
    const store = plainStore(inner, {
      set: (k, e, keep, now) => {
        sets.push([k, e, keep, now]);
        inner.set(k, e, keep, now);
      },
    });
    const clock = new ManualClock(1000);
    const cache = new Cache<string>({ clock, store, ttl: 100, staleWhileRevalidate: 20 });
    await cache.set('k', 'v', { tags: ['t'] });
    await cache.get('j', () => 'w');
    expect(sets).toEqual([
      ['k', { value: 'v', delta: 0, created: 1000, expiry: 1100, tags: ['t'] }, 120, 1000],
      ['j', { value: 'w', delta: 0, created: 1000, expiry: 1100 }, 120, 1000],
    ]);
  });

  it('regression: a load across a step back of the clock writes a delta of 0, not a negative one', async () => {
    const manual = new ManualClock(1_000_000);
    // a shared store's wall clock, which NTP may step back
    const clock = new SteppingClock(manual);
    const inner = new MemoryStore();
    const cache = new Cache<string>({ store: plainStore(inner, { clock }), ttl: 10_000 });
    const durations: number[] = [];
    cache.onLoad((e) => durations.push(e.duration));
    const loading = cache.get('k', async () => {
      await sleep(50, { clock: manual });
      clock.stepBack(3_600_000); // an hour back while the loader runs
      return 'v';
    });
    await manual.advance(50);
    await expect(loading).resolves.toBe('v');
    expect(inner.get('k', clock.now())?.delta).toBe(0);
    expect(durations).toEqual([0]);
  });
});
