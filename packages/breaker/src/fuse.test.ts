import { DynoError } from '@dyno/core';
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
        '@dyno/breaker: option `until` must be a finite clock time in ms; received NaN',
      ),
    );
    expect(() => fuse.trigger('x', { until: '5' as never })).toThrow(
      new TypeError('@dyno/breaker: option `until` must be a clock time in ms; received "5"'),
    );
    expect(() => fuse.trigger('x', 5 as never)).toThrow(TypeError);
    expect(fuse.isBroken).toBe(false);
  });
});
