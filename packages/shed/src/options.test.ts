import type { IncomingMessage } from 'node:http';
import { DEFAULT_SHEDDER_OPTIONS, defaultPriority } from './options.js';
import { Shedder } from './shedder.js';

const request = (method: string, url: string | undefined) => ({ method, url }) as IncomingMessage;

describe('Shedder options', () => {
  it.each([
    [{ reserve: 1.5 }, RangeError, 'option `reserve` must be a ratio from 0 to 1; received 1.5'],
    [{ retryAfter: -1 }, RangeError, 'option `retryAfter` must be an integer'],
    [{ retryAfter: '1' }, TypeError, 'option `retryAfter`'],
    [{ maxEventLoopDelay: 0 }, RangeError, 'option `maxEventLoopDelay`'],
    [{ maxEventLoopDelay: true }, RangeError, 'option `maxEventLoopDelay`'],
    [{ sampleInterval: Number.NaN }, RangeError, 'option `sampleInterval`'],
    [{ priority: 'critical' }, TypeError, 'option `priority` must be a function'],
    [{ eventLoopDelay: 5 }, TypeError, 'option `eventLoopDelay` must be a function'],
    [{ concurrency: 0 }, RangeError, '@dyno/pool: option `concurrency`'],
    [{ concurrency: { algorithm: 'aimd', min: 0 } }, RangeError, 'option `concurrency.min`'],
    [{ limit: 5 }, TypeError, 'unknown option `limit`'],
  ])('rejects %p with a clear error', (options, kind, message) => {
    const make = () => new Shedder(options as never);
    expect(make).toThrow(kind);
    expect(make).toThrow(message);
  });

  it('has frozen defaults: an adaptive gradient limit, 200 ms, a 20 % reserve, Retry-After 1', () => {
    expect(Object.isFrozen(DEFAULT_SHEDDER_OPTIONS)).toBe(true);
    expect(DEFAULT_SHEDDER_OPTIONS).toMatchObject({
      concurrency: { algorithm: 'gradient' },
      maxEventLoopDelay: 200,
      sampleInterval: 500,
      reserve: 0.2,
      retryAfter: 1,
    });
  });

  it('names a shedder shed#<n> by default, and its pool the same', () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    try {
      expect(shedder.name).toMatch(/^shed#\d+$/);
      expect(shedder.pool.name).toBe(shedder.name);
    } finally {
      shedder.close();
    }
  });

  it('classifies GET and HEAD of the usual health paths as health, the rest as critical', () => {
    expect(defaultPriority(request('GET', '/healthz'))).toBe('health');
    expect(defaultPriority(request('HEAD', '/ready?verbose'))).toBe('health');
    expect(defaultPriority(request('GET', '/ping'))).toBe('health');
    expect(defaultPriority(request('GET', '/healthz/deep'))).toBe('critical');
    expect(defaultPriority(request('POST', '/healthz'))).toBe('critical');
    expect(defaultPriority(request('GET', undefined))).toBe('critical');
    expect(defaultPriority(request('GET', '/users'))).toBe('critical');
  });
});
