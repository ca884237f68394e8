import * as pool from './index.js';

describe('@dyno/pool exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(pool).sort()).toEqual([
      'DEFAULT_AIMD_LIMIT',
      'DEFAULT_GRADIENT_LIMIT',
      'DEFAULT_POOL_OPTIONS',
      'DEFAULT_RATE_LIMITER_OPTIONS',
      'DEFAULT_TIMEOUT_OPTIONS',
      'Pool',
      'PoolFullError',
      'RateLimitedError',
      'RateLimiter',
      'Timeout',
      'TimeoutError',
    ]);
  });
});
