import type { Clock, TimerHandle } from '@dyno/core';
import { flushPromises, ManualClock } from '@dyno/core/testing';
import { TimeoutError } from './errors.js';
import type { TimeoutEvent } from './events.js';
import { Pool } from './pool.js';
import { deferred, track } from './test-support/deferred.js';

const hang = () => new Promise<never>(() => {});

describe('Pool.execute with its own timeout', () => {
  it('gives one call a deadline in a pool without one, with the same slot rules', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, clock, name: 'shared' });
    const timeouts: TimeoutEvent[] = [];
    pool.onTimeout((e) => timeouts.push(e));
    const call = track(pool.execute(hang, { timeout: 50 }));
    await clock.advance(49);
    expect(call.state).toBe('pending');
    await clock.advance(1);
    expect(call.error).toBeInstanceOf(TimeoutError);
    expect(call.error).toMatchObject({ timeout: 50, message: '"shared" timed out after 50 ms' });
    expect(timeouts).toEqual([{ name: 'shared', timeout: 50 }]);
    // the bulkhead holds: the slot is taken until the grace passes
    expect(pool.active).toBe(1);
    await clock.advance(50);
    expect([pool.active, pool.abandoned]).toEqual([0, 1]);
    // a call without one still has none
    const plain = track(pool.execute(hang));
    await clock.advance(10_000);
    expect([plain.state, pool.active, clock.pending]).toEqual(['pending', 1, 0]);
  });

  it('overrides the pool timeout, longer, shorter or false', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 4, timeout: 100, clock });
    const long = track(pool.execute(hang, { timeout: 300 }));
    const normal = track(pool.execute(hang));
    await clock.advance(10);
    // started later, due first: the timer is brought forward
    const short = track(pool.execute(hang, { timeout: 20 }));
    const none = track(pool.execute(hang, { timeout: false }));
    await clock.advance(20);
    expect([short.state, normal.state, long.state]).toEqual(['rejected', 'pending', 'pending']);
    await clock.advance(70);
    expect([normal.state, long.state]).toEqual(['rejected', 'pending']);
    await clock.advance(199);
    expect(long.state).toBe('pending');
    await clock.advance(1);
    expect(long.error).toMatchObject({ timeout: 300 });
    await clock.advance(10_000);
    expect(none.state).toBe('pending');
    expect([pool.active, pool.abandoned]).toEqual([1, 3]);
  });

  it('starts a queued call’s own deadline when it starts', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 1, clock });
    const gate = deferred();
    const first = pool.execute(() => gate.promise);
    const second = track(pool.execute(hang, { timeout: 30 }));
    await clock.advance(100);
    gate.resolve();
    await first;
    await clock.advance(29);
    expect(second.state).toBe('pending');
    await clock.advance(1);
    expect(second.error).toMatchObject({ timeout: 30 });
  });

  it('applies to every task of Pool.all', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 2, clock });
    const all = pool.all([hang, () => 'ok'], { timeout: 10 });
    await clock.advance(10);
    const [a, b] = await all;
    expect(a?.status === 'rejected' && TimeoutError.isInstance(a.reason)).toBe(true);
    expect(b).toEqual({ status: 'fulfilled', value: 'ok' });
  });

  it.each([
    ['5', TypeError, 'received "5"'],
    [null, TypeError, 'received null'],
    [0, RangeError, 'received 0'],
    [-1, RangeError, 'received -1'],
    [Number.NaN, RangeError, 'received NaN'],
    [2 ** 31, RangeError, 'received 2147483648'],
  ])('rejects a timeout of %p before anything runs', async (timeout, kind, received) => {
    const pool = new Pool({ concurrency: 1 });
    const fn = jest.fn();
    const call = pool.execute(fn, { timeout: timeout as never });
    await expect(call).rejects.toThrow(kind);
    await expect(call).rejects.toThrow(
      `@dyno/pool: option \`timeout\` must be a duration in ms greater than 0 to 2147483647 or one of false; ${received}`,
    );
    expect([fn.mock.calls.length, pool.active]).toEqual([0, 0]);
  });

  it('re-arms a kept idle timer earlier for a shorter deadline', async () => {
    // a clock whose handles have ref/unref, as Node's do: an idle timer is kept, not cleared
    const manual = new ManualClock();
    const cleared: TimerHandle[] = [];
    const clock: Clock = {
      now: () => manual.now(),
      setTimeout: (callback, ms) => {
        const id = manual.setTimeout(callback, ms);
        return { id, ref: () => undefined, unref: () => undefined } as unknown as TimerHandle;
      },
      clearTimeout: (handle) => {
        cleared.push(handle);
        manual.clearTimeout((handle as unknown as { id: TimerHandle }).id);
      },
    };
    const pool = new Pool({ timeout: 1000, clock });
    await pool.execute(() => 'done');
    expect(manual.nextDue).toBe(1000);
    const short = track(pool.execute(hang, { timeout: 10 }));
    expect([cleared.length, manual.nextDue]).toEqual([1, 10]);
    await manual.advance(10);
    expect(short.error).toBeInstanceOf(TimeoutError);
    await flushPromises();
  });
});
