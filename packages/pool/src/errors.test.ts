import { DynoError } from '@dyno/core';
import { PoolFullError, RateLimitedError, TimeoutError } from './errors.js';

describe('errors', () => {
  it('are Dyno errors with stable codes, recognised across copies by code', () => {
    const errors = [
      new PoolFullError('queue-full', 'p', 'busy'),
      new TimeoutError(5, 't'),
      new RateLimitedError(12.5, 'r'),
    ];
    expect(errors.map((e) => [e.name, e.code, e.source, e instanceof DynoError])).toEqual([
      ['PoolFullError', 'DYNO_POOL_FULL', 'p', true],
      ['TimeoutError', 'DYNO_TIMEOUT', 't', true],
      ['RateLimitedError', 'DYNO_RATE_LIMITED', 'r', true],
    ]);
    const foreign = { [Symbol.for('@dyno/core/DynoError')]: true, code: 'DYNO_TIMEOUT' };
    expect(TimeoutError.isInstance(foreign)).toBe(true);
    expect(PoolFullError.isInstance(errors[1])).toBe(false);
    expect(RateLimitedError.isInstance(errors[2])).toBe(true);
    expect(errors[2]?.message).toBe('"r" is rate limited; retry after 13 ms');
  });
});
