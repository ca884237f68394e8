import { onListenerError } from '@dyno/core';
import { flushPromises, ManualClock } from '@dyno/core/testing';
import { HedgeLostError } from './errors.js';
import type { RefuseEvent, WinEvent } from './events.js';
import { hedge } from './hedge.js';
import { HedgeBudget } from './hedge-budget.js';
import { Hedge } from './hedge-policy.js';
import type { HedgeOutcome } from './options.js';
import { held, outcome } from './test-support/attempts.js';

// Behaviour that mutation testing (docs/reliability.md) showed no other test pinned down.

const make = (clock: ManualClock, options: ConstructorParameters<typeof Hedge>[0] = {}) =>
  new Hedge({ clock, budget: false, ...options });

describe('Hedge when the budget refuses', () => {
  it('rejects with the failure when the budget refuses the next attempt and none is running', async () => {
    const clock = new ManualClock();
    const policy = new Hedge({ clock, name: 'h', budget: { ratio: 0 } }); // a budget of nothing
    const refusals: RefuseEvent[] = [];
    policy.onRefuse((e) => refusals.push(e));
    const { fn, attempts } = held(clock);
    const call = outcome(policy.execute(fn));
    const boom = new Error('boom');
    attempts[0]?.reject(boom);
    await flushPromises();
    expect(call).toEqual({ settled: true, error: boom });
    expect(refusals).toEqual([{ name: 'h', attempt: 2 }]);
    expect(policy.counts).toEqual({ calls: 1, hedges: 0, wins: 0, refused: 1 });
    expect(clock.pending).toBe(0);
  });

  it('reports a throwing onRefuse listener under its own name', async () => {
    const clock = new ManualClock();
    const policy = new Hedge({ clock, budget: { ratio: 0 } });
    const reported: unknown[] = [];
    using _sub = onListenerError((e) => reported.push(e.source));
    policy.onRefuse(() => {
      throw new Error('listener');
    });
    await expect(policy.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(reported).toEqual(['@dyno/hedge onRefuse']);
  });
});

describe('Hedge after a call is won', () => {
  it('reports the win’s duration from the call’s start, on a clock that does not start at 0', async () => {
    const clock = new ManualClock(1_000);
    const policy = make(clock, { delay: 100, name: 'w' });
    const wins: WinEvent[] = [];
    policy.onWin((e) => wins.push(e));
    const { fn, attempts } = held(clock);
    const call = outcome(policy.execute(fn));
    await clock.advance(130);
    attempts[1]?.resolve('second');
    await flushPromises();
    expect(call.value).toBe('second');
    expect(wins).toEqual([{ name: 'w', attempt: 2, started: 2, duration: 130 }]);
  });

  it('neither judges nor counts a losing hedge’s late result', async () => {
    const clock = new ManualClock();
    const judged: [HedgeOutcome, number][] = [];
    const wins: WinEvent[] = [];
    const policy = make(clock, {
      delay: 100,
      isAcceptable: (o, attempt) => {
        judged.push([o, attempt]);
        return !o.failed;
      },
    });
    policy.onWin((e) => wins.push(e));
    const { fn, attempts } = held(clock);
    const call = outcome(policy.execute(fn));
    await clock.advance(150);
    attempts[0]?.resolve('first');
    await flushPromises();
    attempts[1]?.resolve('late');
    await flushPromises();
    expect(call.value).toBe('first');
    expect(judged).toEqual([[{ failed: false, result: 'first' }, 1]]);
    expect(wins).toEqual([]);
    expect(policy.counts).toEqual({ calls: 1, hedges: 1, wins: 0, refused: 0 });
  });

  it('starts no attempt for a loser’s late failure', async () => {
    const clock = new ManualClock();
    const policy = make(clock, { delay: 100, maxAttempts: 3 });
    const { fn, attempts } = held(clock);
    const call = outcome(policy.execute(fn));
    await clock.advance(150);
    attempts[0]?.resolve('first');
    await flushPromises();
    attempts[1]?.reject(new Error('late'));
    await flushPromises();
    await clock.advance(1_000);
    expect(call.value).toBe('first');
    expect(attempts).toHaveLength(2);
    expect(policy.counts).toEqual({ calls: 1, hedges: 1, wins: 0, refused: 0 });
  });

  it('aborts no attempt that already failed, nor the winner', async () => {
    const clock = new ManualClock();
    const policy = make(clock, { delay: 100 });
    const { fn, attempts } = held(clock);
    const call = outcome(policy.execute(fn));
    attempts[0]?.reject(new Error('fast failure')); // the hedge starts at once
    await flushPromises();
    attempts[1]?.resolve('second');
    await flushPromises();
    expect(call.value).toBe('second');
    expect(attempts.map((a) => a.context.signal.aborted)).toEqual([false, false]);
  });

  it('aborts a loser with a HedgeLostError that names the winner in its message', async () => {
    const clock = new ManualClock();
    const policy = make(clock, { delay: 100 });
    const { fn, attempts } = held(clock);
    outcome(policy.execute(fn));
    await clock.advance(100);
    attempts[1]?.resolve('second');
    await flushPromises();
    const reason = attempts[0]?.context.signal.reason as HedgeLostError;
    expect(reason).toBeInstanceOf(HedgeLostError);
    expect(reason.message).toBe('Attempt 2 of a hedged call won');
  });

  it('holds no timer while the last attempt runs', async () => {
    const clock = new ManualClock();
    const policy = make(clock, { delay: 100, maxAttempts: 2 });
    const { fn, attempts } = held(clock);
    const call = outcome(policy.execute(fn));
    expect(clock.pending).toBe(1); // the delay before the hedge
    await clock.advance(100);
    expect(attempts).toHaveLength(2);
    expect(clock.pending).toBe(0); // no attempt is left to start
    attempts[1]?.resolve('second');
    await flushPromises();
    expect(call.value).toBe('second');
  });
});

describe('Hedge with a percentile delay, mutation-tested', () => {
  it('learns a winning hedge’s latency from the hedge’s own start, not the call’s', async () => {
    const clock = new ManualClock();
    const policy = make(clock, {
      delay: { percentile: 50, samples: 1, minSamples: 1, initial: 50 },
    });
    const { fn, attempts } = held(clock);
    const call = outcome(policy.execute(fn));
    await clock.advance(50); // the hedge starts
    await clock.advance(10);
    attempts[1]?.resolve('hedge');
    await flushPromises();
    expect(call.value).toBe('hedge');
    expect(policy.delay).toBe(10); // not 60
  });

  it('accepts minSamples equal to samples', () => {
    const policy = new Hedge({ delay: { percentile: 50, samples: 5, minSamples: 5, initial: 7 } });
    expect(policy.delay).toBe(7);
  });
});

describe('Hedge.execute', () => {
  it('calls fn with the attempt’s context alone', async () => {
    const policy = make(new ManualClock());
    const seen: unknown[][] = [];
    await policy.execute((...args: unknown[]) => {
      seen.push(args);
      return 'ok';
    });
    expect(seen).toEqual([[expect.objectContaining({ attempt: 1 })]]);
  });
});

describe('Hedge options, mutation-tested', () => {
  it('rejects a null budget', () => {
    expect(() => new Hedge({ budget: null as never })).toThrow(
      new TypeError(
        '@dyno/hedge: option `budget` must be a HedgeBudget, HedgeBudgetOptions or false; received null',
      ),
    );
  });
});

describe('hedge(fn, options), mutation-tested', () => {
  it('rejects null options and a signal that is not one, naming them', () => {
    expect(() => hedge(() => 1, null as never)).toThrow(
      new TypeError('@dyno/hedge: options must be an object; received null'),
    );
    expect(() => hedge(() => 1, { signal: 5 as never })).toThrow(
      new TypeError('@dyno/hedge: option `signal` must be an AbortSignal; received 5'),
    );
  });

  it('exposes its policy as an enumerable, read-only `.hedge`', () => {
    const policy = new Hedge({ budget: false });
    const hedged = hedge(() => 1, policy);
    expect(Object.keys(hedged)).toEqual(['hedge']);
    expect(Object.getOwnPropertyDescriptor(hedged, 'hedge')).toMatchObject({
      value: policy,
      writable: false,
      configurable: false,
    });
  });
});

describe('HedgeBudget window, mutation-tested', () => {
  it('counts a call made exactly at a tenth’s start for the whole window after it', async () => {
    const clock = new ManualClock();
    const budget = new HedgeBudget({ clock, window: 10_000 }); // tenths of 1 s
    budget.recordCall(); // at 0
    await clock.advance(1_000);
    budget.recordCall(); // at 1 000: the second tenth
    await clock.advance(8_999);
    expect(budget.calls).toBe(2); // at 9 999 both count
    await clock.advance(1);
    expect(budget.calls).toBe(1); // at 10 000 the first has left
    await clock.advance(999);
    expect(budget.calls).toBe(1);
    await clock.advance(1);
    expect(budget.calls).toBe(0); // at 11 000 the second has left
  });
});
