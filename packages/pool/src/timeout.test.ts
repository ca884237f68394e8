import { flushPromises, ManualClock } from '@dyno/core/testing';
import { TimeoutError } from './errors.js';
import type { TimeoutEvent } from './events.js';
import { deferred, track } from './test-support/deferred.js';
import { Timeout } from './timeout.js';

describe('Timeout', () => {
  it('defaults to 1000 ms', () => {
    const timeout = new Timeout();
    expect(timeout.timeout).toBe(1000);
    expect(timeout.name).toMatch(/^timeout#\d+$/);
  });

  it('settles the caller with TimeoutError at the deadline even if the task ignores its signal', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 100, clock, name: 'slow' });
    const events: TimeoutEvent[] = [];
    timeout.onTimeout((e) => events.push(e));
    const call = track(timeout.execute(() => new Promise(() => {})));
    await clock.advance(99);
    expect(call.state).toBe('pending');
    await clock.advance(1);
    expect(call.state).toBe('rejected');
    expect(call.error).toBeInstanceOf(TimeoutError);
    expect(call.error).toMatchObject({
      code: 'DYNO_TIMEOUT',
      source: 'slow',
      timeout: 100,
      message: '"slow" timed out after 100 ms',
    });
    expect(events).toEqual([{ name: 'slow', timeout: 100 }]);
  });

  it('aborts the task signal with the TimeoutError as reason', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 50, clock });
    let seen: AbortSignal | undefined;
    const call = timeout.execute(({ signal }) => {
      seen = signal;
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      );
    });
    expect(seen?.aborted).toBe(false);
    const expectation = expect(call).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await expectation;
    expect(seen?.aborted).toBe(true);
    expect(TimeoutError.isInstance(seen?.reason)).toBe(true);
  });

  it('hands a task that reads its signal late one already aborted', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 10, clock });
    const gate = deferred();
    let late: AbortSignal | undefined;
    const call = track(
      timeout.execute(async (context) => {
        await gate.promise;
        late = context.signal;
      }),
    );
    await clock.advance(10);
    gate.resolve();
    await flushPromises();
    expect(call.state).toBe('rejected');
    expect(late?.aborted).toBe(true);
    expect(late?.reason).toBe(call.error);
  });

  it('clears the timer the moment the task settles first', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 100, clock });
    await expect(timeout.execute(() => 'fast')).resolves.toBe('fast');
    expect(clock.pending).toBe(0);
    const boom = new Error('boom');
    await expect(timeout.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    await expect(
      timeout.execute(() => {
        throw 'text';
      }),
    ).rejects.toBe('text');
    expect(clock.pending).toBe(0);
  });

  it('never reads the signal, and so makes no AbortController, for a task that ignores it', async () => {
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made++;
      }
    };
    try {
      const timeout = new Timeout({ timeout: 100, clock: new ManualClock() });
      await timeout.execute(() => 1);
      expect(made).toBe(0);
      await timeout.execute(({ signal }) => signal.aborted);
      expect(made).toBe(1);
    } finally {
      globalThis.AbortController = Original;
    }
  });

  it('ignores a late result once the deadline has passed', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 10, clock });
    const gate = deferred<string>();
    const call = track(timeout.execute(() => gate.promise));
    await clock.advance(10);
    gate.resolve('late');
    await flushPromises();
    expect(call.state).toBe('rejected');
  });

  describe('with a caller signal', () => {
    it('rejects before the task runs when the signal is already aborted', async () => {
      const fn = jest.fn();
      const reason = new Error('gone');
      const timeout = new Timeout({ clock: new ManualClock() });
      await expect(timeout.execute(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(fn).not.toHaveBeenCalled();
    });

    it('releases the caller at once on abort, aborts the task signal and clears the timer', async () => {
      const clock = new ManualClock();
      const timeout = new Timeout({ timeout: 100, clock });
      const controller = new AbortController();
      let task: AbortSignal | undefined;
      const call = track(
        timeout.execute(
          ({ signal }) => {
            task = signal;
            return new Promise(() => {});
          },
          { signal: controller.signal },
        ),
      );
      const reason = new Error('user left');
      controller.abort(reason);
      await flushPromises();
      expect(call).toMatchObject({ state: 'rejected', error: reason });
      expect(task?.reason).toBe(reason);
      expect(clock.pending).toBe(0);
    });

    it('leaves no listener on a long-lived caller signal', async () => {
      const clock = new ManualClock();
      const timeout = new Timeout({ timeout: 100, clock });
      const controller = new AbortController();
      const add = jest.spyOn(controller.signal, 'addEventListener');
      const remove = jest.spyOn(controller.signal, 'removeEventListener');
      await timeout.execute(() => 1, { signal: controller.signal });
      const hung = track(
        timeout.execute(() => new Promise(() => {}), { signal: controller.signal }),
      );
      await clock.advance(100);
      expect(hung.state).toBe('rejected');
      expect(add).toHaveBeenCalledTimes(2);
      expect(remove).toHaveBeenCalledTimes(2);
      for (const [i, call] of remove.mock.calls.entries()) {
        expect(call[1]).toBe(add.mock.calls[i]?.[1]);
      }
    });
  });

  it('rejects a timeout of 0, negative, non-finite or not a number at construction', () => {
    const expected =
      '@dyno/pool: option `timeout` must be a duration in ms greater than 0 to 2147483647; received ';
    expect(() => new Timeout({ timeout: 0 })).toThrow(new RangeError(`${expected}0`));
    expect(() => new Timeout({ timeout: -5 })).toThrow(new RangeError(`${expected}-5`));
    expect(() => new Timeout({ timeout: Number.NaN })).toThrow(new RangeError(`${expected}NaN`));
    expect(() => new Timeout({ timeout: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new Timeout({ timeout: 2 ** 31 })).toThrow(RangeError);
    expect(() => new Timeout({ timeout: '5' as never })).toThrow(TypeError);
    expect(() => new Timeout({ timeout: false as never })).toThrow(TypeError);
    expect(() => new Timeout({ ms: 5 } as never)).toThrow(
      new TypeError('@dyno/pool: unknown option `ms` (known: timeout, name, clock)'),
    );
  });
});
