import { types } from 'node:util';
import { DynoError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import { BrokenCircuitError, brokenCircuit, ProbeTimeoutError } from './errors.js';
import { Fuse } from './fuse.js';

/** What a refusal must be wherever it is made: a real, native error with a one-line stack. */
function expectRealRefusal(e: unknown, name: string, state: string) {
  expect(types.isNativeError(e)).toBe(true);
  expect(e).toBeInstanceOf(Error);
  expect(e).toBeInstanceOf(DynoError);
  expect(e).toBeInstanceOf(BrokenCircuitError);
  expect(BrokenCircuitError.isInstance(e)).toBe(true);
  expect((e as BrokenCircuitError).state).toBe(state);
  expect((e as Error).stack).toBe(`BrokenCircuitError: The circuit "${name}" is ${state}`);
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('BrokenCircuitError', () => {
  it('has the same fields whether made with new or for a refusal', () => {
    const reason = new Error('down');
    const made = new BrokenCircuitError('db', 'open', reason, 10);
    const refusal = brokenCircuit('db', 'open', reason, 10);
    for (const e of [made, refusal]) {
      expect(types.isNativeError(e)).toBe(true);
      expect(e).toBeInstanceOf(BrokenCircuitError);
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(DynoError);
      expect(DynoError.isInstance(e)).toBe(true);
      expect(BrokenCircuitError.isInstance(e)).toBe(true);
      expect(e).toMatchObject({
        name: 'BrokenCircuitError',
        code: 'DYNO_BROKEN',
        source: 'db',
        state: 'open',
        reason,
        cause: reason,
        retryAfter: 10,
        message: 'The circuit "db" is open',
      });
    }
    expect(BrokenCircuitError.isInstance(new ProbeTimeoutError('db', 5))).toBe(false);
  });

  it('makes a refusal a native error without stack frames, and leaves the global limit as it was', () => {
    const before = Error.stackTraceLimit;
    try {
      for (const limit of [10, 50, Number.POSITIVE_INFINITY]) {
        Error.stackTraceLimit = limit;
        const refusal = brokenCircuit('db', 'half-open', undefined, undefined);
        expect(Error.stackTraceLimit).toBe(limit);
        expect(types.isNativeError(refusal)).toBe(true);
        expect(refusal.stack).toBe('BrokenCircuitError: The circuit "db" is half-open');
        expect(refusal.retryAfter).toBeUndefined();
      }
    } finally {
      Error.stackTraceLimit = before;
    }
    // an error made with `new` keeps its frames
    expect(new BrokenCircuitError('db', 'open', undefined).stack).toContain('\n    at ');
    const refusal = brokenCircuit('db', 'open', undefined, undefined);
    refusal.stack = 'BrokenCircuitError: rewritten by a logger';
    expect(refusal.stack).toBe('BrokenCircuitError: rewritten by a logger');
  });

  it('still makes a refusal where the stack trace limit cannot be changed (frozen Error)', () => {
    const own = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit') as PropertyDescriptor;
    Object.defineProperty(Error, 'stackTraceLimit', { ...own, writable: false });
    try {
      const refusal = brokenCircuit('db', 'open', undefined, 5);
      expect(types.isNativeError(refusal)).toBe(true);
      expect(refusal).toMatchObject({ code: 'DYNO_BROKEN', state: 'open', retryAfter: 5 });
      expect(Error.stackTraceLimit).toBe(own.value);
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', own);
    }
  });

  it('is a native error from an open, a half-open, an isolated circuit and a broken fuse', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      name: 'db',
      clock,
      openDuration: 1_000,
      strategy: { kind: 'consecutive-failures', failures: 1 },
    });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    expect(breaker.state).toBe('open');
    const refusal = await breaker.execute(() => 'refused').catch((e: unknown) => e);
    expectRealRefusal(refusal, 'db', 'open');
    const noPermit = thrown(() => breaker.acquire());
    expectRealRefusal(noPermit, 'db', 'open');
    // half-open with its one probe permit taken: the next call is refused
    clock.set(1_000);
    const probe = breaker.acquire();
    expect(breaker.state).toBe('half-open');
    const refused = await breaker.execute(() => 'refused').catch((e: unknown) => e);
    expectRealRefusal(refused, 'db', 'half-open');
    const noProbePermit = thrown(() => breaker.acquire());
    expectRealRefusal(noProbePermit, 'db', 'half-open');
    probe.release();
    const isolation = breaker.isolate('maintenance');
    const isolated = await breaker.execute(() => 'refused').catch((e: unknown) => e);
    expectRealRefusal(isolated, 'db', 'isolated');
    expect((isolated as BrokenCircuitError).reason).toBe('maintenance');
    isolation.dispose();
    await expect(breaker.execute(() => 'ran')).resolves.toBe('ran');

    const fuse = new Fuse({ name: 'flag' });
    fuse.trigger('off');
    const blown = await fuse.execute(() => 'refused').catch((e: unknown) => e);
    expectRealRefusal(blown, 'flag', 'open');
    const notEntered = thrown(() => fuse.enter());
    expectRealRefusal(notEntered, 'flag', 'open');
  });
});

describe('ProbeTimeoutError', () => {
  it('names the breaker and the wait', () => {
    const e = new ProbeTimeoutError('db', 250);
    expect(ProbeTimeoutError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({ code: 'DYNO_PROBE_TIMEOUT', source: 'db', waited: 250 });
    expect(e.message).toBe('A probe of the circuit "db" ran over 250 ms');
  });
});
