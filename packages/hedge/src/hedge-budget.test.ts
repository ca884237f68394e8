import { ManualClock } from '@dyno/core/testing';
import { DEFAULT_HEDGE_BUDGET_OPTIONS, HedgeBudget } from './hedge-budget.js';

describe('HedgeBudget', () => {
  it('allows ratio × calls extra attempts, plus the per-second floor', () => {
    const clock = new ManualClock();
    const budget = new HedgeBudget({ clock, ratio: 0.29, minPerSecond: 0.2, window: 10_000 });
    for (let i = 0; i < 100; i++) budget.recordCall();
    expect(budget.available).toBe(31); // 29 + 2, with no float rounding short of 29
    for (let i = 0; i < 31; i++) expect(budget.tryHedge()).toBe(true);
    expect(budget.tryHedge()).toBe(false);
    expect(budget.hedges).toBe(31);
    expect(budget.available).toBe(0);
  });

  it('rolls its window in tenths, lazily, without a timer', async () => {
    const clock = new ManualClock();
    const budget = new HedgeBudget({ clock, ratio: 1 });
    budget.recordCall();
    await clock.advance(5_000);
    budget.recordCall();
    expect(budget.tryHedge()).toBe(true);
    expect(clock.pending).toBe(0);
    await clock.advance(5_000); // the first call's tenth has left the window
    expect(budget.calls).toBe(1);
    expect(budget.hedges).toBe(1);
    expect(budget.tryHedge()).toBe(false);
    await clock.advance(5_000);
    expect([budget.calls, budget.hedges, budget.available]).toEqual([0, 0, 0]);
  });

  it('has frozen defaults and validates its options', () => {
    expect(Object.isFrozen(DEFAULT_HEDGE_BUDGET_OPTIONS)).toBe(true);
    expect(new HedgeBudget().ratio).toBe(0.1);
    expect(() => new HedgeBudget({ window: 5 })).toThrow(
      new RangeError(
        '@dyno/hedge: option `window` must be a duration in ms from 10 to 2147483647; received 5',
      ),
    );
    expect(() => new HedgeBudget({ minPerSecond: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
