import {
  DisposedError,
  DynoError,
  type ListenerErrorEvent,
  NEVER_ABORTED,
  onListenerError,
} from '@dyno/core';
import {
  FailingClock,
  flushPromises,
  listenerReports,
  ManualClock,
  OddClock,
} from '@dyno/core/testing';
import { PoolFullError } from './errors.js';
import type { PoolSettleEvent, PoolStartEvent, RejectEvent } from './events.js';
import { Pool } from './pool.js';
import { RateLimiter } from './rate-limiter.js';
import { deferred, track } from './test-support/deferred.js';
import { Timeout } from './timeout.js';

describe('Pool', () => {
  it('defaults to 10 slots and no queue', async () => {
    const pool = new Pool();
    expect([pool.concurrency, pool.queue, pool.maxWait, pool.timeout]).toEqual([
      10,
      0,
      false,
      false,
    ]);
    expect(pool.name).toMatch(/^pool#\d+$/);
    const gates = Array.from({ length: 10 }, () => deferred());
    const running = gates.map((g) => pool.execute(() => g.promise));
    expect(pool.active).toBe(10);
    const eleventh = pool.execute(() => 1);
    await expect(eleventh).rejects.toThrow(PoolFullError);
    for (const g of gates) g.resolve();
    await Promise.all(running);
    expect(pool.active).toBe(0);
    // a refused call never took a slot
    expect(pool.started).toBe(10);
  });

  it('counts every task that took a slot, queued ones when they start', async () => {
    const pool = new Pool({ concurrency: 1, queue: 1 });
    const starts: number[] = [];
    pool.onStart(() => starts.push(pool.started));
    const gate = deferred();
    const first = pool.execute(() => gate.promise);
    const second = pool.execute(() => 2);
    expect(pool.started).toBe(1);
    gate.resolve();
    await Promise.all([first, second]);
    expect(pool.started).toBe(2);
    expect(starts).toEqual([1, 2]);
  });

  it('returns what the task returns, whether a value, a promise or a thenable', async () => {
    const pool = new Pool();
    await expect(pool.execute(() => 1)).resolves.toBe(1);
    await expect(pool.execute(async () => 2)).resolves.toBe(2);
    const thenable = { then: (ok: (v: number) => void) => ok(3) } as unknown as PromiseLike<number>;
    await expect(pool.execute(() => thenable)).resolves.toBe(3);
  });

  it('passes user errors through unchanged, and non-Error throws as failures', async () => {
    const pool = new Pool({ concurrency: 1 });
    const boom = new Error('boom');
    await expect(pool.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    await expect(
      pool.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    await expect(
      pool.execute(() => {
        throw 'text';
      }),
    ).rejects.toBe('text');
    await expect(pool.execute(() => Promise.reject(undefined))).rejects.toBeUndefined();
    expect(pool.active).toBe(0);
  });

  it('hands the caller signal to the task, or a never-aborted one', async () => {
    const pool = new Pool();
    const controller = new AbortController();
    await expect(pool.execute(({ signal }) => signal, { signal: controller.signal })).resolves.toBe(
      controller.signal,
    );
    await expect(pool.execute(({ signal }) => signal)).resolves.toBe(NEVER_ABORTED);
  });

  it('rejects with the reason of an already-aborted signal before the task runs', async () => {
    const pool = new Pool();
    const fn = jest.fn();
    const reason = new Error('stop');
    await expect(pool.execute(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('queues in FIFO order and starts the next call when a slot frees', async () => {
    const pool = new Pool({ concurrency: 2, queue: 5 });
    const order: number[] = [];
    const gates = Array.from({ length: 6 }, () => deferred());
    const calls = gates.map((g, i) =>
      pool.execute(() => {
        order.push(i);
        return g.promise;
      }),
    );
    expect([pool.active, pool.queued]).toEqual([2, 4]);
    gates[1]?.resolve();
    await flushPromises();
    expect(order).toEqual([0, 1, 2]);
    gates[0]?.resolve();
    gates[2]?.resolve();
    await flushPromises();
    expect(order).toEqual([0, 1, 2, 3, 4]);
    for (const g of gates) g.resolve();
    await Promise.all(calls);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect([pool.active, pool.queued]).toEqual([0, 0]);
  });

  it('settles a queued caller with the value or error of its own task', async () => {
    const pool = new Pool({ concurrency: 1, queue: 3 });
    const gate = deferred();
    const first = pool.execute(() => gate.promise);
    const boom = new Error('boom');
    const value = pool.execute(async () => 'v');
    const error = pool.execute(() => Promise.reject(boom));
    const thrown = pool.execute(() => {
      throw 'text';
    });
    gate.resolve();
    await first;
    await expect(value).resolves.toBe('v');
    await expect(error).rejects.toBe(boom);
    await expect(thrown).rejects.toBe('text');
    expect([pool.active, pool.queued]).toEqual([0, 0]);
  });

  it('rejects with queue-full when every slot and queue place is taken', async () => {
    const pool = new Pool({ concurrency: 1, queue: 1, name: 'db' });
    const rejects: RejectEvent[] = [];
    pool.onReject((e) => rejects.push(e));
    const gate = deferred();
    const first = pool.execute(() => gate.promise);
    const second = pool.execute(() => 2);
    const third = pool.execute(() => 3);
    await expect(third).rejects.toMatchObject({
      code: 'DYNO_POOL_FULL',
      reason: 'queue-full',
      source: 'db',
      message: 'Pool "db" is full (queue-full): 1 running, 1 queued (queue 1)',
    });
    expect(rejects).toEqual([{ name: 'db', reason: 'queue-full' }]);
    gate.resolve();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, 2]);
  });

  it('accepts an unbounded queue', async () => {
    const pool = new Pool({ concurrency: 1, queue: Number.POSITIVE_INFINITY });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => pool.execute(() => i)));
    expect(results[499]).toBe(499);
  });

  it('lets a queued call whose signal aborts leave at once, giving its place to the next', async () => {
    const pool = new Pool({ concurrency: 1, queue: 1 });
    const gate = deferred();
    const running = pool.execute(() => gate.promise);
    const controller = new AbortController();
    const fn = jest.fn();
    const queued = track(pool.execute(fn, { signal: controller.signal }));
    const reason = new Error('client went away');
    controller.abort(reason);
    await flushPromises();
    expect(queued).toMatchObject({ state: 'rejected', error: reason });
    expect(pool.queued).toBe(0);
    const next = pool.execute(() => 'next');
    gate.resolve();
    await expect(next).resolves.toBe('next');
    await running;
    expect(fn).not.toHaveBeenCalled();
  });

  it('skips aborted entries in the middle of the queue and keeps order', async () => {
    const pool = new Pool({ concurrency: 1, queue: 200 });
    const gate = deferred();
    const running = pool.execute(() => gate.promise);
    const order: number[] = [];
    const controllers: AbortController[] = [];
    const calls = Array.from({ length: 150 }, (_, i) => {
      const controller = new AbortController();
      controllers.push(controller);
      return pool
        .execute(() => order.push(i), { signal: controller.signal })
        .catch(() => undefined);
    });
    // abort all but every tenth, enough to make the queue compact itself
    controllers.forEach((c, i) => {
      if (i % 10 !== 0) c.abort();
    });
    expect(pool.queued).toBe(15);
    gate.resolve();
    await Promise.all([running, ...calls]);
    expect(order).toEqual(Array.from({ length: 15 }, (_, i) => i * 10));
  });

  it('removes its listener from the caller signal once the call leaves the queue', async () => {
    const pool = new Pool({ concurrency: 1, queue: 1 });
    const controller = new AbortController();
    const add = jest.spyOn(controller.signal, 'addEventListener');
    const remove = jest.spyOn(controller.signal, 'removeEventListener');
    const gate = deferred();
    const running = pool.execute(() => gate.promise);
    const queued = pool.execute(() => 1, { signal: controller.signal });
    expect(add).toHaveBeenCalledTimes(1);
    gate.resolve();
    await Promise.all([running, queued]);
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0]?.[1]);
  });

  it('frees a slot exactly once for odd thenables', async () => {
    const pool = new Pool({ concurrency: 1, queue: 10 });
    type Odd = PromiseLike<unknown>;
    const twice = {
      then(ok: (v: number) => void, fail: (e: unknown) => void) {
        ok(1);
        ok(2);
        fail(3);
      },
    } as unknown as Odd;
    const throwsAfter = {
      then(ok: (v: number) => void) {
        ok(4);
        throw new Error('late');
      },
    } as unknown as Odd;
    const hostileGetter = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('getter');
      },
    }) as Odd;
    // a Promise subclass whose `then` calls back at once, with both outcomes
    class Weird<T> extends Promise<T> {
      // biome-ignore lint/suspicious/noExplicitAny: matching the built-in signature loosely
      override then(ok?: any, fail?: any): any {
        ok?.('w1');
        fail?.('w2');
        return super.then(ok, fail);
      }
    }
    const ownThen = Promise.resolve(5);
    Object.defineProperty(ownThen, 'then', { value: () => undefined });
    const results = await Promise.allSettled([
      pool.execute(() => twice),
      pool.execute(() => throwsAfter),
      pool.execute(() => hostileGetter),
      pool.execute(() => new Weird<string>((r) => r('real'))),
      pool.execute(() => ownThen),
    ]);
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ).toEqual([1, 4, 'getter', 'w1', 5]);
    expect(pool.active).toBe(0);
    // three more calls prove the single slot is free and counted once
    await expect(Promise.all([1, 2, 3].map((i) => pool.execute(() => i)))).resolves.toEqual([
      1, 2, 3,
    ]);
  });

  describe('maxWait', () => {
    it('rejects a call that waited longer than maxWait with max-wait', async () => {
      const clock = new ManualClock();
      const pool = new Pool({ concurrency: 1, queue: 5, maxWait: 100, clock, name: 'api' });
      const rejects: RejectEvent[] = [];
      pool.onReject((e) => rejects.push(e));
      const gate = deferred();
      const running = pool.execute(() => gate.promise);
      const a = track(pool.execute(() => 'a'));
      await clock.advance(40);
      const b = track(pool.execute(() => 'b'));
      await clock.advance(60);
      expect(a.state).toBe('rejected');
      expect(a.error).toBeInstanceOf(PoolFullError);
      expect(a.error).toMatchObject({
        reason: 'max-wait',
        message: 'Pool "api" is full (max-wait): waited 100 ms (maxWait 100 ms)',
      });
      expect(b.state).toBe('pending');
      expect(pool.queued).toBe(1);
      await clock.advance(39);
      expect(b.state).toBe('pending');
      await clock.advance(1);
      expect(b.state).toBe('rejected');
      expect(rejects).toEqual([
        { name: 'api', reason: 'max-wait' },
        { name: 'api', reason: 'max-wait' },
      ]);
      expect(clock.pending).toBe(0);
      gate.resolve();
      await running;
    });

    it('clears its timer when the queue empties and re-arms for the next waiter', async () => {
      const clock = new ManualClock();
      const pool = new Pool({ concurrency: 1, queue: 5, maxWait: 100, clock });
      const gate = deferred();
      const running = pool.execute(() => gate.promise);
      const a = track(pool.execute(() => 'a'));
      expect(clock.pending).toBe(1);
      await clock.advance(50);
      const b = track(pool.execute(() => 'b'));
      gate.resolve();
      await flushPromises();
      expect(a).toMatchObject({ state: 'fulfilled', value: 'a' });
      expect(b).toMatchObject({ state: 'fulfilled', value: 'b' });
      expect(clock.pending).toBe(0);
      await running;
      const gate2 = deferred();
      const again = pool.execute(() => gate2.promise);
      const c = track(pool.execute(() => 'c'));
      const d = track(pool.execute(() => 'd'));
      await clock.advance(30);
      gate2.resolve();
      await flushPromises();
      expect(c.state).toBe('fulfilled');
      // the timer armed for c fires for nothing and re-arms for d, which started already
      await clock.advance(200);
      expect(d.state).toBe('fulfilled');
      expect(clock.pending).toBe(0);
      await again;
    });
  });

  describe('events', () => {
    it('reports start with the time waited and settle with duration and outcome', async () => {
      const clock = new ManualClock();
      const pool = new Pool({ concurrency: 1, queue: 2, clock, name: 'p' });
      const starts: PoolStartEvent[] = [];
      const settles: PoolSettleEvent[] = [];
      pool.onStart((e) => starts.push(e));
      pool.onSettle((e) => settles.push(e));
      const gate = deferred();
      const first = pool.execute(() => gate.promise);
      const second = pool.execute(() => Promise.reject(new Error('x'))).catch(() => 'caught');
      await clock.advance(25);
      gate.resolve();
      await Promise.all([first, second]);
      expect(starts).toEqual([
        { name: 'p', active: 1, queued: 0, waited: 0 },
        { name: 'p', active: 1, queued: 0, waited: 25 },
      ]);
      expect(settles).toEqual([
        // read after the freed slot went to the queued call (item 9 of issue 18)
        { name: 'p', duration: 25, outcome: 'success', active: 1, queued: 0 },
        { name: 'p', duration: 0, outcome: 'failure', active: 0, queued: 0 },
      ]);
    });

    it('reports a failure after the caller aborted as cancelled', async () => {
      const pool = new Pool();
      const outcomes: string[] = [];
      pool.onSettle((e) => outcomes.push(e.outcome));
      const controller = new AbortController();
      const call = pool.execute(
        ({ signal }) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
        { signal: controller.signal },
      );
      controller.abort(new Error('bye'));
      await expect(call).rejects.toThrow('bye');
      expect(outcomes).toEqual(['cancelled']);
    });

    it('stops calling a listener once its subscription is disposed', async () => {
      const pool = new Pool();
      const listener = jest.fn();
      const subscription = pool.onStart(listener);
      await pool.execute(() => 1);
      subscription.dispose();
      await pool.execute(() => 1);
      expect(listener).toHaveBeenCalledTimes(1);
    });
  });

  describe('all', () => {
    it('runs every task under the limit and returns results and failures in order', async () => {
      const pool = new Pool({ concurrency: 2 });
      let running = 0;
      let peak = 0;
      const boom = new Error('boom');
      const task =
        (value: number, fail = false) =>
        async () => {
          running++;
          peak = Math.max(peak, running);
          await flushPromises();
          running--;
          if (fail) throw boom;
          return value;
        };
      const results = await pool.all([task(1), task(2, true), task(3), task(4), task(5)]);
      expect(results).toEqual([
        { status: 'fulfilled', value: 1 },
        { status: 'rejected', reason: boom },
        { status: 'fulfilled', value: 3 },
        { status: 'fulfilled', value: 4 },
        { status: 'fulfilled', value: 5 },
      ]);
      expect(peak).toBe(2);
      await expect(pool.all([])).resolves.toEqual([]);
    });

    it('types each result after its task', async () => {
      const pool = new Pool();
      const [a, b] = await pool.all([() => 1, async () => 'two'] as const);
      const n: number = a.status === 'fulfilled' ? a.value : 0;
      const s: string = b.status === 'fulfilled' ? b.value : '';
      expect([n, s]).toEqual([1, 'two']);
    });

    it('rejects tasks that are not an array (or another iterable) with a TypeError', async () => {
      const pool = new Pool({ concurrency: 2 });
      for (const [tasks, received] of [
        [5, '5'],
        ['ab', '"ab"'],
        [undefined, 'undefined'],
      ] as const) {
        await expect(pool.all(tasks as never)).rejects.toThrow(
          new TypeError(`@dyno/pool: \`tasks\` must be an array of tasks; received ${received}`),
        );
      }
      const results = await pool.all(new Set([() => 1]) as never);
      expect(results).toEqual([{ status: 'fulfilled', value: 1 }]);
    });

    it('reports PoolFullError for tasks a busy pool turns away, and honours the signal', async () => {
      const pool = new Pool({ concurrency: 1 });
      const gate = deferred();
      const busy = pool.execute(() => gate.promise);
      const [r] = await pool.all([() => 1]);
      expect(r?.status === 'rejected' && PoolFullError.isInstance(r.reason)).toBe(true);
      gate.resolve();
      await busy;
      const reason = new Error('stop');
      const results = await pool.all([() => 1, () => 2], { signal: AbortSignal.abort(reason) });
      expect(results).toEqual([
        { status: 'rejected', reason },
        { status: 'rejected', reason },
      ]);
    });
  });

  describe('dispose', () => {
    it('rejects queued calls and later calls with DisposedError; running ones finish', async () => {
      const clock = new ManualClock();
      const pool = new Pool({ concurrency: 1, queue: 2, maxWait: 1000, clock, name: 'd' });
      const gate = deferred();
      const running = pool.execute(() => gate.promise.then(() => 'done'));
      const controller = new AbortController();
      const remove = jest.spyOn(controller.signal, 'removeEventListener');
      const queued = track(pool.execute(() => 'never', { signal: controller.signal }));
      pool.dispose();
      pool[Symbol.dispose]();
      await flushPromises();
      expect(queued.state).toBe('rejected');
      expect(queued.error).toBeInstanceOf(DisposedError);
      expect(remove).toHaveBeenCalled();
      expect(clock.pending).toBe(0);
      await expect(pool.execute(() => 1)).rejects.toMatchObject({
        code: 'DYNO_DISPOSED',
        source: 'd',
        message: 'Pool "d" has been disposed',
      });
      gate.resolve();
      await expect(running).resolves.toBe('done');
      expect(pool.active).toBe(0);
      expect(DynoError.isInstance(queued.error)).toBe(true);
    });
  });
});

