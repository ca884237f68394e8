import { getEventListeners } from 'node:events';
import { withDeadline } from './deadline.js';
import { deferred, ManualClock } from './testing/index.js';

describe('withDeadline', () => {
  it('rejects with what a clock that cannot set a timer threw, leaving no listener', async () => {
    const clock = new ManualClock();
    const broken = new Error('no timer');
    clock.setTimeout = () => {
      throw broken;
    };
    const caller = new AbortController();
    const run = jest.fn(() => 1);
    const call = withDeadline(run, { ms: 100, reason: () => 'late', signal: caller.signal, clock });
    await expect(call).rejects.toBe(broken);
    expect(run).not.toHaveBeenCalled();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it("settles with run's result and releases its timer and listener", async () => {
    const clock = new ManualClock();
    const caller = new AbortController();
    const work = deferred<number>();
    let seen: AbortSignal | undefined;
    const call = withDeadline(
      (signal) => {
        seen = signal;
        return work.promise;
      },
      { ms: 100, reason: () => 'late', signal: caller.signal, clock },
    );
    expect(clock.pending).toBe(1);
    work.resolve(7);
    await expect(call).resolves.toBe(7);
    expect(clock.pending).toBe(0);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(seen?.aborted).toBe(false);
  });

  it('rejects at the deadline with reason() and aborts the signal run got with it', async () => {
    const clock = new ManualClock();
    let seen: AbortSignal | undefined;
    const reason = new Error('too slow');
    const call = withDeadline(
      (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      { ms: 100, reason: () => reason, clock },
    );
    const outcome = call.catch((e: unknown) => e);
    await clock.advance(99);
    expect(seen?.aborted).toBe(false);
    await clock.advance(1);
    await expect(outcome).resolves.toBe(reason);
    expect(seen?.reason).toBe(reason);
  });

  it("rejects at once with the caller's reason, clearing the timer", async () => {
    const clock = new ManualClock();
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const call = withDeadline(
      (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      { ms: 100, reason: () => 'late', signal: caller.signal, clock },
    );
    caller.abort('gone');
    await expect(call).rejects.toBe('gone');
    expect(seen?.reason).toBe('gone');
    expect(clock.pending).toBe(0);
  });

  it('rejects before run for an already-aborted signal, and passes run errors through', async () => {
    const run = jest.fn();
    await expect(
      withDeadline(run, { ms: 10, reason: () => 'x', signal: AbortSignal.abort('before') }),
    ).rejects.toBe('before');
    expect(run).not.toHaveBeenCalled();
    const clock = new ManualClock();
    const boom = new Error('boom');
    await expect(
      withDeadline(
        () => {
          throw boom;
        },
        { ms: 10, reason: () => 'x', clock },
      ),
    ).rejects.toBe(boom);
    expect(clock.pending).toBe(0);
  });

  it('ends the call with what a throwing reason() threw, and aborts run', async () => {
    const clock = new ManualClock();
    const bug = new Error('reason bug');
    let seen: AbortSignal | undefined;
    const call = withDeadline(
      (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      {
        ms: 10,
        reason: () => {
          throw bug;
        },
        clock,
      },
    );
    const settled = expect(call).rejects.toBe(bug);
    await clock.advance(10);
    await settled;
    expect(seen?.reason).toBe(bug);
    expect(clock.pending).toBe(0);
  });

  it('rejects a deadline a timer cannot keep, and a reason that is not a function', () => {
    const run = () => 1;
    const reason = () => 'late';
    for (const ms of [Number.POSITIVE_INFINITY, 2 ** 31, -5, Number.NaN]) {
      expect(() => withDeadline(run, { ms, reason })).toThrow(RangeError);
    }
    expect(() => withDeadline(run, { ms: -5, reason })).toThrow(
      '@dyno/core withDeadline: option `ms` must be a duration in ms from 0 to 2147483647; received -5',
    );
    expect(() => withDeadline(run, { ms: '5' as never, reason })).toThrow(TypeError);
    const clock = new ManualClock();
    expect(() => withDeadline(run, { ms: 5, reason, clock, signal: {} as never })).toThrow(
      new TypeError(
        '@dyno/core withDeadline: option `signal` must be an AbortSignal; received an object',
      ),
    );
    expect(clock.pending).toBe(0);
    expect(() => withDeadline(run, { ms: 5, reason, clock: { now: 1 } as never })).toThrow(
      TypeError,
    );
    expect(() => withDeadline(run, { ms: 5, reason: 'late' as never })).toThrow(
      new TypeError('@dyno/core withDeadline: `reason` must be a function; received "late"'),
    );
  });
});
