import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { flushPromises, ManualClock, tamperedPromises } from '@dyno/core/testing';
import type { Backoff } from './backoff/backoff.js';
import { CompoundError } from './errors.js';
import type { GiveUpEvent } from './events.js';
import { retry } from './retry.js';
import { RetryBudget } from './retry-budget.js';
import { Retry } from './retry-policy.js';
import { failing, make, settle } from './test-support/helpers.js';

// Issue 18: user code that throws (predicates, backoffs, listeners) and a single failure.

const bug = new Error('user code bug');
const thrower = () => {
  throw bug;
};

describe('Retry under faulty user code', () => {
  describe('a predicate, backoff or hint that throws', () => {
    // each rejects the call that asked it with what it threw, before anything is taken from the
    // budget, and leaves no timer, listener or budget entry behind
    const cases: [string, Parameters<typeof make>[1], 'error' | 'result'][] = [
      ['isRetryable', { isRetryable: thrower }, 'error'],
      ['shouldRetry on an error', { shouldRetry: thrower }, 'error'],
      ['shouldRetry on a result', { shouldRetry: thrower }, 'result'],
      ['backoff.delay', { backoff: { delay: thrower } as Backoff }, 'error'],
      ['retryAfter', { retryAfter: thrower }, 'error'],
    ];

    it.each(cases)(
      '%s rejects that call with what it threw, the policy intact',
      async (_, options, kind) => {
        const clock = new ManualClock();
        const budget = new RetryBudget({ clock });
        const policy = make(clock, { ...options, budget });
        const giveUps: GiveUpEvent[] = [];
        policy.onGiveUp((e) => giveUps.push(e));
        const fn = kind === 'error' ? failing(clock).fn : jest.fn(() => 'result');
        const controller = new AbortController();
        for (const signal of [undefined, controller.signal]) {
          const result = await settle(clock, policy.execute(fn, { signal }));
          expect(result).toEqual({ ok: false, error: bug, at: 0 });
        }
        expect(fn).toHaveBeenCalledTimes(2);
        expect(budget.calls).toBe(2);
        expect(budget.retries).toBe(0);
        expect(giveUps).toEqual([]);
        expect(clock.pending).toBe(0);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      },
    );

    it('throws from a later attempt as from the first, and the next call retries as usual', async () => {
      const clock = new ManualClock();
      const isRetryable = jest.fn((_error: unknown, attempt: number) => {
        if (attempt === 2) throw bug;
        return true;
      });
      const budget = new RetryBudget({ clock });
      const policy = make(clock, { isRetryable, budget });
      const result = await settle(clock, policy.execute(failing(clock).fn));
      expect(result).toEqual({ ok: false, error: bug, at: 100 });
      expect(budget.retries).toBe(1);
      let calls = 0;
      const recovered = await settle(
        clock,
        policy.execute(() => (calls++ === 0 ? Promise.reject(new Error('once')) : 'ok')),
      );
      expect(recovered).toMatchObject({ ok: true, value: 'ok' });
      expect(budget.retries).toBe(2);
    });

    it('a random that throws rejects the call through the default (jittered) backoff', async () => {
      const clock = new ManualClock();
      const policy = new Retry({ clock, random: thrower });
      expect(await settle(clock, policy.execute(failing(clock).fn))).toEqual({
        ok: false,
        error: bug,
        at: 0,
      });
    });
  });

  describe('a listener that throws', () => {
    let reported: ListenerErrorEvent[];
    let subscription: { dispose(): void };
    beforeEach(() => {
      reported = [];
      subscription = onListenerError((e) => reported.push(e));
    });
    afterEach(() => subscription.dispose());

    it('is reported through @dyno/core and never breaks the call', async () => {
      const clock = new ManualClock();
      const policy = make(clock);
      const seen: string[] = [];
      policy.onRetry(() => {
        throw new Error('onRetry bug');
      });
      policy.onRetry(() => seen.push('second onRetry listener'));
      policy.onSuccess(() => {
        throw new Error('onSuccess bug');
      });
      let calls = 0;
      const result = await settle(
        clock,
        policy.execute(() => (calls++ === 0 ? Promise.reject(new Error('once')) : 'ok')),
      );
      expect(result).toEqual({ ok: true, value: 'ok', at: 100 });
      expect(seen).toEqual(['second onRetry listener']);
      expect(reported.map((e) => [e.source, (e.error as Error).message])).toEqual([
        ['@dyno/retry onRetry', 'onRetry bug'],
        ['@dyno/retry onSuccess', 'onSuccess bug'],
      ]);
    });

    it('on giving up still lets the call reject with its failure', async () => {
      const clock = new ManualClock();
      const policy = make(clock, { attempts: 2 });
      policy.onGiveUp(() => {
        throw new Error('onGiveUp bug');
      });
      const result = await settle(clock, policy.execute(failing(clock, 'down').fn));
      expect(CompoundError.isInstance((result as { error: unknown }).error)).toBe(true);
      expect(reported.map((e) => e.source)).toEqual(['@dyno/retry onGiveUp']);
    });

    it('on a first-time success still resolves (the fast path)', async () => {
      const policy = make(new ManualClock());
      policy.onSuccess(() => {
        throw new Error('onSuccess bug');
      });
      await expect(policy.execute(() => 7)).resolves.toBe(7);
      expect(reported).toHaveLength(1);
    });
  });
});

