import * as poolRedis from './index.js';

describe('@dyno/pool-redis exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(poolRedis).sort()).toEqual([
      'DEFAULT_REDIS_RATE_CIRCUIT_OPTIONS',
      'DEFAULT_REDIS_RATE_LIMITER_OPTIONS',
      'RedisRateLimiter',
      'RedisUnavailableError',
    ]);
  });

  it('freezes its defaults', () => {
    expect(Object.isFrozen(poolRedis.DEFAULT_REDIS_RATE_LIMITER_OPTIONS)).toBe(true);
    expect(Object.isFrozen(poolRedis.DEFAULT_REDIS_RATE_CIRCUIT_OPTIONS)).toBe(true);
  });
});
