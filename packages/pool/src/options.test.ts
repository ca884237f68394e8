import { ManualClock } from '@dyno/core/testing';
import {
  DEFAULT_POOL_OPTIONS,
  DEFAULT_RATE_LIMITER_OPTIONS,
  DEFAULT_TIMEOUT_OPTIONS,
} from './options.js';
import { Pool } from './pool.js';
import { RateLimiter } from './rate-limiter.js';

describe('options', () => {
  it('are frozen defaults', () => {
    expect(Object.isFrozen(DEFAULT_POOL_OPTIONS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_TIMEOUT_OPTIONS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RATE_LIMITER_OPTIONS)).toBe(true);
  });

  describe('of Pool', () => {
    it.each([
      [
        { concurrency: 0 },
        RangeError,
        'option `concurrency` must be an integer from 1 to 2147483647 or an adaptive limit object; received 0',
      ],
      [{ concurrency: 1.5 }, RangeError, 'received 1.5'],
      [{ concurrency: Number.NaN }, RangeError, 'received NaN'],
      [{ concurrency: '2' }, TypeError, 'received "2"'],
      [
        { queue: -1 },
        RangeError,
        'option `queue` must be an integer from 0 to 9007199254740991 or one of Infinity; received -1',
      ],
      [{ queue: Number.NaN }, RangeError, 'received NaN'],
      [
        { maxWait: 0 },
        RangeError,
        'option `maxWait` must be a duration in ms greater than 0 to 2147483647 or one of false; received 0',
      ],
      [{ maxWait: true }, RangeError, 'received true'],
      [{ maxWait: Number.POSITIVE_INFINITY }, RangeError, 'received Infinity'],
      [
        { timeout: 0 },
        RangeError,
        'option `timeout` must be a duration in ms greater than 0 to 2147483647 or one of false; received 0',
      ],
      [{ timeout: -1 }, RangeError, 'received -1'],
      [{ timeout: Number.NaN }, RangeError, 'received NaN'],
      [{ timeout: 2 ** 31 }, RangeError, 'received 2147483648'],
      [{ name: '' }, RangeError, 'option `name` must be a non-empty string'],
      [{ clock: {} }, TypeError, 'option `clock` must be a Clock'],
      [
        { size: 3 },
        TypeError,
        'unknown option `size` (known: concurrency, queue, maxWait, timeout, abandonAfter, maxAbandoned, name, clock)',
      ],
    ])('rejects %p', (options, kind, message) => {
      expect(() => new Pool(options as never)).toThrow(kind);
      expect(() => new Pool(options as never)).toThrow(message);
    });

    it('rejects options that are not an object', () => {
      expect(() => new Pool(5 as never)).toThrow(
        new TypeError('@dyno/pool: options must be an object; received 5'),
      );
    });

    it('takes undefined as the default and false as no limit', () => {
      const pool = new Pool({
        concurrency: undefined,
        maxWait: false,
        timeout: false,
        clock: new ManualClock(),
      });
      expect([pool.concurrency, pool.maxWait, pool.timeout]).toEqual([10, false, false]);
    });
  });

  describe('of RateLimiter', () => {
    it.each([
      [
        { rate: 0 },
        RangeError,
        'option `rate` must be a finite number greater than 0 to 1000000000; received 0',
      ],
      [{ rate: Number.POSITIVE_INFINITY }, RangeError, 'received Infinity'],
      [{ rate: Number.NaN }, RangeError, 'received NaN'],
      [{ interval: 0 }, RangeError, 'option `interval` must be a duration in ms greater than 0'],
      [
        { burst: 0 },
        RangeError,
        'option `burst` must be an integer from 1 to 1000000000; received 0',
      ],
      [{ burst: 2.5 }, RangeError, 'received 2.5'],
      [
        { maxWait: -1 },
        RangeError,
        'option `maxWait` must be a duration in ms from 0 to 2147483647; received -1',
      ],
      [{ maxWait: false }, TypeError, 'received false'],
      [{ limit: 1 }, TypeError, 'unknown option `limit`'],
    ])('rejects %p', (options, kind, message) => {
      expect(() => new RateLimiter(options as never)).toThrow(kind);
      expect(() => new RateLimiter(options as never)).toThrow(message);
    });
  });
});