describe('a clock whose now() throws', () => {
  it('is reported and read as standing still: no slot is lost, no caller hangs, no timer throws', async () => {
    const clock = new FailingClock();
    const pool = new Pool({ concurrency: 1, queue: 1, timeout: 100, name: 'p', clock });
    pool.onSettle(() => {});
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      // at the start of a call
      clock.failing = true;
      await expect(pool.execute(() => 1)).resolves.toBe(1);
      // at its end, with a call queued behind it
      clock.failing = false;
      const gate = deferred();
      const first = pool.execute(() => gate.promise);
      const queued = pool.execute(() => 2);
      clock.failing = true;
      gate.resolve('one');
      await expect(Promise.all([first, queued])).resolves.toEqual(['one', 2]);
      // when the deadline timer fires
      clock.failing = false;
      const hung = track(pool.execute(() => new Promise(() => {})));
      clock.failing = true;
      await clock.advance(100);
      clock.failing = false;
      await clock.advance(100);
      expect(hung.state).toBe('rejected');
      expect(pool.active).toBe(0);
      const limiter = new RateLimiter({ rate: 1, name: 'r', clock });
      const timeout = new Timeout({ name: 't', clock });
      clock.failing = true;
      await expect(limiter.execute(() => 3)).resolves.toBe(3);
      await expect(timeout.execute(() => 4)).resolves.toBe(4);
      clock.failing = false;
    } finally {
      subscription.dispose();
    }
    const sources = new Set(reported.map((event) => event.source));
    expect([...sources]).toEqual([
      '@dyno/pool "p" clock',
      '@dyno/pool "r" clock',
      '@dyno/pool "t" clock',
    ]);
    expect(reported.every((event) => event.error === 'clock broken')).toBe(true);
  });
});

