import { Cache, cached } from '@dyno/cache';

/** Uses @dyno/cache: a memoised function under concurrency, and a Cache with a ttl. */
export async function use() {
  let calls = 0;
  const square = cached(async (n) => {
    calls++;
    return n * n;
  });
  const values = await Promise.all([square(3), square(3), square(3)]);
  if (calls !== 1 || values.some((v) => v !== 9)) throw new Error('cached did not single-flight');
  const cache = new Cache({ ttl: 1000 });
  await cache.get('k', () => 'v');
  if ((await cache.peek('k')) !== 'v') throw new Error('cache lost its value');
  cache.dispose();
}
