import type { ExecuteContext } from '@dyno/core';
import { flushPromises, ManualClock, tamperedPromises } from '@dyno/core/testing';
import { PoolFullError } from './errors.js';
import type { PoolSettleEvent } from './events.js';
import { Pool } from './pool.js';
import { RateLimiter } from './rate-limiter.js';
import { deferred, track } from './test-support/deferred.js';
import { Timeout } from './timeout.js';

// Issue 18: the pool's side of the seams (items 7, 8, 9, 14).

describe('the context handed to fn (item 7)', () => {
  const spread = (context: ExecuteContext) => ({ ...context });

  it('keeps signal through { ...context } with a plain pool, a timed pool and a Timeout', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const plain = new Pool();
    const timed = new Pool({ timeout: 100, clock });
    const timeout = new Timeout({ timeout: 100, clock });
    const copies = [
      await plain.execute(spread),
      await plain.execute(spread, { signal: controller.signal }),
      await timed.execute(spread),
      await timed.execute(spread, { signal: controller.signal }),
      await plain.execute(spread, { timeout: 100 }),
      await timeout.execute(spread),
    ];
    for (const copy of copies) {
      expect(Object.keys(copy)).toEqual(['signal']);
      expect(copy.signal).toBeInstanceOf(AbortSignal);
    }
    expect(copies[1]?.signal).toBe(controller.signal);
  });

  it('looks like a read-only { signal } record with a timeout, as a plain object would', async () => {
    const timeout = new Timeout({ timeout: 100, clock: new ManualClock() });
    const context = await timeout.execute((c) => c);
    const descriptor = Object.getOwnPropertyDescriptor(context, 'signal');
    expect(descriptor).toMatchObject({ enumerable: true, value: context.signal });
    expect(Object.getOwnPropertyDescriptor(context, 'other')).toBeUndefined();
    expect(['signal' in context, 'toString' in context, 'other' in context]).toEqual([
      true,
      true,
      false,
    ]);
    expect(Object.getPrototypeOf(context)).toBe(Object.prototype);
    expect(String(context)).toBe('[object Object]');
    expect(JSON.stringify(Object.keys(context))).toBe('["signal"]');
    const writes = [
      () => Object.assign(context, { signal: 1 }),
      () => Object.defineProperty(context, 'x', { value: 1 }),
      () => delete (context as { signal?: unknown }).signal,
      () => Object.setPrototypeOf(context, null),
      () => Object.freeze(context),
    ];
    for (const write of writes) expect(write).toThrow(TypeError);
    expect(context.signal).toBe(descriptor?.value);
  });

  it('gives a copy made before the deadline the signal the deadline aborts', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ timeout: 10, clock });
    let copy: ExecuteContext | undefined;
    const call = track(
      pool.execute((context) => {
        copy = { ...context };
        return new Promise(() => {});
      }),
    );
    await clock.advance(10);
    expect(copy?.signal.aborted).toBe(true);
    expect(copy?.signal.reason).toBe(call.error);
  });
});

describe('the max-wait timer (item 8)', () => {
  it('arms no second timer when an onReject listener queues a call as it fires', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 5, maxWait: 100, clock });
    const gate = deferred();
    const running = pool.execute(() => gate.promise);
    const late: { state: string }[] = [];
    pool.onReject(() => {
      if (late.length === 0) late.push(track(pool.execute(() => 'late')));
    });
    const first = track(pool.execute(() => 'first'));
    await clock.advance(100);
    expect(first.state).toBe('rejected');
    expect([pool.queued, clock.pending]).toEqual([1, 1]);
    gate.resolve();
    await running;
    await flushPromises();
    expect(late[0]).toMatchObject({ state: 'fulfilled', value: 'late' });
    // the queue drained: no timer is left behind
    expect([pool.queued, clock.pending]).toEqual([0, 0]);
  });

  it('keeps a call queued by an onReject listener that also emptied the queue', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 5, maxWait: 100, clock });
    const gate = deferred();
    const running = pool.execute(() => gate.promise);
    const first = track(pool.execute(() => 'first'));
    await clock.advance(50);
    const controller = new AbortController();
    const second = track(pool.execute(() => 'second', { signal: controller.signal }));
    const late: { state: string; value?: unknown }[] = [];
    pool.onReject(() => {
      if (late.length > 0) return;
      controller.abort(); // the queue is empty now
      late.push(track(pool.execute(() => 'late')));
    });
    await clock.advance(50);
    expect([first.state, second.state]).toEqual(['rejected', 'rejected']);
    gate.resolve();
    await running;
    await flushPromises();
    expect(late[0]).toMatchObject({ state: 'fulfilled', value: 'late' });
    expect([pool.active, pool.queued, clock.pending]).toEqual([0, 0, 0]);
  });
});