describe('a dependency that returns a revoked proxy', () => {
  it('rejects the call with the TypeError reading it raises, never throws out of execute', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const policy = new Retry({ attempts: 1 });
    let call: Promise<unknown> | undefined;
    expect(() => {
      call = policy.execute(() => proxy);
    }).not.toThrow();
    await expect(call).rejects.toThrow(TypeError);
  });
});

describe('a dependency that returns a tampered promise', () => {
  // the fast path called such a promise's own `then`: execute threw, or returned no promise
  class Odd<T> extends Promise<T> {
    override then(...callbacks: unknown[]): never {
      (callbacks[0] as (value: string) => unknown)('ok');
      return 'not a promise' as never;
    }
  }
  const cases: [string, () => unknown][] = [
    ...tamperedPromises().map(([name]): [string, () => unknown] => [
      name,
      () => (tamperedPromises().find(([n]) => n === name) as [string, unknown])[1],
    ]),
    ['a Promise subclass whose then returns no promise', () => Odd.resolve('ok')],
  ];

  it.each(cases)('settles once with a native promise for %s, never throwing', async (_, fn) => {
    for (const run of [
      () => new Retry({ attempts: 1 }).execute(fn),
      () => retry(fn, { attempts: 1 })(),
    ]) {
      let call: Promise<unknown> | undefined;
      expect(() => {
        call = run();
      }).not.toThrow();
      expect(Object.getPrototypeOf(call)).toBe(Promise.prototype);
      const seen: unknown[] = [];
      (call as Promise<unknown>).then(
        (v) => seen.push(v),
        (e: Error) => seen.push(e.message),
      );
      await flushPromises();
      expect(seen).toHaveLength(1);
    }
  });
});

describe('a failure that was never retried (issue 18 #13)', () => {
  class NotFound extends Error {}

  it('reaches the caller as itself when it is not retryable', async () => {
    const clock = new ManualClock();
    const missing = new NotFound('no such user');
    const policy = make(clock, { isRetryable: (e) => !(e instanceof NotFound) });
    const result = await settle(clock, policy.execute(failing(clock, missing).fn));
    expect((result as { error: unknown }).error).toBe(missing);
  });

  it('reaches the caller as itself through retry() and retry.run(), with attempts: 1', async () => {
    const missing = new NotFound('no such user');
    const wrapped = retry(
      async () => {
        throw missing;
      },
      { attempts: 1 },
    );
    await expect(wrapped()).rejects.toBe(missing);
    await expect(retry.run(() => Promise.reject(missing), { attempts: 1 })).rejects.toBe(missing);
  });

  it('is itself also after unwanted results, and non-Error throwables too', async () => {
    const clock = new ManualClock();
    const outcomes = [() => 503, () => 503, () => Promise.reject('gone')];
    const policy = make(clock, {
      attempts: 3,
      shouldRetry: (o) => (o.failed ? true : o.result === 503),
    });
    const result = await settle(
      clock,
      policy.execute(() => (outcomes.shift() as () => unknown)()),
    );
    expect(result).toEqual({ ok: false, error: 'gone', at: 200 });
  });

  it('two failures are wrapped in a CompoundError, reason kept', async () => {
    const clock = new ManualClock();
    const first = new Error('timeout');
    const second = new NotFound('gone');
    const errors = [first, second];
    const policy = make(clock, { isRetryable: (e) => !(e instanceof NotFound) });
    const result = await settle(
      clock,
      policy.execute(() => Promise.reject(errors.shift())),
    );
    const error = (result as { error: CompoundError }).error;
    expect(CompoundError.isInstance(error)).toBe(true);
    expect(error.errors).toEqual([first, second]);
    expect(error.reason).toBe('not-retryable');
  });
});

