import { ManualClock } from '@dyno/core/testing';
import { RetryBudget } from './retry-budget.js';

describe('RetryBudget', () => {
  it('allows the floor of retries with no traffic at all', () => {
    const budget = new RetryBudget({ clock: new ManualClock(), minPerSecond: 1, window: 10_000 });
    expect(budget.available).toBe(10);
    for (let i = 0; i < 10; i++) expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    expect(budget.retries).toBe(10);
  });

  it('allows 20 % of the calls on top of the floor', () => {
    const budget = new RetryBudget({ clock: new ManualClock(), minPerSecond: 0 });
    for (let i = 0; i < 100; i++) budget.recordCall();
    expect(budget.calls).toBe(100);
    let granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(20);
    expect(budget.available).toBe(0);
  });

  it('takes nothing when it refuses', () => {
    const budget = new RetryBudget({ clock: new ManualClock(), minPerSecond: 0 });
    expect(budget.tryRetry()).toBe(false);
    expect(budget.retries).toBe(0);
  });

  it('forgets calls and retries as the window rolls, lazily on the clock', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ clock, minPerSecond: 0, ratio: 0.5 });
    for (let i = 0; i < 10; i++) budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
    clock.set(5_000);
    for (let i = 0; i < 10; i++) budget.recordCall();
    expect(budget.calls).toBe(20);
    expect(budget.available).toBe(9);
    clock.set(10_000); // the first second's bucket falls out
    expect(budget.calls).toBe(10);
    expect(budget.retries).toBe(0);
    expect(budget.available).toBe(5);
    clock.set(14_999);
    expect(budget.calls).toBe(10);
    clock.set(15_000);
    expect(budget.calls).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('clears everything after a long quiet spell', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ clock, minPerSecond: 0 });
    for (let i = 0; i < 50; i++) budget.recordCall();
    budget.tryRetry();
    clock.set(1_000_000);
    expect(budget.calls).toBe(0);
    expect(budget.retries).toBe(0);
    budget.recordCall();
    expect(budget.calls).toBe(1);
  });

  it('has documented defaults', () => {
    const budget = new RetryBudget();
    expect([budget.ratio, budget.minPerSecond, budget.window]).toEqual([0.2, 1, 10_000]);
  });

  it('rejects bad options with clear messages', () => {
    expect(() => new RetryBudget({ ratio: -0.1 })).toThrow(
      new RangeError(
        '@dyno/retry: option `ratio` must be a finite number from 0 to 1000; received -0.1',
      ),
    );
    expect(() => new RetryBudget({ window: 5 })).toThrow(RangeError);
    expect(() => new RetryBudget({ minPerSecond: Number.NaN })).toThrow(RangeError);
    expect(() => new RetryBudget({ percent: 20 } as never)).toThrow(
      new TypeError(
        '@dyno/retry: unknown option `percent` (known: ratio, minPerSecond, window, clock)',
      ),
    );
  });
});
