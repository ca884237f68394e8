import { DynoError, type ListenerErrorEvent, MAX_DURATION, onListenerError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { BrokenCircuitError } from './errors.js';
import { Fuse } from './fuse.js';

describe('Fuse', () => {
  it('runs calls while intact and rejects them with BrokenCircuitError while broken', async () => {
    const fuse = new Fuse({ name: 'checkout' });
    await expect(fuse.execute(() => 1)).resolves.toBe(1);
    const reason = new Error('maintenance');
    fuse.trigger(reason);
    const fn = jest.fn();
    const error = await fuse.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error).toBeInstanceOf(DynoError);
    expect(error).toMatchObject({
      code: 'DYNO_BROKEN',
      source: 'checkout',
      state: 'open',
      reason,
      cause: reason,
      retryAfter: undefined,
    });
    expect(fuse.isBroken).toBe(true);
    expect(fuse.state).toBe('open');
    expect(fuse.reason).toBe(reason);
    fuse.reset();
    expect(fuse.isBroken).toBe(false);
    expect(fuse.reason).toBeUndefined();
    await expect(fuse.execute(() => 2)).resolves.toBe(2);
  });

  it('guards a scope with enter()', () => {
    const fuse = new Fuse();
    const scope = fuse.enter();
    scope.dispose();
    fuse.trigger('off');
    expect(() => fuse.enter()).toThrow(BrokenCircuitError);
  });

  it('closes by itself when `until` comes, read lazily without a timer', async () => {
    const clock = new ManualClock();
    const fuse = new Fuse({ clock });
    const resets = jest.fn();
    fuse.onReset(resets);
    fuse.trigger('deploy', { until: 1_000 });
    expect(clock.pending).toBe(0);
    await clock.advance(999);
    const error = await fuse.execute(() => 1).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryAfter: 1 });
    expect(resets).not.toHaveBeenCalled();
    clock.set(1_000);
    expect(fuse.isBroken).toBe(false);
    expect(resets).toHaveBeenCalledWith({ name: fuse.name });
  });

  it('emits one event per transition and none for a repeated trigger or reset', () => {
    const fuse = new Fuse({ name: 'flag', clock: new ManualClock() });
    const log: unknown[] = [];
    fuse.onBreak((e) => log.push(['break', e]));
    fuse.onReset((e) => log.push(['reset', e]));
    fuse.onStateChange((e) => log.push(['change', e]));
    fuse.onReject((e) => log.push(['reject', e]));
    fuse.reset();
    fuse.trigger('a', { until: 5 });
    fuse.trigger('b');
    expect(fuse.reason).toBe('b');
    expect(() => fuse.enter()).toThrow();
    fuse.reset();
    fuse.reset();
    expect(log).toEqual([
      ['break', { name: 'flag', reason: 'a', until: 5 }],
      ['change', { name: 'flag', from: 'closed', to: 'open' }],
      ['reject', { name: 'flag', state: 'open' }],
      ['reset', { name: 'flag' }],
      ['change', { name: 'flag', from: 'open', to: 'closed' }],
    ]);
  });

  it('works as a feature flag', () => {
    const newCheckout = new Fuse({ name: 'new-checkout' });
    const path = () => (newCheckout.isBroken ? 'old' : 'new');
    expect(path()).toBe('new');
    newCheckout.trigger('rolled back');
    expect(path()).toBe('old');
  });

  it('rejects an already-aborted signal before running fn, with its reason', async () => {
    const fuse = new Fuse();
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    const fn = jest.fn();
    await expect(fuse.execute(fn, { signal: controller.signal })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
    const signal = new AbortController().signal;
    await expect(fuse.execute((ctx) => ctx.signal, { signal })).resolves.toBe(signal);
  });

  it('turns a synchronous throw into a rejection and passes user errors through', async () => {
    const fuse = new Fuse();
    const error = new Error('user');
    await expect(
      fuse.execute(() => {
        throw error;
      }),
    ).rejects.toBe(error);
  });

  it('rejects bad options and bad trigger options with clear errors', () => {
    expect(() => new Fuse({ nme: 'x' } as never)).toThrow(
      new TypeError('@dyno/breaker: unknown option `nme` (known: name, clock)'),
    );
    expect(() => new Fuse({ name: '' })).toThrow(RangeError);
    const fuse = new Fuse();
    expect(() => fuse.trigger('x', { until: Number.NaN })).toThrow(
      new RangeError(
        "@dyno/breaker: option `until` must be a time in ms on the fuse's clock (a finite number from 0); received NaN",
      ),
    );
    expect(() => fuse.trigger('x', { until: '5' as never })).toThrow(
      new TypeError(
        '@dyno/breaker: option `until` must be a time in ms on the fuse\'s clock (a finite number from 0); received "5"',
      ),
    );
    expect(() => fuse.trigger('x', 5 as never)).toThrow(TypeError);
    expect(fuse.isBroken).toBe(false);
  });
});