describe('onSettle (item 9)', () => {
  it('reports the pool as the next caller sees it: after the next queued call started', async () => {
    const pool = new Pool({ concurrency: 1, queue: 1 });
    const seen: (PoolSettleEvent & { readonly read: number[] })[] = [];
    pool.onSettle((e) => seen.push({ ...e, read: [pool.active, pool.queued] }));
    const gate = deferred();
    const first = pool.execute(() => gate.promise);
    const second = pool.execute(() => deferred().promise);
    gate.resolve();
    await first;
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ outcome: 'success', active: 1, queued: 0, read: [1, 0] });
    void second;
  });
});

describe('bad input (item 14)', () => {
  it.each([
    ['queue', '5', 'an integer from 0 to 9007199254740991 or one of Infinity'],
    ['queue', null, 'an integer from 0 to 9007199254740991 or one of Infinity'],
    ['maxWait', '5', 'a duration in ms greater than 0 to 2147483647 or one of false'],
    ['maxWait', null, 'a duration in ms greater than 0 to 2147483647 or one of false'],
    ['timeout', '5', 'a duration in ms greater than 0 to 2147483647 or one of false'],
    ['timeout', null, 'a duration in ms greater than 0 to 2147483647 or one of false'],
    ['abandonAfter', '5', 'a duration in ms from 0 to 2147483647 or one of false'],
    ['maxAbandoned', null, 'an integer from 0 to 9007199254740991 or one of Infinity'],
  ])('rejects %s: %p with a TypeError', (option, value, expected) => {
    const received = value === null ? 'null' : `"${value}"`;
    expect(() => new Pool({ [option]: value } as never)).toThrow(
      new TypeError(`@dyno/pool: option \`${option}\` must be ${expected}; received ${received}`),
    );
  });

  it.each([
    ['abandonAfter', -1],
    ['abandonAfter', true],
    ['maxAbandoned', 1.5],
    ['maxAbandoned', -1],
  ])('rejects %s: %p with a RangeError', (option, value) => {
    expect(() => new Pool({ [option]: value } as never)).toThrow(RangeError);
  });

  it('rejects execute(42) on Pool, Timeout and RateLimiter, naming the argument', async () => {
    const message = '@dyno/pool: `fn` must be a function; received 42';
    for (const policy of [new Pool(), new Timeout(), new RateLimiter()]) {
      const call = policy.execute(42 as never);
      await expect(call).rejects.toThrow(new TypeError(message));
    }
    const pool = new Pool({ concurrency: 1 });
    await expect(pool.execute(undefined as never)).rejects.toThrow('received undefined');
    expect([pool.active, pool.started]).toEqual([0, 0]);
  });
});

