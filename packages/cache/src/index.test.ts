import * as cache from './index.js';

describe('@dyno/cache exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(cache).sort()).toEqual([
      'Cache',
      'CacheKeyError',
      'CacheTimeoutError',
      'DEFAULT_CACHE_OPTIONS',
      'MemoryStore',
      'cached',
      'exponentialRefresh',
      'linearRefresh',
      'stableKey',
      'staticRefresh',
      'xfetch',
    ]);
  });

  it('freezes the defaults', () => {
    expect(Object.isFrozen(cache.DEFAULT_CACHE_OPTIONS)).toBe(true);
    expect(cache.DEFAULT_CACHE_OPTIONS.refresh).toMatchObject({ kind: 'xfetch' });
  });
});
