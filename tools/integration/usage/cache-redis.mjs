import { Cache } from '@dyno/cache';
import { CorruptEntryError, RedisStore, wallClock } from '@dyno/cache-redis';

/**
 * Uses @dyno/cache-redis without a server (and without ioredis, which this workspace does not
 * depend on): a stand-in client whose values are foreign, so each read is a miss plus an error.
 */
export async function use() {
  const client = {
    status: 'ready',
    getBuffer: async () => Buffer.from('not a cache entry'),
    set: async () => 'OK',
    del: async () => 1,
    eval: async () => 1,
    scan: async () => ['0', []],
    unlink: async () => 0,
  };
  const store = new RedisStore({ client, prefix: 'usage:', lease: true });
  const cache = new Cache({ store, ttl: 1000 });
  const errors = [];
  cache.onError((e) => errors.push(e.error));
  if ((await cache.get('k', () => 'v')) !== 'v') throw new Error('loader value not served');
  if (store.clock !== wallClock || !errors.some((e) => CorruptEntryError.isInstance(e))) {
    throw new Error('foreign value not reported');
  }
  cache.dispose();
}
