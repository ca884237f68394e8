import { inspect, types } from 'node:util';
import { DynoError } from '@dyno/core';
import { BrokenCircuitError, brokenCircuit, ProbeTimeoutError } from './errors.js';

describe('BrokenCircuitError', () => {
  it('has the same fields whether made with new or by the cheap factory', () => {
    const reason = new Error('down');
    const made = new BrokenCircuitError('db', 'open', reason, 10);
    const cheap = brokenCircuit('db', 'open', reason, 10);
    for (const e of [made, cheap]) {
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

  it('makes a native error whose stack is its first line only, and leaves stackTraceLimit as it was', () => {
    const limit = Error.stackTraceLimit;
    const cheap = brokenCircuit('db', 'half-open', undefined);
    expect(types.isNativeError(cheap)).toBe(true);
    expect(types.isNativeError(new BrokenCircuitError('db', 'open', undefined))).toBe(true);
    expect(cheap.stack).toBe('BrokenCircuitError: The circuit "db" is half-open');
    expect(cheap.retryAfter).toBeUndefined();
    expect(Error.stackTraceLimit).toBe(limit);
    cheap.stack = 'BrokenCircuitError: rewritten by a logger';
    expect(cheap.stack).toBe('BrokenCircuitError: rewritten by a logger');
  });

  it('keeps its reason as its cause, a plain field that util.inspect and JSON show', () => {
    const e = brokenCircuit('db', 'open', 'the dependency failed 5 times', 10);
    expect(Object.hasOwn(e, 'cause')).toBe(true);
    expect(e.cause).toBe('the dependency failed 5 times');
    expect(inspect(e)).toContain("cause: 'the dependency failed 5 times'");
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'BrokenCircuitError',
      code: 'DYNO_BROKEN',
      source: 'db',
      cause: 'the dependency failed 5 times',
      reason: 'the dependency failed 5 times',
      state: 'open',
      retryAfter: 10,
    });
  });

  it('puts stackTraceLimit back when constructing throws', () => {
    const limit = Error.stackTraceLimit;
    const source = {
      toString() {
        throw new Error('no name');
      },
    };
    expect(() => brokenCircuit(source as unknown as string, 'open', undefined)).toThrow('no name');
    expect(Error.stackTraceLimit).toBe(limit);
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
