// lru-cache: the reference for the cache hit path (`get` is synchronous, `fetch` is async).
import { LRUCache } from 'lru-cache';

export const library = 'lru-cache';
export const packages = ['lru-cache'];

export async function load() {
  return {
    caps: {
      async cache(loader) {
        const lru = new LRUCache({ max: 1000, ttl: 60_000, fetchMethod: (key) => loader(key) });
        lru.set('k', await loader('k'));
        return [
          { label: 'lru-cache get (sync)', kind: 'sync', call: () => lru.get('k') },
          { label: 'lru-cache fetch', kind: 'async', call: () => lru.fetch('k') },
        ];
      },
      // `count` callers of one missing key at once through `fetch`, a new key per batch
      async cacheStampede(count) {
        const stats = { batches: 0, loads: 0 };
        const lru = new LRUCache({
          max: 1000,
          ttl: 60_000,
          fetchMethod: async () => {
            stats.loads++;
            await null;
            return 'value';
          },
        });
        const call = () => {
          const key = `miss:${stats.batches++}`;
          const pending = new Array(count);
          for (let i = 0; i < count; i++) pending[i] = lru.fetch(key);
          return Promise.all(pending);
        };
        return {
          label: 'lru-cache fetch, 1,000 callers of a missing key',
          kind: 'async',
          call,
          stats,
        };
      },
      async cacheFill(count, loader) {
        const lru = new LRUCache({ max: count, ttl: 60_000 });
        for (let i = 0; i < count; i++) lru.set(`key:${i}`, await loader(i));
        return lru;
      },
    },
    notes: { cache: 'max 1000, ttl 60 s' },
  };
}
