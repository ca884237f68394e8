import { getEventListeners } from 'node:events';
import { CircuitBreaker } from './circuit-breaker.js';
import { BrokenCircuitError, ProbeTimeoutError } from './errors.js';
import type { CircuitBreakerOptions } from './options.js';
import { deferred, fail } from './test-support/deferred.js';
import { setup } from './test-support/setup.js';

/** A breaker tripped at 0 and half-open at 1 000 ms. */
async function halfOpen(options: CircuitBreakerOptions) {
  const s = setup({ openDuration: 1_000, ...options });
  await s.breaker.execute(fail).catch(() => {});
  await s.breaker.execute(fail).catch(() => {});
  s.clock.set(1_000);
  expect(s.breaker.state).toBe('half-open');
  return s;
}

describe('CircuitBreaker half-open probes', () => {
  it('leaves nothing on a long-lived signal for probes that never end, once the state changed', async () => {
    const { clock, breaker } = await halfOpen({ halfOpenProbes: 2, halfOpenMaxWait: 1_000 });
    const shutdown = new AbortController();
    void breaker.execute(() => new Promise(() => {}), { signal: shutdown.signal });
    breaker.acquire({ signal: shutdown.signal }); // a permit never reported
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    clock.set(2_000);
    expect(breaker.state).toBe('open'); // both hung: the circuit re-opened
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('times each probe from its own start', async () => {
    const { clock, breaker } = await halfOpen({
      halfOpenProbes: 2,
      halfOpenSuccesses: 2,
      halfOpenMaxWait: 1_000,
    });
    const first = deferred();
    const a = breaker.execute(() => first.promise);
    clock.set(1_900);
    void breaker.execute(() => deferred().promise);
    clock.set(1_950);
    first.resolve('a');
    await a;
    // only the probe started at 1 900 runs: it is not hung before 2 900
    clock.set(2_000);
    expect(breaker.state).toBe('half-open');
    clock.set(2_899);
    expect(breaker.state).toBe('half-open');
    const reasons: unknown[] = [];
    breaker.onBreak((e) => reasons.push(e.reason));
    clock.set(2_900);
    expect(breaker.state).toBe('open');
    expect(reasons[0]).toBeInstanceOf(ProbeTimeoutError);
  });

  it('re-opens when the oldest running probe is hung, whatever the newer ones do', async () => {
    const { clock, breaker } = await halfOpen({ halfOpenProbes: 2, halfOpenMaxWait: 1_000 });
    void breaker.execute(() => deferred().promise);
    clock.set(1_500);
    void breaker.execute(() => deferred().promise);
    clock.set(1_999);
    expect(breaker.state).toBe('half-open');
    clock.set(2_000);
    expect(breaker.state).toBe('open');
  });

  it('forgets the start of a probe whose permit went back', async () => {
    const { clock, breaker } = await halfOpen({ halfOpenProbes: 2, halfOpenMaxWait: 1_000 });
    const controller = new AbortController();
    void breaker.execute(() => deferred().promise, { signal: controller.signal });
    const released = breaker.acquire();
    clock.set(1_100);
    controller.abort();
    released.release();
    clock.set(1_500);
    const late = breaker.acquire();
    clock.set(2_100);
    expect(breaker.state).toBe('half-open');
    clock.set(2_500);
    expect(breaker.state).toBe('open');
    late.succeeded('too late');
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker halfOpenRatio', () => {
  const ratio = { halfOpenProbes: 4, halfOpenRatio: { calls: 4, threshold: 0.5 } };

  it('stays half-open after one failed probe and re-opens at the threshold', async () => {
    const { breaker, log } = await halfOpen(ratio);
    breaker.acquire().failed(new Error('one'));
    expect(breaker.state).toBe('half-open');
    breaker.acquire().succeeded('ok');
    breaker.acquire().succeeded('ok');
    expect(breaker.state).toBe('half-open');
    breaker.acquire().failed(new Error('two')); // 2 of 4 >= 0.5
    expect(breaker.state).toBe('open');
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
  });

  it('closes as soon as the failures still possible stay under the threshold', async () => {
    const { breaker } = await halfOpen(ratio);
    breaker.acquire().succeeded('ok');
    breaker.acquire().succeeded('ok');
    expect(breaker.state).toBe('half-open'); // 2 failures to come would reach 0.5
    breaker.acquire().succeeded('ok'); // at most 1 of 4 can fail now
    expect(breaker.state).toBe('closed');
  });

  it('re-opens as soon as the threshold is reached, before every probe answered', async () => {
    const { breaker } = await halfOpen(ratio);
    breaker.acquire().failed(new Error('one'));
    breaker.acquire().failed(new Error('two'));
    expect(breaker.state).toBe('open');
  });

  it('admits no more probes at once than outcomes still needed', async () => {
    const { breaker } = await halfOpen({ halfOpenProbes: 5, halfOpenRatio: { calls: 2 } });
    const first = breaker.acquire();
    breaker.acquire();
    expect(() => breaker.acquire()).toThrow(BrokenCircuitError);
    first.release(); // a released probe is not counted: its place is free again
    const third = breaker.acquire();
    third.succeeded('ok');
    expect(breaker.state).toBe('half-open');
    expect(() => breaker.acquire()).toThrow(BrokenCircuitError);
  });

  it('uses 10 calls at 0.5 by default', async () => {
    const { breaker } = await halfOpen({ halfOpenProbes: 10, halfOpenRatio: {} });
    for (let i = 0; i < 4; i++) breaker.acquire().failed(new Error('x'));
    for (let i = 0; i < 5; i++) breaker.acquire().succeeded('ok');
    expect(breaker.state).toBe('half-open'); // 4 of 9, the 10th decides
    breaker.acquire().failed(new Error('x'));
    expect(breaker.state).toBe('open');
  });

  it.each([
    [{ halfOpenRatio: 5 }, TypeError, 'option `halfOpenRatio` must be an object; received 5'],
    [
      { halfOpenRatio: { calls: 0 } },
      RangeError,
      'option `halfOpenRatio.calls` must be an integer',
    ],
    [
      { halfOpenRatio: { threshold: 0 } },
      RangeError,
      'option `halfOpenRatio.threshold` must be a finite number greater than 0 to 1; received 0',
    ],
    [{ halfOpenRatio: { threshold: '1' } }, TypeError, 'option `halfOpenRatio.threshold`'],
    [{ halfOpenRatio: { size: 3 } }, TypeError, 'unknown option `halfOpenRatio.size`'],
    [
      { halfOpenRatio: {}, halfOpenSuccesses: 2 },
      TypeError,
      'options `halfOpenRatio` and `halfOpenSuccesses` exclude each other',
    ],
  ])('rejects %j', (options, kind, message) => {
    const make = () => new CircuitBreaker(options as CircuitBreakerOptions);
    expect(make).toThrow(kind);
    expect(make).toThrow(`@dyno/breaker: ${message}`);
  });
});
