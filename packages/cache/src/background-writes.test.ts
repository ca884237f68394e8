import { sleep } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Cache } from './cache.js';
import { MemoryStore } from './memory-store.js';
import { staticRefresh } from './refresh.js';
import { plainStore } from './test-support/plain-store.js';

const WRITES = {
  delete: (cache: Cache<string>) => cache.delete('k'),
  clear: (cache: Cache<string>) => cache.clear(),
  deleteByTag: (cache: Cache<string>) => cache.deleteByTag('t'),
  deletePrefix: (cache: Cache<string>) => cache.deletePrefix('k'),
  set: (cache: Cache<string>) => cache.set('k', 'written'),
};
const REFRESHES = ['early', 'revalidate', 'forced'] as const;
// the memory store deletes by tag and prefix itself; a plain store leaves the cache to remember
const STORES = { memory: () => new MemoryStore(), plain: () => plainStore() };

const cases = Object.keys(WRITES).flatMap((write) =>
  REFRESHES.flatMap((refresh) => Object.keys(STORES).map((store) => [write, refresh, store])),
) as [keyof typeof WRITES, (typeof REFRESHES)[number], keyof typeof STORES][];

describe('Cache writes against background refreshes', () => {
  it.each(cases)(
    'a %s during a refresh (%s, %s store) is not undone when the refresh lands',
    async (write, refresh, store) => {
      const clock = new ManualClock(1000);
      const cache = new Cache<string>({
        clock,
        store: STORES[store](),
        ttl: 100,
        staleWhileRevalidate: 1000,
        refresh: refresh === 'early' ? staticRefresh({ probability: 1 }) : false,
      });
      await cache.set('k', 'current', { tags: ['t'] });
      clock.set(refresh === 'revalidate' ? 1150 : 1010);
      const old = async () => {
        await sleep(50, { clock });
        return 'old';
      };
      const running = cache.get('k', old, { forceRefresh: refresh === 'forced' });
      await clock.advance(10);
      await WRITES[write](cache);
      await clock.advance(1);
      const after = cache.get('k', () => 'fresh', { forceRefresh: false });
      await clock.advance(60);
      await expect(running).resolves.toBe(refresh === 'forced' ? 'old' : 'current');
      const expected = write === 'set' ? 'written' : 'fresh';
      await expect(after).resolves.toBe(expected);
      if (!(write === 'set' && refresh === 'early')) {
        // (an early refresh policy that always refreshes replaces the written value at once)
        await expect(cache.peek('k')).resolves.toBe(expected);
      }
    },
  );
});