describe('Fuse.trigger durations', () => {
  it('breaks for a duration given with `for`, read lazily', () => {
    const clock = new ManualClock();
    clock.set(250);
    const fuse = new Fuse({ clock });
    const breaks: unknown[] = [];
    fuse.onBreak((e) => breaks.push(e.until));
    fuse.trigger('deploy', { for: 1_000 });
    expect(breaks).toEqual([1_250]);
    expect(clock.pending).toBe(0);
    clock.set(1_249);
    expect(() => fuse.enter()).toThrow(expect.objectContaining({ retryAfter: 1 }));
    clock.set(1_250);
    expect(fuse.isBroken).toBe(false);
  });

  it('refuses an `until` further ahead of the clock than the longest duration', () => {
    const clock = new ManualClock();
    clock.set(1_000);
    const fuse = new Fuse({ clock });
    const wallClock = 1_700_000_000_000; // what Date.now() + 1000 looks like
    const attempt = () => fuse.trigger('x', { until: wallClock });
    expect(attempt).toThrow(RangeError);
    expect(attempt).toThrow(
      `@dyno/breaker: option \`until\` must be at most ${MAX_DURATION} ms ahead of the fuse's clock (now 1000): it is a time on that monotonic clock (\`performance.now()\` by default), not \`Date.now()\`; for a duration pass \`{ for: ms }\`; received ${wallClock}`,
    );
    expect(() => fuse.trigger('x', { until: 1_001 + MAX_DURATION })).toThrow(RangeError);
    expect(fuse.isBroken).toBe(false);
    fuse.trigger('x', { until: 1_000 + MAX_DURATION });
    expect(fuse.isBroken).toBe(true);
  });

  it.each([
    [{ bogus: 1 }, TypeError, 'unknown option `bogus` (known: for, until)'],
    [{ until: -1 }, RangeError, 'option `until` must be a time in ms'],
    [{ for: 0 }, RangeError, 'option `for` must be a duration in ms greater than 0'],
    [{ for: 2 ** 31 }, RangeError, 'option `for`'],
    [{ for: '5' }, TypeError, 'option `for`'],
    [{ for: 5, until: 5 }, TypeError, 'trigger options `for` and `until` exclude each other'],
  ])('rejects %j and stays as it was', (options, kind, message) => {
    const fuse = new Fuse({ clock: new ManualClock() });
    fuse.trigger('first', { until: 10 });
    const attempt = () => fuse.trigger('second', options as never);
    expect(attempt).toThrow(kind);
    expect(attempt).toThrow(`@dyno/breaker: ${message}`);
    expect(fuse.reason).toBe('first');
    expect(() => fuse.enter()).toThrow(expect.objectContaining({ retryAfter: 10 }));
  });
});

describe('Fuse faults', () => {
  it('rejects execute of something other than a function, naming it', async () => {
    const fuse = new Fuse();
    await expect(fuse.execute(42 as never)).rejects.toThrow(
      new TypeError('@dyno/breaker: `fn` must be a function; received 42'),
    );
  });

  it('reports a throwing listener and stays consistent', async () => {
    const fuse = new Fuse({ name: 'flag' });
    const thrown = new Error('listener bug');
    const throwing = () => {
      throw thrown;
    };
    fuse.onBreak(throwing);
    fuse.onStateChange(throwing);
    fuse.onReject(throwing);
    fuse.onReset(throwing);
    const events: ListenerErrorEvent[] = [];
    const subscription = onListenerError((e) => events.push(e));
    try {
      fuse.trigger('off');
      await expect(fuse.execute(() => 1)).rejects.toBeInstanceOf(BrokenCircuitError);
      fuse.reset();
      await expect(fuse.execute(() => 1)).resolves.toBe(1);
    } finally {
      subscription.dispose();
    }
    expect(events.map((e) => e.source)).toEqual([
      '@dyno/breaker "flag" onBreak',
      '@dyno/breaker "flag" onStateChange',
      '@dyno/breaker "flag" onReject',
      '@dyno/breaker "flag" onReset',
      '@dyno/breaker "flag" onStateChange',
    ]);
    expect(events.every((e) => e.error === thrown)).toBe(true);
  });
});

describe('Fuse transitions made by a listener', () => {
  it('emits them in order, after the transition being emitted (reset() in onBreak)', () => {
    const fuse = new Fuse({ name: 'flag', clock: new ManualClock() });
    const seen: string[] = [];
    fuse.onBreak(() => fuse.reset());
    fuse.onStateChange((e) => seen.push(`${e.from}->${e.to}`));
    fuse.trigger('a');
    expect(fuse.state).toBe('closed');
    expect(seen).toEqual(['closed->open', 'open->closed']);
  });
});