describe('unbounded retries (issue 18 #12)', () => {
  it('keep the first and the last ten of 200,000 failed attempts, and bounded memory', async () => {
    const clock = new ManualClock();
    const total = 200_000;
    const heap = measureHeap();
    let baseline = 0;
    let grown = 0;
    let first: unknown;
    let last: unknown;
    const policy = make(clock, {
      attempts: Number.POSITIVE_INFINITY,
      maxDelay: 0,
      isRetryable: (_error, attempt) => attempt < total,
    });
    const attempts: number[] = [];
    policy.onGiveUp((e) => attempts.push(e.attempts));
    const result = await settle(
      clock,
      policy.execute(({ attempt }) => {
        clock.set(clock.now() + 1);
        // about 1 KB per error: 200 MB if every one were kept
        const error = Object.assign(new Error(`failure ${attempt}`), {
          payload: new Array(128).fill(attempt),
        });
        if (attempt === 1) {
          first = error;
          baseline = heap();
        }
        if (attempt === total) {
          last = error;
          grown = heap() - baseline;
        }
        throw error;
      }),
    );
    const error = (result as { error: CompoundError }).error;
    expect(CompoundError.isInstance(error)).toBe(true);
    expect(error.attemptCount).toBe(total);
    expect(error.droppedCount).toBe(total - 11);
    expect(error.attempts.map((a) => a.attempt)).toEqual([
      1,
      ...Array.from({ length: 10 }, (_, i) => total - 9 + i),
    ]);
    expect(error.errors).toHaveLength(11);
    expect(error.errors[0]).toBe(first);
    expect(error.cause).toBe(last);
    expect(error.message).toBe(
      `Gave up after ${total} attempts (the last failure is not retryable): failure ${total}`,
    );
    expect(attempts).toEqual([total]);
    // the kept record is 11 errors; a history of every attempt would be about 200 MB
    expect(grown).toBeLessThan(30 * 2 ** 20);
  });

  it('keep bounded memory when the caller gave a signal (no reaction left per attempt)', async () => {
    // each attempt's race against the signal used to stay attached to one promise made for the
    // whole call, holding that attempt's error until the call ended (an async `fn`: a
    // synchronous throw is never raced)
    const clock = new ManualClock();
    const total = 50_000;
    const heap = measureHeap();
    let baseline = 0;
    let grown = 0;
    const policy = make(clock, {
      attempts: Number.POSITIVE_INFINITY,
      maxDelay: 0,
      isRetryable: (_error, attempt) => attempt < total,
    });
    const signal = new AbortController().signal;
    const result = await settle(
      clock,
      policy.execute(
        async ({ attempt }) => {
          if (attempt === 1) baseline = heap();
          if (attempt === total) grown = heap() - baseline;
          // about 1 KB per error: 50 MB if every one were kept
          throw Object.assign(new Error(`failure ${attempt}`), {
            payload: new Array(128).fill(attempt),
          });
        },
        { signal },
      ),
    );
    expect((result as { error: CompoundError }).error.attemptCount).toBe(total);
    expect(grown).toBeLessThan(10 * 2 ** 20);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('retries with no wait between them', () => {
  it('yield to the event loop, so a macrotask can still abort a million of them', async () => {
    // every wait 0 and every attempt failing at once (an open circuit, a full pool): the attempts
    // ran back to back on microtasks, so no timer, I/O or shutdown signal ran until they ended
    const controller = new AbortController();
    const reason = new Error('shutting down');
    setImmediate(() => controller.abort(reason));
    let calls = 0;
    const policy = new Retry({ attempts: 1_000_000, maxDelay: 0 });
    const outcome = policy.execute(
      () => {
        calls++;
        throw new Error('refused');
      },
      { signal: controller.signal },
    );
    await expect(outcome).rejects.toBe(reason);
    expect(calls).toBeLessThan(10_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('take a fair share of the event loop when many run at once', async () => {
    const policy = new Retry({ attempts: 1_000, maxDelay: 0 });
    let turns = 0;
    const count = (): void => {
      turns++;
      if (turns < 1_000) setImmediate(count);
    };
    setImmediate(count);
    const calls = Array.from({ length: 10 }, () =>
      policy.execute(() => {
        throw new Error('refused');
      }),
    );
    const results = await Promise.allSettled(calls);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    // 10,000 attempts in all: the event loop turned between them, not only after the last
    expect(turns).toBeGreaterThan(1);
  });
});

/** `heapUsed` after a full collection (gc exposed at run time, as `node --expose-gc` would). */
function measureHeap(): () => number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
}
