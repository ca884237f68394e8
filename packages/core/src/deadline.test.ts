import { getEventListeners } from 'node:events';
import { withDeadline } from './deadline.js';
import { deferred, ManualClock } from './testing/index.js';

describe('withDeadline', () => {
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
});
