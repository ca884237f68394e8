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
