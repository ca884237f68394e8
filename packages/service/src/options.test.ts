import { Metrics } from '@dyno/metrics';
import { ConstantBackoff } from '@dyno/retry';
import { DEFAULT_SERVICE_OPTIONS } from './options.js';
import { service } from './service.js';

const fn = async () => 1;

describe('service options', () => {
  it('has frozen defaults', () => {
    expect(Object.isFrozen(DEFAULT_SERVICE_OPTIONS)).toBe(true);
    expect(DEFAULT_SERVICE_OPTIONS.timeout).toBe(1000);
    expect(DEFAULT_SERVICE_OPTIONS.retry.attempts).toBe(3);
  });

  it('rejects a fn that is not a function', () => {
    expect(() => service(42 as never)).toThrow(
      new TypeError('@dyno/service: `fn` must be a function; received 42'),
    );
  });

  it.each([
    [{ nope: 1 }, TypeError, 'unknown option `nope`'],
    [{ name: '' }, RangeError, 'option `name` must be a non-empty string; received ""'],
    [
      { retry: true },
      TypeError,
      'option `retry` must be a Retry, its options object or false; received true',
    ],
    [{ breaker: 'x' }, TypeError, 'option `breaker` must be a CircuitBreaker'],
    [{ pool: [] }, TypeError, 'option `pool` must be a Pool'],
    [{ metrics: 1 }, TypeError, 'option `metrics` must be a Metrics'],
    [{ timeout: 0 }, RangeError, 'option `timeout` must be'],
    [{ timeout: Number.NaN }, RangeError, 'option `timeout` must be'],
    [{ timeout: 'x' }, TypeError, 'option `timeout` must be'],
    [{ clock: {} }, TypeError, 'option `clock` must be a Clock'],
    [{ retry: { attempts: 0 } }, RangeError, '@dyno/retry: option `attempts`'],
    [{ retry: { attempts: '5' } }, TypeError, '@dyno/retry: option `attempts`'],
    [{ retry: { attempts: null } }, TypeError, '@dyno/retry: option `attempts`'],
    [{ fallbackOn: 'x' }, TypeError, 'option `fallbackOn` must be a function'],
    [{ pool: { maxAbandoned: -1 } }, RangeError, '@dyno/pool: option `maxAbandoned`'],
    [{ breaker: { openDuration: -1 } }, RangeError, '@dyno/breaker: option `openDuration`'],
    [{ pool: { concurrency: 0 } }, RangeError, '@dyno/pool: option `concurrency`'],
    [{ metrics: { window: 5 } }, RangeError, '@dyno/metrics'],
    [{ pool: false, timeout: -5 }, RangeError, 'option `timeout`'],
  ])('rejects %j', (options, kind, message) => {
    expect(() => service(fn, options as never)).toThrow(kind);
    expect(() => service(fn, options as never)).toThrow(message);
  });

  it('rejects a timeout given twice', () => {
    expect(() => service(fn, { timeout: 5, pool: { timeout: 10 } })).toThrow(
      new TypeError(
        '@dyno/service: give the timeout once, as option `timeout` or as `pool.timeout`; received both',
      ),
    );
    expect(service(fn, { pool: { timeout: 10 } }).timeout).toBe(10);
  });

  it("caps no abandoned attempts in a pool it builds unless the pool's options do", () => {
    expect(service(fn).pool?.maxAbandoned).toBe(Number.POSITIVE_INFINITY);
    expect(service(fn, { pool: { maxAbandoned: 3 } }).pool?.maxAbandoned).toBe(3);
  });

  it('passes its clock and name to the parts it builds, their own options winning', () => {
    const metrics = new Metrics();
    const s = service(fn, { name: 'n', pool: { name: 'own' }, metrics });
    expect(s.pool?.name).toBe('own');
    expect(s.breaker?.name).toBe('n');
    expect(s.metrics).toBe(metrics);
    expect(service(fn, { metrics: { name: 'm' } }).metrics?.name).toBe('m');
  });

  it('keeps the part options it checked: a later mutation changes nothing (regression)', async () => {
    // the parts are built at the first call; they used to be built from the caller's objects,
    // so a change made in between ran unchecked, or threw from the call itself
    const retry = { attempts: 2, backoff: new ConstantBackoff({ delay: 0 }) };
    const pool = { concurrency: 2 };
    const breaker = { strategy: { kind: 'consecutive-failures' as const, failures: 7 } };
    let attempts = 0;
    const s = service(
      async () => {
        attempts++;
        throw new Error('down');
      },
      { retry, pool, breaker, timeout: false },
    );
    retry.attempts = 5;
    pool.concurrency = -1;
    breaker.strategy.failures = 0;
    await expect(s()).rejects.toThrow('down');
    expect(attempts).toBe(2);
    expect(s.pool?.concurrency).toBe(2);
    s.dispose();
  });

  it("reads a part's options inherited from a prototype or a settings class, as its own (regression)", async () => {
    // the spread that added the service's name and clock kept own fields only: these were
    // dropped without a word, though the part's own constructor reads inherited options
    class RetrySettings {
      get attempts(): number {
        return 2;
      }
      get backoff(): ConstantBackoff {
        return new ConstantBackoff({ delay: 0 });
      }
    }
    const breaker = Object.create({
      name: 'inherited',
      strategy: { kind: 'consecutive-failures', failures: 1 },
    });
    const pool = Object.create({ concurrency: 3 });
    const metrics = Object.create({ name: 'm' });
    let attempts = 0;
    const s = service(
      async () => {
        attempts++;
        throw new Error('down');
      },
      { retry: new RetrySettings() as never, breaker, pool, metrics, timeout: false },
    );
    expect(s.breaker?.name).toBe('inherited');
    expect(s.pool?.concurrency).toBe(3);
    expect(s.metrics?.name).toBe('m');
    // retried once (2 attempts), and the breaker opened after 1 failure: the second refused
    await expect(s()).rejects.toThrow('The circuit "inherited" is open');
    expect(attempts).toBe(1);
    expect(s.breaker?.state).toBe('open');
    s.dispose();
  });

  it("checks a part's inherited options as its constructor does, and keeps what it checked", async () => {
    expect(() => service(fn, { pool: Object.create({ concurrency: -1 }) })).toThrow(
      '@dyno/pool: option `concurrency`',
    );
    const base = { concurrency: 2 };
    const s = service(fn, { pool: Object.create(base), timeout: false });
    base.concurrency = -1; // changed before the first call, which builds the parts
    await expect(s()).resolves.toBe(1);
    expect(s.pool?.concurrency).toBe(2);
    s.dispose();
  });

  it('keeps a clock written as an object literal as given, not a copy of it', async () => {
    const clock = {
      t: 0,
      now(): number {
        return this.t;
      },
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    };
    const breaker = {
      clock,
      openDuration: 100,
      strategy: { kind: 'consecutive-failures' as const, failures: 1 },
    };
    const s = service(
      async () => {
        throw new Error('down');
      },
      { retry: false, pool: false, timeout: false, breaker },
    );
    await expect(s()).rejects.toThrow('down');
    expect(s.breaker?.state).toBe('open');
    clock.t = 100;
    expect(s.breaker?.state).toBe('half-open');
    s.dispose();
  });
});
