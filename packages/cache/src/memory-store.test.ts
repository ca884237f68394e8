import { MemoryStore } from './memory-store.js';

const entry = (value: number) => ({ value, delta: 0, created: 0, expiry: 1 });

describe('MemoryStore', () => {
  it('evicts the least recently used entry beyond maxEntries', () => {
    const store = new MemoryStore({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) store.set(k, entry(1));
    store.get('a');
    store.peek('b');
    store.set('d', entry(4));
    expect(store.keys()).toEqual(['c', 'a', 'd']);
    store.set('c', entry(5));
    expect(store.keys()).toEqual(['a', 'd', 'c']);
    expect(store.size).toBe(3);
    expect(store.maxEntries).toBe(3);
    store.delete('a');
    expect(store.get('a')).toBeUndefined();
    store.clear();
    expect(store.size).toBe(0);
  });

  it('defaults to 1000 entries and validates its options', () => {
    expect(new MemoryStore().maxEntries).toBe(1000);
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(
      '@dyno/cache: option `maxEntries` must be an integer from 1 to 2147483647; received 0',
    );
    expect(() => new MemoryStore({ max: 1 } as never)).toThrow(TypeError);
  });
});

describe('MemoryStore and keep', () => {
  const e = (created: number, tags?: string[]) => ({
    value: created,
    delta: 0,
    created,
    expiry: created + 10,
    ...(tags ? { tags } : {}),
  });

  it('regression: drops an entry past its keep when it is read, so size stops counting it', () => {
    const store = new MemoryStore();
    store.set('a', e(0), 10, 0);
    store.set('b', e(0), 100, 0);
    expect(store.get('a', 9)).toBeDefined();
    expect(store.peek('a', 10)).toBeUndefined();
    expect(store.get('b', 10)).toBeDefined();
    expect(store.size).toBe(1);
    expect(store.get('b', 100)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('regression: reclaims entries past their keep as it is written to, without timers', () => {
    const store = new MemoryStore({ maxEntries: 200 });
    for (let i = 0; i < 50; i++) store.set(`old${i}`, e(0), 10, 0);
    // nobody reads the old keys again; writes at a later time reclaim them a few at a time
    for (let i = 0; i < 20; i++) store.set(`new${i}`, e(20), 1000, 20);
    expect(store.size).toBeLessThan(70);
    for (let i = 20; i < 100; i++) store.set(`new${i}`, e(20), 1000, 20);
    expect(store.size).toBe(100);
    expect(store.keys().every((k) => k.startsWith('new'))).toBe(true);
  });

  it('drops an entry past its keep before evicting a live one when full', () => {
    const store = new MemoryStore({ maxEntries: 3 });
    store.set('live1', e(0), 1000, 0);
    store.set('dead', e(0), 5, 0);
    store.set('live2', e(0), 1000, 0);
    store.get('live1', 1);
    store.set('live3', e(10), 1000, 10);
    expect(store.keys().sort()).toEqual(['live1', 'live2', 'live3']);
  });

  it('keeps for ever when keep is Infinity or left out, and uses its clock without a now', () => {
    let now = 0;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const store = new MemoryStore({ clock });
    store.set('f', e(0));
    store.set('t', e(0), 10);
    now = 10;
    expect(store.get('t')).toBeUndefined();
    now = 1e12;
    expect(store.get('f')).toBeDefined();
  });

  it('deletes by tag and by prefix, and forgets tags of entries that left', () => {
    const store = new MemoryStore({ maxEntries: 2 });
    store.set('u:1', e(0, ['a', 'b']), 100, 0);
    store.set('u:2', e(0, ['a']), 100, 0);
    store.set('p:1', e(0, ['b']), 100, 0); // evicts u:1
    store.deleteByTag('b');
    expect(store.keys()).toEqual(['u:2']);
    store.deleteByTag('none');
    store.set('u:2', e(0, ['c']), 100, 0); // replaced: no longer tagged a
    store.deleteByTag('a');
    expect(store.keys()).toEqual(['u:2']);
    store.set('p:2', e(0), 100, 0);
    store.deletePrefix('u:');
    expect(store.keys()).toEqual(['p:2']);
  });

  it('a Cache on it: expired entries leave instead of being counted', async () => {
    const { Cache } = await import('./cache.js');
    const { ManualClock } = await import('@dyno/core/testing');
    const clock = new ManualClock();
    const store = new MemoryStore({ maxEntries: 100 });
    const cache = new Cache<number>({ store, clock, ttl: 10, refresh: false });
    for (let i = 0; i < 20; i++) await cache.get(`k${i}`, () => i);
    clock.set(10);
    await cache.get('k0', () => 0);
    for (let i = 0; i < 40; i++) await cache.set(`n${i}`, i);
    expect(store.size).toBe(41);
  });
});
