import { onListenerError } from '@dyno/core';
import { flushPromises, ManualClock, tamperedPromises } from '@dyno/core/testing';
import { HedgeError, HedgeLostError } from './errors.js';
import type { HedgeEvent, RefuseEvent, WinEvent } from './events.js';
import { Hedge } from './hedge-policy.js';
import { held, outcome } from './test-support/attempts.js';

const make = (clock: ManualClock, options: ConstructorParameters<typeof Hedge>[0] = {}) =>
  new Hedge({ clock, budget: false, ...options });

describe('Hedge', () => {
  it('starts no second attempt when the first settles within the delay', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 100 });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(99);
    attempts[0]?.resolve('first');
    await flushPromises();
    expect(call).toEqual({ settled: true, value: 'first' });
    expect(attempts).toHaveLength(1);
    expect(clock.pending).toBe(0);
    expect(attempts[0]?.context.signal.aborted).toBe(false);
    expect(hedge.counts).toEqual({ calls: 1, hedges: 0, wins: 0, refused: 0 });
  });

  it('starts a hedge after the fixed delay; the first acceptable result wins and the loser is aborted', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 100, name: 'users' });
    const hedges: HedgeEvent[] = [];
    const wins: WinEvent[] = [];
    hedge.onHedge((e) => hedges.push(e));
    hedge.onWin((e) => wins.push(e));
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(100);
    expect(attempts.map((a) => [a.context.attempt, a.startedAt])).toEqual([
      [1, 0],
      [2, 100],
    ]);
    await clock.advance(30);
    attempts[1]?.resolve('second');
    await flushPromises();
    expect(call).toEqual({ settled: true, value: 'second' });
    const reason = attempts[0]?.context.signal.reason;
    expect(HedgeLostError.isInstance(reason)).toBe(true);
    expect(reason).toMatchObject({ code: 'DYNO_HEDGE_LOST', source: 'users', winner: 2 });
    expect(attempts[1]?.context.signal.aborted).toBe(false);
    expect(hedges).toEqual([{ name: 'users', attempt: 2, trigger: 'delay' }]);
    expect(wins).toEqual([{ name: 'users', attempt: 2, started: 2, duration: 130 }]);
    expect(hedge.counts).toEqual({ calls: 1, hedges: 1, wins: 1, refused: 0 });
    // the loser's late result changes nothing
    attempts[0]?.resolve('late');
    await flushPromises();
    expect(call.value).toBe('second');
    expect(clock.pending).toBe(0);
  });

  it('lets the first attempt win after a hedge started, aborting the hedge', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 50 });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(60);
    attempts[0]?.resolve('first');
    await flushPromises();
    expect(call.value).toBe('first');
    expect(attempts[1]?.context.signal.reason).toMatchObject({ winner: 1 });
    expect(hedge.counts).toMatchObject({ hedges: 1, wins: 0 });
  });

  it('keeps at most maxAttempts attempts, each started a delay after the previous one', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 100, maxAttempts: 3 });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(1_000);
    expect(attempts.map((a) => a.startedAt)).toEqual([0, 100, 200]);
    expect(clock.pending).toBe(0);
    attempts[2]?.resolve('third');
    await flushPromises();
    expect(call.value).toBe('third');
    expect(attempts.slice(0, 2).every((a) => a.context.signal.aborted)).toBe(true);
  });

  it('starts the next attempt at once when one fails, and resets the delay from there', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 100, maxAttempts: 3 });
    const hedges: HedgeEvent[] = [];
    hedge.onHedge((e) => hedges.push(e));
    const { fn, attempts } = held(clock);
    outcome(hedge.execute(fn));
    await clock.advance(20);
    attempts[0]?.reject(new Error('reset'));
    await flushPromises();
    expect(attempts.map((a) => a.startedAt)).toEqual([0, 20]);
    await clock.advance(99);
    expect(attempts).toHaveLength(2);
    await clock.advance(1);
    expect(attempts.map((a) => a.startedAt)).toEqual([0, 20, 120]);
    expect(hedges.map((e) => e.trigger)).toEqual(['failure', 'delay']);
    attempts[1]?.resolve('ok');
  });

  it('rejects with a failure that was never hedged as itself', async () => {
    const clock = new ManualClock();
    const boom = new Error('boom');
    const hedge = make(clock, { delay: 100, maxAttempts: 1 });
    await expect(hedge.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    expect(clock.pending).toBe(0);
  });

  it('rejects with a HedgeError holding every failure in start order when all attempts fail', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 100, maxAttempts: 3, name: 'h' });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(200);
    const [a, b, c] = [new Error('a'), new Error('b'), new Error('c')];
    attempts[1]?.reject(b);
    attempts[2]?.reject(c);
    attempts[0]?.reject(a);
    await flushPromises();
    const error = call.error as HedgeError;
    expect(HedgeError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(HedgeError);
    expect(error.errors).toEqual([a, b, c]);
    expect(error.cause).toBe(a);
    expect(error).toMatchObject({ code: 'DYNO_HEDGE_FAILED', source: 'h' });
    expect(error.message).toBe('All 3 hedged attempts failed: a');
    expect(clock.pending).toBe(0);
  });

  it('treats synchronous throws and non-Error throwables as failures', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { maxAttempts: 2 });
    let calls = 0;
    const error = await hedge
      .execute(() => {
        calls++;
        throw undefined;
      })
      .catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect((error as HedgeError).errors).toEqual([undefined, undefined]);
    expect((error as HedgeError).message).toBe('All 2 hedged attempts failed: undefined');
  });

  it('judges results with isAcceptable, and resolves with the last unacceptable result when none is', async () => {
    const clock = new ManualClock();
    const seen: [unknown, number][] = [];
    const hedge = make(clock, {
      maxAttempts: 2,
      isAcceptable: (o, attempt) => {
        seen.push([o.failed ? o.error : o.result, attempt]);
        return !o.failed && o.result !== 503;
      },
    });
    const { fn, attempts } = held<number>(clock);
    const call = outcome(hedge.execute(fn));
    attempts[0]?.resolve(503);
    await flushPromises();
    expect(attempts).toHaveLength(2); // the unacceptable result started the hedge at once
    attempts[1]?.resolve(503);
    await flushPromises();
    expect(call).toEqual({ settled: true, value: 503 });
    expect(seen).toEqual([
      [503, 1],
      [503, 2],
    ]);
  });

  it('prefers an unacceptable result over failures when nothing is acceptable', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { maxAttempts: 2, isAcceptable: () => false });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    attempts[0]?.resolve('degraded');
    await flushPromises();
    attempts[1]?.reject(new Error('down'));
    await flushPromises();
    expect(call.value).toBe('degraded');
  });

  it('lets isAcceptable accept an error, which then settles the call', async () => {
    const clock = new ManualClock();
    const notFound = new Error('404');
    const hedge = make(clock, { isAcceptable: (o) => !o.failed || o.error === notFound });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(100);
    attempts[1]?.reject(notFound);
    await flushPromises();
    expect(call.error).toBe(notFound);
    expect(attempts[0]?.context.signal.aborted).toBe(true);
  });

  it('rejects with what a throwing isAcceptable threw and stops the other attempts', async () => {
    const clock = new ManualClock();
    const bug = new Error('predicate bug');
    const hedge = make(clock, {
      isAcceptable: () => {
        throw bug;
      },
    });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(100);
    attempts[1]?.resolve('x');
    await flushPromises();
    expect(call.error).toBe(bug);
    expect(attempts[0]?.context.signal.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('rejects with a TypeError naming an async isAcceptable, and stops the other attempts', async () => {
    // a promise is not `true`: every outcome was unacceptable, and every attempt ran
    const clock = new ManualClock();
    const hedge = make(clock, { isAcceptable: (async () => true) as never });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(100);
    attempts[1]?.resolve('x');
    await flushPromises();
    expect(call.error).toBeInstanceOf(TypeError);
    expect((call.error as Error).message).toContain('`isAcceptable` must return a boolean');
    expect(attempts[0]?.context.signal.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('rejects at once with the caller’s reason, aborting every attempt and clearing the timer', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 100, maxAttempts: 3 });
    const { fn, attempts } = held(clock);
    const controller = new AbortController();
    const call = outcome(hedge.execute(fn, { signal: controller.signal }));
    await clock.advance(150);
    const why = new Error('caller gave up');
    controller.abort(why);
    await flushPromises();
    expect(call.error).toBe(why);
    expect(attempts.map((a) => a.context.signal.reason)).toEqual([why, why]);
    expect(clock.pending).toBe(0);
  });

  it('starts no attempt and arms no timer when an onHedge listener aborts the caller', async () => {
    // the hedge was launched after the listener had ended the call: it ran with a signal
    // nobody would abort, and its delay timer stayed armed
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 100, maxAttempts: 3 });
    const controller = new AbortController();
    const why = new Error('enough');
    hedge.onHedge(() => controller.abort(why));
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn, { signal: controller.signal }));
    await clock.advance(100);
    await flushPromises();
    expect(call.error).toBe(why);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.context.signal.reason).toBe(why);
    expect(clock.pending).toBe(0);
  });

  it.each([
    ['refuses', false],
    ['accepts', true],
  ])(
    'starts no attempt and counts nothing when isAcceptable aborts the caller and %s',
    async (_, verdict) => {
      // the predicate ran inside the call's bookkeeping: the abort settled the call, and then a
      // refusal launched the next attempt (a signal nobody would abort, its timer armed, a hedge
      // taken from the budget) and an acceptance counted a win and a latency for a call the
      // caller saw rejected
      const clock = new ManualClock();
      const budget = { ratio: 1, minPerSecond: 100 };
      const controller = new AbortController();
      const why = new Error('enough');
      let judged = 0;
      const policy = new Hedge({
        clock,
        budget,
        maxAttempts: 3,
        // a latency sample would move the delay off its initial 100 ms
        delay: { percentile: 50, minSamples: 1, samples: 4, initial: 100 },
        isAcceptable: () => {
          judged++;
          controller.abort(why);
          return verdict;
        },
      });
      const { fn, attempts } = held(clock);
      const call = outcome(policy.execute(fn, { signal: controller.signal }));
      await clock.advance(100); // attempt 2 starts
      attempts[1]?.resolve('second');
      await flushPromises();
      expect(call.error).toBe(why);
      expect(judged).toBe(1);
      expect(attempts).toHaveLength(2);
      expect(attempts[0]?.context.signal.reason).toBe(why);
      expect(clock.pending).toBe(0);
      expect(policy.counts).toEqual({ calls: 1, hedges: 1, wins: 0, refused: 0 });
      expect(policy.budget?.hedges).toBe(1);
      expect(policy.delay).toBe(100);
    },
  );

  it.each(tamperedPromises())(
    'settles once when a hedge returns %s, never throwing out of its timer',
    async (_, tampered) => {
      // a throwing `constructor` threw out of the delay timer: with the system clock, an
      // uncaught exception
      const clock = new ManualClock();
      const hedge = make(clock, { delay: 100, maxAttempts: 2 });
      const { fn, attempts } = held(clock);
      const call = outcome(
        hedge.execute((context) => (context.attempt === 1 ? fn(context) : tampered)),
      );
      await clock.advance(100);
      attempts[0]?.resolve('first');
      await flushPromises();
      // the own `then` answers 'ok' first and wins; the broken one fails, and the first wins
      expect(call).toEqual({ settled: true, value: expect.stringMatching(/^(ok|first)$/) });
      expect(clock.pending).toBe(0);
    },
  );

  it('rejects before running fn when the signal has already aborted', async () => {
    const clock = new ManualClock();
    const hedge = make(clock);
    const fn = jest.fn();
    const why = new Error('already');
    await expect(hedge.execute(fn, { signal: AbortSignal.abort(why) })).rejects.toBe(why);
    expect(fn).not.toHaveBeenCalled();
    expect(hedge.counts.calls).toBe(0);
  });

  it('leaks nothing when attempts ignore their signal and never settle', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 10, maxAttempts: 3 });
    const controller = new AbortController();
    const add = jest.spyOn(controller.signal, 'addEventListener');
    const remove = jest.spyOn(controller.signal, 'removeEventListener');
    let n = 0;
    const call = outcome(
      hedge.execute(() => (++n === 3 ? Promise.resolve('third') : new Promise<string>(() => {})), {
        signal: controller.signal,
      }),
    );
    await clock.advance(20);
    expect(call.value).toBe('third');
    expect(clock.pending).toBe(0);
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledTimes(1);
    controller.abort(); // nothing listens any more
    expect(call.value).toBe('third');
  });

  it('adopts a thenable that calls back twice only once', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { maxAttempts: 1 });
    const twice = {
      then(ok: (v: string) => void, fail: (e: unknown) => void) {
        ok('once');
        ok('twice');
        fail(new Error('after'));
      },
    };
    await expect(hedge.execute(() => twice as unknown as PromiseLike<string>)).resolves.toBe(
      'once',
    );
  });

  it('reports a throwing listener and goes on', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: 10 });
    const reported: unknown[] = [];
    using _sub = onListenerError((e) => reported.push(e.source));
    const bug = new Error('listener');
    hedge.onHedge(() => {
      throw bug;
    });
    hedge.onWin(() => {
      throw bug;
    });
    const { fn, attempts } = held(clock);
    const call = outcome(hedge.execute(fn));
    await clock.advance(10);
    attempts[1]?.resolve('ok');
    await flushPromises();
    expect(call.value).toBe('ok');
    expect(reported).toEqual(['@dyno/hedge onHedge', '@dyno/hedge onWin']);
  });

  it('rejects a call whose fn is not a function, or whose signal is not a signal', async () => {
    const hedge = make(new ManualClock());
    await expect(hedge.execute(42 as never)).rejects.toThrow(
      new TypeError('@dyno/hedge: `fn` must be a function; received 42'),
    );
    await expect(hedge.execute(() => 1, { signal: 'x' as never })).rejects.toThrow(
      new TypeError('@dyno/hedge: `signal` must be an AbortSignal; received "x"'),
    );
  });
});

