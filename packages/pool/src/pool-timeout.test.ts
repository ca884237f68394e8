import { flushPromises, ManualClock } from '@dyno/core/testing';
import { TimeoutError } from './errors.js';
import type { PoolSettleEvent, TimeoutEvent } from './events.js';
import { Pool } from './pool.js';
import { deferred, track } from './test-support/deferred.js';

describe('Pool with a timeout', () => {
  it('releases the caller at the deadline but keeps the slot until the task really settles', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 1, timeout: 100, clock, name: 'dep' });
    const timeouts: TimeoutEvent[] = [];
    const settles: PoolSettleEvent[] = [];
    pool.onTimeout((e) => timeouts.push(e));
    pool.onSettle((e) => settles.push(e));
    const gate = deferred();
    const slow = track(pool.execute(() => gate.promise));
    const next = track(pool.execute(() => 'next'));
    await clock.advance(100);
    expect(slow.error).toBeInstanceOf(TimeoutError);
    expect(slow.error).toMatchObject({ source: 'dep', timeout: 100 });
    expect(timeouts).toEqual([{ name: 'dep', timeout: 100 }]);
    expect([pool.active, pool.queued]).toEqual([1, 1]);
    expect(next.state).toBe('pending');
    await clock.advance(50);
    gate.resolve();
    await flushPromises();
    expect(next).toMatchObject({ state: 'fulfilled', value: 'next' });
    expect(settles).toEqual([
      { name: 'dep', duration: 150, outcome: 'timeout', active: 1, queued: 0 },
      { name: 'dep', duration: 0, outcome: 'success', active: 0, queued: 0 },
    ]);
    expect(clock.pending).toBe(0);
  });

  it('gives the task a signal aborted at the deadline, and clears the timer on success', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ timeout: 20, clock });
    await expect(pool.execute(() => 'quick')).resolves.toBe('quick');
    expect(clock.pending).toBe(0);
    let seen: AbortSignal | undefined;
    const call = track(
      pool.execute(({ signal }) => {
        seen = signal;
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
      }),
    );
    await clock.advance(20);
    expect(call.state).toBe('rejected');
    expect(seen?.reason).toBe(call.error);
    expect(pool.active).toBe(0);
  });

  it('starts the deadline only when a queued call starts', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 1, timeout: 30, clock });
    const gate = deferred();
    const first = pool.execute(() => gate.promise);
    const second = track(pool.execute(() => new Promise(() => {})));
    await clock.advance(20);
    gate.resolve();
    await first;
    await clock.advance(29);
    expect(second.state).toBe('pending');
    await clock.advance(1);
    expect(second.error).toBeInstanceOf(TimeoutError);
  });

  it('reports the outcome of a call its caller abandoned as cancelled', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ timeout: 100, clock });
    const outcomes: string[] = [];
    pool.onSettle((e) => outcomes.push(e.outcome));
    const controller = new AbortController();
    const gate = deferred();
    const call = track(pool.execute(() => gate.promise, { signal: controller.signal }));
    controller.abort();
    await flushPromises();
    expect(call.state).toBe('rejected');
    expect((call.error as Error).name).toBe('AbortError');
    expect(pool.active).toBe(1);
    gate.resolve();
    await flushPromises();
    expect(pool.active).toBe(0);
    expect(outcomes).toEqual(['cancelled']);
    const boom = new Error('boom');
    await expect(pool.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    expect(outcomes).toEqual(['cancelled', 'failure']);
  });
});