describe('a clock that misbehaves', () => {
  const DAY = 86_400_000;

  it('is refused at construction, naming the option, when its now() cannot read the time', () => {
    const unbound = { now: performance.now, setTimeout, clearTimeout };
    const odd = new OddClock();
    odd.read = () => undefined;
    for (const clock of [unbound, odd]) {
      expect(() => new Pool({ clock })).toThrow(/^@dyno\/pool: option `clock` must /);
      expect(() => new Timeout({ clock })).toThrow(TypeError);
      expect(() => new RateLimiter({ clock })).toThrow(TypeError);
    }
  });

  it('releases a hung task at its timeout and a waiter at maxWait when the clock steps back a day', async () => {
    const clock = new OddClock(2 * DAY);
    const pool = new Pool({ concurrency: 1, queue: 1, timeout: 100, maxWait: 50, clock });
    const hung = track(pool.execute(() => new Promise(() => {})));
    clock.read = (t) => t - DAY;
    const queued = track(pool.execute(() => 1));
    await clock.advance(50);
    expect(queued.state).toBe('rejected');
    await clock.advance(49);
    expect(hung.state).toBe('pending');
    await clock.advance(1);
    expect(hung.state).toBe('rejected');
  });

  it.each([
    ['NaN', () => Number.NaN],
    ['undefined', () => undefined],
    ['a string', () => '5'],
    ['Infinity', () => Number.POSITIVE_INFINITY],
    ['one frozen value', () => -1],
  ])(
    'times a task out after its timeout, not at once nor never, when now() reads %s',
    async (_, read) => {
      const clock = new OddClock(10);
      const pool = new Pool({ concurrency: 1, timeout: 100, clock });
      await listenerReports(async () => {
        clock.read = read;
        const hung = track(pool.execute(() => new Promise(() => {})));
        await clock.advance(99);
        expect(hung.state).toBe('pending');
        await clock.advance(1);
        expect(hung.state).toBe('rejected');
        // the slot is abandoned a timeout after the deadline
        await clock.advance(99);
        expect(pool.active).toBe(1);
        await clock.advance(1);
        expect(pool.active).toBe(0);
        expect(clock.pending).toBe(0);
      });
    },
  );
});

