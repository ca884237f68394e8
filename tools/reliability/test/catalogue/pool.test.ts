import { getEventListeners } from 'node:events';
import { CircuitBreaker } from '@dyno/breaker';
import { ManualClock } from '@dyno/core/testing';
import { Pool, Timeout, TimeoutError } from '@dyno/pool';
import { Retry } from '@dyno/retry';

// The peers' bulkhead and timeout bugs, one regression test each (see docs/reliability.md).

const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (value) => value,
    (error: unknown) => error,
  );

/** A thenable that calls both callbacks, then the fulfilment one again, then throws. */
function rogue(value: unknown): PromiseLike<unknown> {
  return {
    then(onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) {
      onFulfilled?.(value);
      onRejected?.(new Error('and failed'));
      onFulfilled?.(value);
      throw new Error('after settling');
    },
  } as PromiseLike<unknown>;
}

describe('peer bug: a permit released twice, letting more calls run than the limit (resilience4j#1569)', () => {
  it('never runs more than concurrency tasks, whatever the tasks settle with', async () => {
    // The rogue kinds are what `fn` itself returns or throws, not wrapped in an `async`
    // function: the pool must meet the thenable that calls back three times. Between them,
    // tasks that hold their slot for a few ms count how many run at once. A slot freed twice
    // by a rogue lets a holder start beside three others.
    for (const timeout of [false, 60_000] as const) {
      const clock = new ManualClock();
      const pool = new Pool({ concurrency: 3, queue: Number.POSITIVE_INFINITY, timeout, clock });
      let running = 0;
      let most = 0;
      let lowest = 0;
      pool.onStart(({ active }) => {
        lowest = Math.min(lowest, pool.active, active);
      });
      const hold = (ms: number) => () => {
        running++;
        most = Math.max(most, running);
        return new Promise((resolve) =>
          clock.setTimeout(() => {
            running--;
            resolve(ms);
          }, ms),
        );
      };
      const kinds: (() => unknown)[] = [
        () => rogue('v'),
        hold(3),
        () => {
          throw 'sync string';
        },
        hold(1),
        () => Promise.reject(undefined),
        hold(5),
        () => 'plain',
        hold(2),
      ];
      const calls = Array.from({ length: 200 }, (_, i) =>
        settle(pool.execute(kinds[i % kinds.length] as () => unknown)),
      );
      await clock.runAll();
      const results = await Promise.all(calls);
      expect(most).toBe(3);
      expect(lowest).toBe(0);
      expect(results.filter((r) => r === 'v')).toHaveLength(25);
      expect(results.filter((r) => r === 'sync string')).toHaveLength(25);
      expect(pool.active).toBe(0);
      expect(pool.queued).toBe(0);
      expect(clock.pending).toBe(0);
    }
  });

  it('frees the slot exactly once for a task that returns a rogue thenable', async () => {
    const pool = new Pool({ concurrency: 1, queue: 10 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => settle(pool.execute(() => rogue('v')))),
    );
    expect(results).toEqual(['v', 'v', 'v', 'v', 'v']);
    expect(pool.active).toBe(0);
  });
});

describe('peer bug: an aborted queued call stalling the queue (cockatiel#114)', () => {
  it('hands the place of an aborted waiter to the next caller', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 10, clock });
    let release!: () => void;
    const first = pool.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const aborted = settle(pool.execute(() => 'never', { signal: controller.signal }));
    const third = pool.execute(() => 'third');
    expect(pool.queued).toBe(2);
    const reason = new Error('left the queue');
    controller.abort(reason);
    expect(await aborted).toBe(reason);
    expect(pool.queued).toBe(1);
    release();
    await first;
    await expect(third).resolves.toBe('third');
    expect(pool.active).toBe(0);
  });
});

describe('peer bug: a timeout that leaves its abort listener on the caller signal (cockatiel#81, p-retry#71, p-timeout#42)', () => {
  it('leaves the listener count of a long-lived signal where it started, after 1,000 calls of each policy', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const { signal } = controller;
    const before = getEventListeners(signal, 'abort').length;
    const timeout = new Timeout({ timeout: 100, clock });
    const pool = new Pool({ concurrency: 2, queue: 10, timeout: 100, clock });
    const retry = new Retry({ attempts: 2, clock });
    const breaker = new CircuitBreaker({ clock });
    for (let i = 0; i < 1_000; i++) {
      await timeout.execute(() => i, { signal });
      await pool.execute(({ signal: s }) => (s.aborted ? -1 : i), { signal });
      await retry.execute(() => i, { signal });
      await breaker.execute(() => i, { signal });
      const late = settle(timeout.execute(() => new Promise(() => {}), { signal }));
      await clock.advance(100);
      expect(TimeoutError.isInstance(await late)).toBe(true);
    }
    expect(getEventListeners(signal, 'abort').length).toBe(before);
    expect(clock.pending).toBe(0);
  });
});

describe('peer bug: a shared abort controller that, once aborted, aborts every later call (opossum#861)', () => {
  it('gives every call a fresh signal: a timed-out call does not doom the next one', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 100, clock });
    const signals: AbortSignal[] = [];
    const first = settle(
      timeout.execute(({ signal }) => {
        signals.push(signal);
        return new Promise(() => {});
      }),
    );
    await clock.advance(100);
    expect(TimeoutError.isInstance(await first)).toBe(true);
    expect(signals[0]?.aborted).toBe(true);
    const second = await timeout.execute(({ signal }) => {
      signals.push(signal);
      return signal.aborted ? 'aborted' : 'fresh';
    });
    expect(second).toBe('fresh');
    expect(signals[1]?.aborted).toBe(false);
  });
});

describe('peer bug: a timeout whose timer keeps the process alive after the race settled (cockatiel#11)', () => {
  it('clears the deadline timer the moment the task settles (manual clock)', async () => {
    const clock = new ManualClock();
    const timeout = new Timeout({ timeout: 60_000, clock });
    const pool = new Pool({ concurrency: 1, timeout: 60_000, clock });
    await timeout.execute(() => 'quick');
    await pool.execute(() => Promise.resolve('quick'));
    await expect(timeout.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(clock.pending).toBe(0);
  });

  it('leaves no active Node timer behind with the system clock', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const timeout = new Timeout({ timeout: 60_000 });
    const pool = new Pool({ concurrency: 2, queue: 5, maxWait: 60_000, timeout: 60_000 });
    for (let i = 0; i < 20; i++) {
      await timeout.execute(() => i);
      await Promise.all([pool.execute(() => i), pool.execute(() => i), pool.execute(() => i)]);
    }
    expect(timers()).toBe(before);
  });
});