describe('Hedge with a percentile delay', () => {
  it('waits the initial delay until minSamples latencies are known, then the percentile', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, {
      delay: { percentile: 50, minSamples: 3, samples: 4, initial: 70 },
    });
    expect(hedge.delay).toBe(70);
    const { fn, attempts } = held(clock);
    for (const latency of [10, 30, 20]) {
      const call = outcome(hedge.execute(fn));
      await clock.advance(latency);
      attempts.at(-1)?.resolve('ok');
      await flushPromises();
      expect(call.value).toBe('ok');
    }
    expect(hedge.delay).toBe(20); // nearest rank: index floor(3 * 50 / 100) of [10, 20, 30]
    const call = outcome(hedge.execute(fn));
    await clock.advance(20);
    expect(attempts).toHaveLength(5); // the hedge started at the median
    attempts[4]?.resolve('hedge'); // a hedge's latency is measured from its own start: 0
    await flushPromises();
    expect(call.value).toBe('hedge');
    // the ring holds the latest 4: 10, 30, 20, 0
    expect(hedge.delay).toBe(20);
    const next = outcome(hedge.execute(fn));
    await clock.advance(5);
    attempts.at(-1)?.resolve('ok'); // 5 replaces 10: 0, 5, 20, 30
    await flushPromises();
    expect(next.value).toBe('ok');
    expect(hedge.delay).toBe(20);
  });

  it('does not learn from failures', async () => {
    const clock = new ManualClock();
    const hedge = make(clock, { delay: { percentile: 90, minSamples: 1 }, maxAttempts: 1 });
    await clock.advance(5);
    await hedge.execute(() => Promise.reject(new Error('fast failure'))).catch(() => undefined);
    expect(hedge.delay).toBe(100);
  });
});

