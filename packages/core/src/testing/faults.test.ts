import { reportListenerError } from '../report.js';
import {
  FailingClock,
  listenerReports,
  NON_ERRORS,
  never,
  outcome,
  rejectionOf,
  settledTurns,
  thrown,
  undescribableFailures,
} from './faults.js';
import { ManualClock } from './manual-clock.js';
import { SteppingClock } from './stepping-clock.js';

describe('fault-test helpers', () => {
  it('tells a fulfilled, a rejected and a pending promise apart at once', async () => {
    await expect(outcome(Promise.resolve(1))).resolves.toEqual({ value: 1 });
    await expect(outcome(Promise.reject(undefined))).resolves.toEqual({ error: undefined });
    await expect(outcome(never())).resolves.toBe('pending');
  });

  it('boxes a synchronous throw, even of undefined, and answers undefined for none', () => {
    expect(
      thrown(() => {
        throw undefined;
      }),
    ).toEqual({ error: undefined });
    expect(thrown(() => 1)).toBeUndefined();
  });

  it('answers what a call rejected with, or its value, and fails a call that throws instead', async () => {
    const why = new Error('why');
    await expect(rejectionOf(() => Promise.reject(why))).resolves.toBe(why);
    await expect(rejectionOf(() => Promise.resolve(2))).resolves.toEqual({ value: 2 });
    const sync = new Error('sync');
    const failure = await rejectionOf(() => {
      throw sync;
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      'the call threw synchronously instead of returning a rejected promise',
    );
    expect((failure as Error).cause).toBe(sync);
  });

  it('collects what reportListenerError receives while fn runs, and nothing after', async () => {
    const seen = await listenerReports(async () => {
      reportListenerError('boom', 'a listener');
      await Promise.resolve();
      queueMicrotask(() => reportListenerError(undefined, 'a later listener'));
    });
    expect(seen).toEqual([
      { error: 'boom', source: 'a listener' },
      { error: undefined, source: 'a later listener' },
    ]);
  });

  it('names four non-errors, frozen', () => {
    expect(NON_ERRORS.map(([name]) => name)).toEqual([
      'a string',
      'undefined',
      'null',
      'a plain object',
    ]);
    expect(Object.isFrozen(NON_ERRORS)).toBe(true);
    expect(Object.isFrozen(NON_ERRORS[3]?.[1])).toBe(true);
  });

  it('settles what fn started before it returns, so a rejection left unhandled shows in the test', async () => {
    const order: string[] = [];
    await settledTurns(async () => {
      order.push('fn');
      setImmediate(() => order.push('a turn later'));
    });
    expect(order).toEqual(['fn', 'a turn later']);
  });

  it('has a clock that throws while failing is set', () => {
    const clock = new FailingClock(5);
    expect(clock.now()).toBe(5);
    clock.failing = true;
    expect(thrown(() => clock.now())).toEqual({ error: 'clock broken' });
  });
});

describe('undescribableFailures', () => {
  it('makes three fresh failures that cannot become text', () => {
    const [proxy, opaque, symbolName] = undescribableFailures();
    expect(() => String(proxy)).toThrow(TypeError);
    expect(() => opaque.message).toThrow('message getter');
    expect(() => `${symbolName.name}`).toThrow(TypeError);
    expect(undescribableFailures()[1]).not.toBe(opaque);
  });
});

describe('SteppingClock', () => {
  it('reads its manual clock less each step back, and keeps its timers', async () => {
    const manual = new ManualClock(1000);
    const clock = new SteppingClock(manual);
    const fired = jest.fn();
    clock.setTimeout(fired, 10);
    clock.stepBack(300);
    expect(clock.now()).toBe(700);
    await manual.advance(10);
    expect(clock.now()).toBe(710);
    expect(fired).toHaveBeenCalledTimes(1);
    clock.clearTimeout(clock.setTimeout(fired, 5));
    await manual.advance(5);
    expect(fired).toHaveBeenCalledTimes(1);
  });
});