describe('raw rogue thenables (tools/reliability peer bug)', () => {
  // each is handed to the pool as is (fn returns it), never wrapped in an async function
  type Rogue = () => PromiseLike<unknown>;
  type Then = (ok: (v: unknown) => void, fail: (e: unknown) => void) => void;
  const thenable = (then: Then): PromiseLike<unknown> =>
    ({ then }) as unknown as PromiseLike<unknown>;
  const rogues: Record<string, Rogue> = {
    'resolves twice': () =>
      thenable((ok) =>
        pending.push(() => {
          ok(1);
          ok(2);
        }),
      ),
    'resolves and rejects': () =>
      thenable((ok, fail) =>
        pending.push(() => {
          ok(1);
          fail(new Error('also'));
        }),
      ),
    'throws after resolving': () =>
      thenable((ok) => {
        ok(1);
        throw new Error('after');
      }),
    'rejects with a non-Error twice': () =>
      thenable((_, fail) =>
        pending.push(() => {
          fail('x');
          fail(undefined);
        }),
      ),
    'never settles': () => thenable(() => undefined),
  };
  const pending: (() => void)[] = [];

  it.each(Object.keys(rogues))(
    'never runs more than concurrency tasks when each %s',
    async (kind) => {
      const rogue = rogues[kind] as Rogue;
      const clock = new ManualClock();
      const pool = new Pool({ concurrency: 2, queue: 100, clock });
      let peak = 0;
      pool.onStart((e) => {
        peak = Math.max(peak, e.active);
      });
      const calls = Array.from({ length: 12 }, () => track(pool.execute(rogue)));
      for (let round = 0; round < 12; round++) {
        await flushPromises();
        for (const settle of pending.splice(0)) settle();
        expect(pool.active).toBeLessThanOrEqual(2);
      }
      await flushPromises();
      expect(peak).toBeLessThanOrEqual(2);
      if (kind === 'never settles') {
        expect([pool.active, pool.queued, pool.started]).toEqual([2, 10, 2]);
        expect(track(pool.execute(() => 1))).toMatchObject({ state: 'pending' });
        return;
      }
      expect(calls.every((c) => c.state !== 'pending')).toBe(true);
      expect([pool.active, pool.queued, pool.started]).toEqual([0, 0, 12]);
      // each slot was freed once: the pool still holds its bound
      const gates = [deferred(), deferred(), deferred()];
      const more = gates.map((g) => track(pool.execute(() => g.promise)));
      expect([pool.active, pool.queued]).toEqual([2, 1]);
      for (const g of gates) g.resolve();
      await flushPromises();
      expect(more.map((m) => m.state)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    },
  );

  it.each(tamperedPromises().map(([name]) => name))(
    'frees the slot of a task returning %s, in Pool, a timed Pool, Timeout and RateLimiter',
    async (name) => {
      // the constructor getter threw out of execute after the slot was taken: held for good
      const tampered = () => (tamperedPromises().find(([n]) => n === name) as [string, never])[1];
      const clock = new ManualClock();
      const pool = new Pool({ concurrency: 1, clock });
      const timed = new Pool({ concurrency: 1, timeout: 100, clock });
      const policies = [
        pool,
        timed,
        new Timeout({ timeout: 100, clock }),
        new RateLimiter({ rate: 10, interval: 1_000, clock }),
      ];
      for (const policy of policies) {
        let call: ReturnType<typeof track> | undefined;
        expect(() => {
          call = track(policy.execute(tampered));
        }).not.toThrow();
        await flushPromises();
        expect(call?.state).not.toBe('pending');
      }
      expect([pool.active, timed.active]).toEqual([0, 0]);
      await expect(pool.execute(() => 1)).resolves.toBe(1);
    },
  );

  it('gives back the slots of raw thenables that never settle, with a timeout', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 2, queue: 2, timeout: 10, clock });
    const never = () => ({ then() {} }) as PromiseLike<never>;
    const calls = [1, 2, 3, 4].map(() => track(pool.execute(never)));
    await clock.advance(20);
    expect([pool.active, pool.queued, pool.abandoned]).toEqual([2, 0, 2]);
    await clock.advance(20);
    // at the cap (concurrency): the second pair keeps its slots
    expect([pool.active, pool.abandoned]).toEqual([2, 2]);
    expect(calls.every((c) => c.state === 'rejected')).toBe(true);
    const waiting = [track(pool.execute(() => 1)), track(pool.execute(() => 2))];
    await expect(pool.execute(() => 3)).rejects.toBeInstanceOf(PoolFullError);
    await clock.advance(1000);
    expect(waiting.map((w) => w.state)).toEqual(['pending', 'pending']);
  });
});
