import * as redis from './index.js';

describe('@dyno/cache-redis exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(redis).sort()).toEqual([
      'CorruptEntryError',
      'DEFAULT_REDIS_CIRCUIT_OPTIONS',
      'DEFAULT_REDIS_LEASE_OPTIONS',
      'DEFAULT_REDIS_STORE_OPTIONS',
      'DEFAULT_TIERED_STORE_OPTIONS',
      'RedisStore',
      'StoreUnavailableError',
      'TieredStore',
      'UnserializableValueError',
      'structuredSerializer',
      'wallClock',
    ]);
  });

  it('has a wall clock whose timers can be cleared', () => {
    const fired = jest.fn();
    const handle = redis.wallClock.setTimeout(fired, 1);
    redis.wallClock.clearTimeout(handle);
    expect(Math.abs(redis.wallClock.now() - Date.now())).toBeLessThan(50);
    expect(Object.isFrozen(redis.DEFAULT_REDIS_STORE_OPTIONS)).toBe(true);
  });
});