describe('null options', () => {
  it('reject the call with a TypeError naming options, as for Timeout and RateLimiter, rather than a throw from execute', async () => {
    const pool = new Pool({ concurrency: 1, queue: 1, timeout: 100 });
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = pool.execute(() => 1, null as never);
    }).not.toThrow();
    const refused = new TypeError('@dyno/pool: options must be an object; received null');
    await expect(result).rejects.toThrow(refused);
    await expect(pool.all([() => 2], null as never)).rejects.toThrow(refused);
    await expect(new Timeout().execute(() => 3, null as never)).rejects.toThrow(refused);
    await expect(new RateLimiter().execute(() => 4, null as never)).rejects.toThrow(refused);
    expect(pool.active).toBe(0);
  });
});

describe('a signal that is not an AbortSignal', () => {
  it('rejects the call with a TypeError naming it, taking no slot and no place', async () => {
    const clock = new ManualClock();
    const message = '@dyno/pool: option `signal` must be an AbortSignal; received "x"';
    const signal = 'x' as unknown as AbortSignal;
    const timed = new Pool({ concurrency: 1, timeout: 100, clock });
    const ran = jest.fn();
    await expect(timed.execute(ran, { signal })).rejects.toThrow(new TypeError(message));
    expect([timed.active, clock.pending]).toEqual([0, 0]);
    const gate = deferred();
    const busy = new Pool({ concurrency: 1, queue: 1, clock });
    const running = busy.execute(() => gate.promise);
    await expect(busy.execute(ran, { signal })).rejects.toThrow(new TypeError(message));
    expect(busy.queued).toBe(0);
    await expect(new Timeout({ clock }).execute(ran, { signal })).rejects.toThrow(message);
    const limiter = new RateLimiter({ rate: 1, burst: 1, maxWait: 1000, clock });
    await limiter.acquire();
    await expect(limiter.acquire({ signal })).rejects.toThrow(message);
    await expect(limiter.execute(ran, { signal })).rejects.toThrow(message);
    expect(limiter.waiting).toBe(0);
    expect(ran).not.toHaveBeenCalled();
    await clock.advance(1000);
    expect(clock.pending).toBe(0);
    gate.resolve();
    await running;
  });
});

