import { ManualClock } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitBreakerOptions } from './options.js';

const make = (options: unknown) => () => new CircuitBreaker(options as CircuitBreakerOptions);

describe('CircuitBreaker options', () => {
  it.each([
    [
      { openDuration: 0 },
      RangeError,
      'option `openDuration` must be a duration in ms greater than 0 to 2147483647; received 0',
    ],
    [{ openDuration: Number.NaN }, RangeError, 'received NaN'],
    [{ openDuration: 2 ** 31 }, RangeError, 'received 2147483648'],
    [{ halfOpenProbes: 1.5 }, RangeError, 'option `halfOpenProbes` must be an integer from 1'],
    [{ halfOpenSuccesses: 0 }, RangeError, 'option `halfOpenSuccesses`'],
    [{ backoffFactor: 0.5 }, RangeError, 'option `backoffFactor`'],
    [{ halfOpenMaxWait: -1 }, RangeError, 'option `halfOpenMaxWait`'],
    [{ isFailure: true }, TypeError, 'option `isFailure` must be a function; received true'],
    [
      { exposeResults: 'yes' },
      TypeError,
      'option `exposeResults` must be a boolean; received "yes"',
    ],
    [{ clock: {} }, TypeError, 'option `clock`'],
    [{ name: '' }, RangeError, 'option `name`'],
    [{ colour: 'red' }, TypeError, 'unknown option `colour`'],
    [
      { openDuration: 10_000, maxOpenDuration: 5_000 },
      RangeError,
      'option `maxOpenDuration` must be at least `openDuration` (10000); received 5000',
    ],
    [{ strategy: 'time' }, TypeError, 'option `strategy` must be an object'],
    [{ strategy: { kind: 'bits' } }, RangeError, 'option `strategy.kind` must be one of'],
    [
      { strategy: { kind: 'consecutive-failures', failures: 0 } },
      RangeError,
      'option `strategy.failures`',
    ],
    [
      { strategy: { kind: 'consecutive-failures', threshold: 0.5 } },
      TypeError,
      'unknown option `strategy.threshold`',
    ],
    [
      { strategy: { kind: 'count-window', size: 10, minimumCalls: 11 } },
      RangeError,
      'option `strategy.minimumCalls` must be at most `strategy.size` (10); received 11',
    ],
    [
      { strategy: { kind: 'count-window', threshold: 0 } },
      RangeError,
      'option `strategy.threshold`',
    ],
    [
      { strategy: { kind: 'time-window', window: Number.POSITIVE_INFINITY } },
      RangeError,
      'option `strategy.window`',
    ],
    [{ strategy: { kind: 'time-window', buckets: 0 } }, RangeError, 'option `strategy.buckets`'],
    [
      { strategy: { kind: 'time-window', slowCallThreshold: 2 } },
      RangeError,
      'option `strategy.slowCallThreshold`',
    ],
    [
      { snapshot: { version: 2 } },
      TypeError,
      'option `snapshot` is not a circuit snapshot: `version` must be 1',
    ],
  ])('rejects %j', (options, kind, message) => {
    expect(make(options)).toThrow(kind);
    expect(make(options)).toThrow(
      `@dyno/breaker: ${message}`.replace('@dyno/breaker: received', 'received'),
    );
  });

  it('rejects options that are not an object', () => {
    expect(make(42)).toThrow(
      new TypeError('@dyno/breaker: options must be an object; received 42'),
    );
  });

  it('lets a count window minimum follow a smaller size', async () => {
    const b = new CircuitBreaker({
      clock: new ManualClock(),
      strategy: { kind: 'count-window', size: 2 },
    });
    await b.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    expect(b.state).toBe('closed');
    await b.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    expect(b.state).toBe('open');
  });
});