describe('Hedge with a budget', () => {
  it('allows extra attempts only as a share of recent calls, and says when it refuses', async () => {
    const clock = new ManualClock();
    const hedge = new Hedge({ clock, delay: 10, budget: { ratio: 0.1 } });
    const refusals: RefuseEvent[] = [];
    hedge.onRefuse((e) => refusals.push(e));
    const { fn, attempts } = held(clock);
    for (let i = 0; i < 9; i++) {
      const call = outcome(hedge.execute(fn));
      await clock.advance(10);
      attempts.at(-1)?.resolve('ok');
      await flushPromises();
      expect(call.settled).toBe(true);
    }
    expect(attempts).toHaveLength(9); // 9 calls buy 0.9 hedges: none
    expect(refusals).toHaveLength(9);
    outcome(hedge.execute(fn));
    await clock.advance(10);
    expect(attempts).toHaveLength(11); // the 10th call buys one
    expect(hedge.counts).toEqual({ calls: 10, hedges: 1, wins: 0, refused: 9 });
    expect(hedge.budget?.available).toBe(0);
    await clock.advance(10_000); // the window rolls, lazily
    expect(hedge.budget?.calls).toBe(0);
  });

  it('shares a HedgeBudget between instances', async () => {
    const { HedgeBudget } = await import('./hedge-budget.js');
    const clock = new ManualClock();
    const budget = new HedgeBudget({ clock, ratio: 0, minPerSecond: 0.1 }); // 1 per 10 s
    const a = new Hedge({ clock, delay: 1, budget });
    const b = new Hedge({ clock, delay: 1, budget });
    const { fn, attempts } = held(clock);
    outcome(a.execute(fn));
    outcome(b.execute(fn));
    await clock.advance(1);
    expect(attempts).toHaveLength(3);
    expect(a.budget).toBe(budget);
    expect(budget.hedges).toBe(1);
  });
});
