import { DisposedError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import {
  DEFAULT_FETCH_HEDGE_OPTIONS,
  DEFAULT_FETCH_RETRY_OPTIONS,
  DEFAULT_RESILIENT_FETCH_OPTIONS,
} from './options.js';
import { resilientFetch } from './resilient-fetch.js';

describe('resilientFetch options', () => {
  it('has frozen defaults', () => {
    for (const d of [
      DEFAULT_RESILIENT_FETCH_OPTIONS,
      DEFAULT_FETCH_RETRY_OPTIONS,
      DEFAULT_FETCH_HEDGE_OPTIONS,
    ]) {
      expect(Object.isFrozen(d)).toBe(true);
    }
    expect(DEFAULT_RESILIENT_FETCH_OPTIONS).toMatchObject({
      timeout: 30_000,
      attemptTimeout: 10_000,
    });
    expect(DEFAULT_FETCH_RETRY_OPTIONS.statuses).toEqual([408, 429, 500, 502, 503, 504]);
    expect(resilientFetch().name).toMatch(/^fetch#\d+$/);
  });

  it.each([
    [
      { timeout: 0 },
      RangeError,
      'option `timeout` must be a duration in ms greater than 0 to 2147483647 or one of false; received 0',
    ],
    [{ timeout: true }, RangeError, 'option `timeout`'],
    [{ timeout: '5' }, TypeError, 'option `timeout`'],
    [{ attemptTimeout: Number.POSITIVE_INFINITY }, RangeError, 'option `attemptTimeout`'],
    [{ retry: 3 }, TypeError, 'option `retry` must be an object or one of false; received 3'],
    [
      { retry: { attempts: 0 } },
      RangeError,
      'option `retry.attempts` must be an integer from 1 to 100; received 0',
    ],
    [{ retry: { statuses: [503, 600] } }, RangeError, 'option `retry.statuses`'],
    [
      { retry: { statuses: [99] } },
      RangeError,
      'option `retry.statuses` must be an array of HTTP statuses (integers from 100 to 599); received an array',
    ],
    [{ retry: { statuses: [503.5] } }, RangeError, 'option `retry.statuses`'],
    [{ retry: { methods: 'GET' } }, TypeError, 'option `retry.methods`'],
    [
      { retry: { methods: ['GET', ''] } },
      RangeError,
      'option `retry.methods` must be an array of method names; received an array',
    ],
    [{ retry: { tries: 3 } }, TypeError, 'unknown option `retry.tries`'],
    [{ hedge: { maxAttempts: 0 } }, RangeError, 'option `hedge.maxAttempts`'],
    [{ hedge: { delay: -5 } }, RangeError, 'option `hedge.delay`'],
    [{ breaker: true }, RangeError, 'option `breaker`'],
    [{ breaker: 5 }, TypeError, 'option `breaker`'],
    [
      { breaker: { isFailure: () => false } },
      TypeError,
      'option `breaker.isFailure` is not allowed: the client names each origin',
    ],
    [{ breaker: { name: 'mine' } }, TypeError, 'option `breaker.name` is not allowed'],
    [{ breaker: { clock: {} } }, TypeError, 'option `breaker.clock` is not allowed'],
    [{ fallback: 'x' }, TypeError, 'option `fallback` must be a function'],
    [{ maxBufferedBody: -1 }, RangeError, 'option `maxBufferedBody`'],
    [{ deadlineHeader: '' }, RangeError, 'option `deadlineHeader`'],
    [
      { deadlineHeader: 'x deadline' },
      RangeError,
      'option `deadlineHeader` must be a header name or one of false; received "x deadline"',
    ],
    [{ deadlineHeader: 'x-délai' }, RangeError, 'option `deadlineHeader`'],
    [{ deadlineHeader: 'x:ms' }, RangeError, 'option `deadlineHeader`'],
    [{ deadlineHeader: 5 }, TypeError, 'option `deadlineHeader`'],
    [{ metrics: {} }, TypeError, 'option `metrics` must be a MetricsRegistry or false'],
    [{ maxOrigins: 0 }, RangeError, 'option `maxOrigins`'],
    [{ fetch: 'fetch' }, TypeError, 'option `fetch` must be a function'],
    [{ retries: 3 }, TypeError, 'unknown option `retries`'],
  ])('rejects %j', (options, kind, message) => {
    const build = () => resilientFetch(options as never);
    expect(build).toThrow(kind);
    expect(build).toThrow(message);
    expect(build).toThrow(/^@dyno\/fetch: /);
  });

  it('accepts statuses from 100 to 599 and method names of any case', () => {
    expect(() =>
      resilientFetch({ retry: { statuses: [100, 599], methods: ['get', 'PATCH'] } }),
    ).not.toThrow();
  });

  it.each([[{ methods: [5] }], [{ methods: [['GET']] }], [{ statuses: ['503'] }]])(
    'rejects retry %j, whose items are of the wrong kind, with a TypeError',
    (retry) => {
      expect(() => resilientFetch({ retry } as never)).toThrow(TypeError);
      expect(() => resilientFetch({ retry } as never)).toThrow(
        /^@dyno\/fetch: option `retry\.(methods|statuses)` must be an array of .*; received an array$/,
      );
    },
  );

  it('passes breaker and hedge options on to the parts, which check them too', () => {
    expect(() => resilientFetch({ breaker: { openDuration: -1 } })).toThrow(/@dyno\/breaker/);
    expect(() => resilientFetch({ hedge: { delay: { percentile: 0 } } })).toThrow(/@dyno\/hedge/);
  });

  it('keeps the breaker and hedge options it checked: a later change changes nothing (regression)', async () => {
    // each origin's breaker and hedge used to be built, at its first call, from the caller's own
    // objects: a change made meanwhile ran unchecked, or failed every call to a new origin
    const fetch = jest.fn(async () => new Response('down', { status: 503 }));
    const breaker = { strategy: { kind: 'consecutive-failures' as const, failures: 2 } };
    const client = resilientFetch({ clock: new ManualClock(), fetch, retry: false, breaker });
    breaker.strategy.failures = 0;
    await expect(client('http://a.test/')).resolves.toHaveProperty('status', 503);
    expect(client.breaker('http://a.test')?.state).toBe('closed');
    await client('http://a.test/');
    expect(client.breaker('http://a.test')?.state).toBe('open');
    const hedge = { delay: { percentile: 90 }, budget: { ratio: 0.5 } };
    const hedged = resilientFetch({ clock: new ManualClock(), fetch, hedge });
    hedge.delay.percentile = 0;
    hedge.budget.ratio = -1;
    await expect(hedged('http://b.test/')).resolves.toHaveProperty('status', 503);
    client.dispose();
    hedged.dispose();
  });

  it('reads breaker options inherited from a prototype, as the breaker itself does (regression)', async () => {
    // the spread that added each origin's name and clock kept own fields only
    const fetch = jest.fn(async () => new Response('down', { status: 503 }));
    const base = { strategy: { kind: 'consecutive-failures' as const, failures: 1 } };
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch,
      retry: false,
      breaker: Object.create(base),
    });
    base.strategy.failures = 5; // read at construction: a later change changes nothing
    await client('http://a.test/');
    expect(client.breaker('http://a.test')?.state).toBe('open');
    expect(() => resilientFetch({ breaker: Object.create({ openDuration: -1 }) })).toThrow(
      /@dyno\/breaker/,
    );
    expect(() => resilientFetch({ breaker: Object.create({ name: 'x' }) })).toThrow(
      'option `breaker.name` is not allowed',
    );
    client.dispose();
  });

  it('rejects calls after dispose', async () => {
    const client = resilientFetch({ clock: new ManualClock() });
    client.dispose();
    client[Symbol.dispose]();
    const error = await client('http://example.test/').catch((e: unknown) => e);
    expect(DisposedError.isInstance(error)).toBe(true);
  });
});
