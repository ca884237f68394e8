import { flushPromises, ManualClock } from '@dyno/core/testing';
import { TimeoutError } from './errors.js';
import type { PoolAbandonEvent, PoolSettleEvent } from './events.js';
import { Pool } from './pool.js';
import { deferred, track } from './test-support/deferred.js';

// A dependency that hangs and ignores its signal (issue 18, item 1).
const hang = () => new Promise<never>(() => {});

/** Records unhandled rejections while `body` runs (a late error must never become one). */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await body();
    await flushPromises();
    await flushPromises();
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}

describe('Pool: a timed-out task that ignores its signal', () => {
  it('gives its slot back after timeout + grace, so a new call runs', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 2, timeout: 50, clock, name: 'dep' });
    const abandons: PoolAbandonEvent[] = [];
    const settles: PoolSettleEvent[] = [];
    pool.onAbandon((e) => abandons.push(e));
    pool.onSettle((e) => settles.push(e));
    const hung = [track(pool.execute(hang)), track(pool.execute(hang))];
    await expect(pool.execute(() => 'refused')).rejects.toMatchObject({ reason: 'queue-full' });
    await clock.advance(50);
    expect(hung.map((h) => h.error instanceof TimeoutError)).toEqual([true, true]);
    // released callers, slots still taken for the grace (abandonAfter: the task's timeout)
    expect([pool.active, pool.abandoned]).toEqual([2, 0]);
    await clock.advance(49);
    expect(pool.active).toBe(2);
    await clock.advance(1);
    expect([pool.active, pool.abandoned, pool.abandonedTotal]).toEqual([0, 2, 2]);
    expect(abandons).toEqual([
      { name: 'dep', active: 1, queued: 0, abandoned: 1 },
      { name: 'dep', active: 0, queued: 0, abandoned: 2 },
    ]);
    expect(settles.map((e) => [e.outcome, e.duration])).toEqual([
      ['timeout', 100],
      ['timeout', 100],
    ]);
    await expect(pool.execute(() => 'runs')).resolves.toBe('runs');
    expect(clock.pending).toBe(0);
  });

  it('starts a queued call on the slot it gives back', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 1, timeout: 50, clock });
    const hung = track(pool.execute(hang));
    const next = track(pool.execute(() => 'next'));
    await clock.advance(99);
    expect([hung.state, next.state]).toEqual(['rejected', 'pending']);
    await clock.advance(1);
    expect(next).toMatchObject({ state: 'fulfilled', value: 'next' });
    expect([pool.active, pool.queued, pool.abandoned]).toEqual([0, 0, 1]);
  });

  it('keeps the slot at the cap: at most concurrency + maxAbandoned calls reach the dependency', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 2, timeout: 50, maxAbandoned: 1, clock });
    let inFlight = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, () => deferred());
    let n = 0;
    const call = () =>
      track(
        pool.execute(() => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          return (gates[n++] as ReturnType<typeof deferred>).promise.finally(() => inFlight--);
        }),
      );
    const first = [call(), call()];
    await clock.advance(100);
    // one abandoned (the cap), the other keeps its slot until it settles
    expect([pool.active, pool.abandoned]).toEqual([1, 1]);
    const third = call();
    expect(pool.active).toBe(2);
    await clock.advance(100);
    expect([pool.active, pool.abandoned]).toEqual([2, 1]);
    expect(track(pool.execute(() => 'x'))).toMatchObject({ state: 'pending' });
    await flushPromises();
    expect(peak).toBe(3);
    // the abandoned task settles late: the gauge goes down, no slot is freed twice
    gates[0]?.resolve('late');
    await flushPromises();
    expect([pool.active, pool.abandoned, pool.abandonedTotal]).toEqual([2, 0, 1]);
    // a held task settles: its slot is freed once, as a timeout
    gates[1]?.resolve();
    await flushPromises();
    expect([pool.active, pool.abandoned]).toEqual([1, 0]);
    gates[2]?.resolve();
    await flushPromises();
    expect(pool.active).toBe(0);
    expect([first[0]?.state, first[1]?.state, third.state]).toEqual([
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(peak).toBe(3);
  });

  it('drops the late result or error, whatever it is, with no unhandled rejection', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 4, timeout: 10, clock });
    const gates = Array.from({ length: 4 }, () => deferred());
    const calls = gates.map((g) => track(pool.execute(() => g.promise)));
    const unhandled = await unhandledDuring(async () => {
      await clock.advance(20);
      expect([pool.active, pool.abandoned]).toEqual([0, 4]);
      gates[0]?.reject(new Error('late'));
      gates[1]?.reject('text');
      gates[2]?.reject(undefined);
      gates[3]?.resolve('value');
      await flushPromises();
    });
    expect(unhandled).toEqual([]);
    expect(calls.every((c) => TimeoutError.isInstance(c.error))).toBe(true);
    expect([pool.active, pool.abandoned, pool.abandonedTotal]).toEqual([0, 0, 4]);
  });

  it('counts a task that settles twice, or throws a non-Error late, once', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 2, timeout: 10, clock });
    let later: (() => void) | undefined;
    const twice = {
      then(ok: (v: number) => void, fail: (e: unknown) => void) {
        later = () => {
          ok(1);
          ok(2);
          fail('3');
        };
      },
    } as unknown as PromiseLike<number>;
    const call = track(pool.execute(() => twice));
    const thrown = track(
      pool.execute(async () => {
        await clock.advance(0);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 50));
        throw undefined;
      }),
    );
    await clock.advance(20);
    expect([call.state, thrown.state]).toEqual(['rejected', 'rejected']);
    expect(pool.abandoned).toBe(2);
    later?.();
    await flushPromises();
    expect(pool.abandoned).toBe(1);
    await clock.advance(50);
    expect([pool.active, pool.abandoned, pool.abandonedTotal]).toEqual([0, 0, 2]);
    await expect(pool.all([() => 'a', () => 'b'])).resolves.toHaveLength(2);
    expect(pool.active).toBe(0);
  });

  it('gives the slot back at the deadline with abandonAfter 0, and never with false', async () => {
    const clock = new ManualClock();
    const now = new Pool({ concurrency: 1, timeout: 30, abandonAfter: 0, clock });
    const never = new Pool({ concurrency: 1, timeout: 30, abandonAfter: false, clock });
    now.execute(hang).catch(() => undefined);
    never.execute(hang).catch(() => undefined);
    await clock.advance(30);
    expect([now.active, now.abandoned]).toEqual([0, 1]);
    expect([never.active, never.abandoned]).toEqual([1, 0]);
    await clock.advance(10_000);
    expect([never.active, never.abandoned, clock.pending]).toEqual([1, 0, 0]);
    expect([now.abandonAfter, never.abandonAfter, new Pool().abandonAfter]).toEqual([
      0,
      false,
      undefined,
    ]);
  });

  it('has no cap with maxAbandoned Infinity, and never abandons with 0', async () => {
    const clock = new ManualClock();
    const open = new Pool({ concurrency: 1, timeout: 10, maxAbandoned: Infinity, clock });
    const closed = new Pool({ concurrency: 1, timeout: 10, maxAbandoned: 0, clock });
    for (let i = 0; i < 5; i++) {
      open.execute(hang).catch(() => undefined);
      closed.execute(hang).catch(() => undefined);
      await clock.advance(20);
    }
    expect([open.active, open.abandoned]).toEqual([0, 5]);
    expect([closed.active, closed.abandoned]).toEqual([1, 0]);
    expect([open.maxAbandoned, closed.maxAbandoned]).toEqual([Infinity, 0]);
  });

  it('gives back the slot of a task whose caller aborted, from its deadline, as cancelled', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, timeout: 50, abandonAfter: 20, clock });
    const outcomes: string[] = [];
    pool.onSettle((e) => outcomes.push(e.outcome));
    const controller = new AbortController();
    const call = track(pool.execute(hang, { signal: controller.signal }));
    await clock.advance(10);
    controller.abort(new Error('gone'));
    await flushPromises();
    expect(call.state).toBe('rejected');
    await clock.advance(59);
    expect(pool.active).toBe(1);
    await clock.advance(1);
    expect([pool.active, pool.abandoned]).toEqual([0, 1]);
    expect(outcomes).toEqual(['cancelled']);
  });

  it('frees a slot once when a task settles during its grace', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 1, timeout: 50, clock });
    const gate = deferred();
    pool.execute(() => gate.promise).catch(() => undefined);
    await clock.advance(60);
    gate.resolve();
    await flushPromises();
    expect([pool.active, pool.abandoned, clock.pending]).toEqual([0, 0, 0]);
    await clock.advance(100);
    expect([pool.active, pool.abandoned, pool.abandonedTotal]).toEqual([0, 0, 0]);
  });

  it('hands a task that reads its signal after settling late one already aborted', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ timeout: 10, clock });
    const gate = deferred();
    let late: AbortSignal | undefined;
    const call = track(
      pool.execute(async (context) => {
        await gate.promise;
        // settles now, and reads its signal only after that
        setImmediate(() => {
          late = context.signal;
        });
      }),
    );
    await clock.advance(10);
    gate.resolve();
    await flushPromises();
    await flushPromises();
    expect(late?.aborted).toBe(true);
    expect(late?.reason).toBe(call.error);
  });

  it('follows concurrency for the default cap', () => {
    const pool = new Pool({ concurrency: 3 });
    expect(pool.maxAbandoned).toBe(3);
    pool.resize({ concurrency: 5 });
    expect(pool.maxAbandoned).toBe(5);
    expect(new Pool({ concurrency: 3, maxAbandoned: 1 }).maxAbandoned).toBe(1);
  });
});
