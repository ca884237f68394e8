import type { Clock, TimerHandle } from '@dyno/core';
import { flushPromises, ManualClock } from '@dyno/core/testing';
import { TimeoutError } from '../errors.js';
import { Pool } from '../pool.js';
import { deferred, track } from '../test-support/deferred.js';
import { Timeout } from '../timeout.js';

const hang = () => new Promise<never>(() => {});

/** A manual clock whose handles can be ref'd and unref'd, as Node's timers can. */
class NodeLikeClock implements Clock {
  readonly manual = new ManualClock();
  readonly made: { id: TimerHandle; refed: boolean; ref(): void; unref(): void }[] = [];
  cleared = 0;

  now(): number {
    return this.manual.now();
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = {
      id: this.manual.setTimeout(callback, ms),
      refed: true,
      ref: () => {
        handle.refed = true;
      },
      unref: () => {
        handle.refed = false;
      },
    };
    this.made.push(handle);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.cleared++;
    this.manual.clearTimeout((handle as { id: TimerHandle }).id);
  }
}

describe('deadlines of timed tasks', () => {
  it('serves every running task with one timer and expires each at its own deadline', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 100, clock });
    const a = track(timeout.execute(hang));
    await clock.advance(10);
    const b = track(timeout.execute(hang));
    await clock.advance(10);
    const c = track(timeout.execute(hang));
    expect(clock.pending).toBe(1);
    await clock.advance(79);
    expect([a.state, b.state, c.state]).toEqual(['pending', 'pending', 'pending']);
    await clock.advance(1);
    expect(a.error).toBeInstanceOf(TimeoutError);
    expect(clock.nextDue).toBe(110);
    await clock.advance(9);
    expect(b.state).toBe('pending');
    await clock.advance(1);
    expect(b.error).toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    expect(c.error).toBeInstanceOf(TimeoutError);
    expect(clock.pending).toBe(0);
  });

  it('keeps the others on time when a task at the head or in the middle settles', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 5, timeout: 100, clock });
    const gates = [deferred(), deferred(), deferred()];
    const calls = gates.map((g) => g.promise);
    const a = track(pool.execute(() => calls[0]));
    await clock.advance(10);
    const b = track(pool.execute(() => calls[1]));
    await clock.advance(10);
    const c = track(pool.execute(() => calls[2]));
    gates[1]?.resolve('b');
    await clock.advance(20);
    gates[0]?.resolve('a');
    await flushPromises();
    expect([a.value, b.value]).toEqual(['a', 'b']);
    // the timer armed for the first deadline is still set; it finds nothing due and re-arms
    await clock.advance(79);
    expect(c.state).toBe('pending');
    expect(clock.nextDue).toBe(120);
    await clock.advance(1);
    expect(c.error).toBeInstanceOf(TimeoutError);
    // c ignores its signal: it keeps its slot for its grace (abandonAfter: its timeout), then not
    expect([pool.active, clock.pending]).toEqual([1, 1]);
    await clock.advance(100);
    expect([pool.active, pool.abandoned, clock.pending]).toEqual([0, 1, 0]);
  });

  it('gives a task started while others expire its own deadline, and keeps theirs', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 100, clock });
    let started: { state: string; error?: unknown } | undefined;
    const a = track(
      timeout.execute(({ signal }) => {
        signal.addEventListener('abort', () => {
          started = track(timeout.execute(hang));
        });
        return hang();
      }),
    );
    await clock.advance(5);
    const b = track(timeout.execute(hang));
    await clock.advance(95);
    expect(a.state).toBe('rejected');
    expect(started?.state).toBe('pending');
    await clock.advance(5);
    expect(b.error).toBeInstanceOf(TimeoutError);
    await clock.advance(94);
    expect(started?.state).toBe('pending');
    await clock.advance(1);
    expect(started?.error).toBeInstanceOf(TimeoutError);
    expect(clock.pending).toBe(0);
  });

  it('starts tasks from an onTimeout listener without arming a second timer', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 3, timeout: 50, clock });
    const late: { state: string }[] = [];
    pool.onTimeout(() => {
      if (late.length === 0) late.push(track(pool.execute(hang)));
    });
    const first = track(pool.execute(hang));
    await clock.advance(50);
    expect(first.state).toBe('rejected');
    expect(clock.pending).toBe(1);
    await clock.advance(50);
    expect(late[0]?.state).toBe('rejected');
  });

  describe('on a clock whose timers can be unref’d (the system clock)', () => {
    it('keeps one unref’d timer between sequential calls instead of a timer per call', async () => {
      const clock = new NodeLikeClock();
      const timeout = new Timeout({ timeout: 1000, clock });
      let refedWhileRunning: boolean | undefined;
      for (let i = 0; i < 3; i++) {
        await timeout.execute(() => {
          refedWhileRunning = clock.made[0]?.refed;
          return i;
        });
        expect(clock.made[0]?.refed).toBe(false);
      }
      expect(refedWhileRunning).toBe(true);
      expect([clock.made.length, clock.cleared]).toEqual([1, 0]);
      // it fires with nothing to expire and is not armed again
      await clock.manual.advance(1000);
      expect([clock.made.length, clock.manual.pending]).toEqual([1, 0]);
    });

    it('re-arms a kept timer that fires early for the task now at the head', async () => {
      const clock = new NodeLikeClock();
      const timeout = new Timeout({ timeout: 1000, clock });
      await timeout.execute(() => 'done');
      await clock.manual.advance(500);
      const hung = track(timeout.execute(hang));
      expect(clock.made[0]?.refed).toBe(true);
      await clock.manual.advance(500);
      expect(hung.state).toBe('pending');
      expect(clock.made.length).toBe(2);
      expect(clock.made[1]?.refed).toBe(true);
      await clock.manual.advance(499);
      expect(hung.state).toBe('pending');
      await clock.manual.advance(1);
      expect(hung.error).toBeInstanceOf(TimeoutError);
      expect(clock.manual.pending).toBe(0);
    });

    it('lets go of the timer when the caller aborts the last running task', async () => {
      const clock = new NodeLikeClock();
      const pool = new Pool({ timeout: 1000, abandonAfter: false, clock });
      const controller = new AbortController();
      const call = track(pool.execute(hang, { signal: controller.signal }));
      controller.abort();
      await flushPromises();
      expect(call.state).toBe('rejected');
      expect(clock.made[0]?.refed).toBe(false);
    });
  });

  it('holds the process with a system timer only while a task runs', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timeout = new Timeout({ timeout: 60_000 });
    const before = timers();
    const gate = deferred();
    const call = timeout.execute(() => gate.promise);
    expect(timers()).toBe(before + 1);
    gate.resolve();
    await call;
    expect(timers()).toBe(before);
    await timeout.execute(() => 'again');
    expect(timers()).toBe(before);
  });
});