describe('listeners that throw', () => {
  it('are reported with the name of the pool, timeout or rate limiter', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 0, timeout: 10, name: 'users', clock });
    const timeout = new Timeout({ timeout: 10, name: 'slow', clock });
    const limiter = new RateLimiter({ rate: 1, name: 'api', clock });
    const thrown = new Error('listener');
    const throwing = () => {
      throw thrown;
    };
    for (const event of [
      pool.onStart,
      pool.onReject,
      pool.onTimeout,
      pool.onSettle,
      pool.onAbandon,
      pool.onLimitChange,
      timeout.onTimeout,
      limiter.onReject,
    ]) {
      event(throwing);
    }
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      const hung = pool.execute(() => new Promise(() => {}));
      await expect(pool.execute(() => 1)).rejects.toThrow(PoolFullError);
      const late = timeout.execute(() => new Promise(() => {}));
      await clock.advance(10);
      await expect(hung).rejects.toThrow('timed out');
      await expect(late).rejects.toThrow('timed out');
      await clock.advance(10);
      pool.resize({ concurrency: 2 });
      await limiter.acquire();
      await expect(limiter.acquire()).rejects.toThrow('rate');
    } finally {
      subscription.dispose();
    }
    expect(reported.map((event) => event.source)).toEqual([
      '@dyno/pool "users" onStart',
      '@dyno/pool "users" onReject',
      '@dyno/pool "users" onTimeout',
      '@dyno/pool "slow" onTimeout',
      '@dyno/pool "users" onSettle',
      '@dyno/pool "users" onAbandon',
      '@dyno/pool "users" onLimitChange',
      '@dyno/pool "api" onReject',
    ]);
    expect(reported.every((event) => event.error === thrown)).toBe(true);
  });
});
