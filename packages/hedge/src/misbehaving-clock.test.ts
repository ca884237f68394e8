import { MAX_DURATION } from '@dyno/core';
import {
  FailingClock,
  flushPromises,
  listenerReports,
  ManualClock,
  OddClock,
} from '@dyno/core/testing';
import { HedgeBudget } from './hedge-budget.js';
import { Hedge } from './hedge-policy.js';
import { held, outcome } from './test-support/attempts.js';

const DAY = 86_400_000;
const PERCENTILE = { percentile: 50, minSamples: 1, samples: 4, initial: 100 };

describe('Hedge on a clock that misbehaves', () => {
  it('is refused at construction, naming the option, when its now() cannot read the time', () => {
    const unbound = { now: performance.now, setTimeout, clearTimeout };
    const odd = new OddClock();
    odd.read = () => Number.NaN;
    for (const clock of [unbound, odd]) {
      expect(() => new Hedge({ clock })).toThrow(/^@dyno\/hedge: option `clock` must /);
      expect(() => new HedgeBudget({ clock })).toThrow(TypeError);
    }
  });

  it('settles a call whose clock throws as an attempt wins', async () => {
    const clock = new FailingClock();
    const hedge = new Hedge({ clock, budget: false, delay: PERCENTILE });
    const reports = await listenerReports(async () => {
      const call = outcome(
        hedge.execute(() => {
          clock.failing = true;
          return Promise.resolve('won');
        }),
      );
      await flushPromises();
      expect(call).toEqual({ settled: true, value: 'won' });
    });
    expect(reports.map((r) => r.source)).toEqual([
      expect.stringMatching(/^@dyno\/hedge ".+" clock$/),
    ]);
  });

  it.each([
    ['NaN', () => Number.NaN],
    ['a string', () => '5'],
    ['a time a day back', (t: number) => t - DAY],
  ])(
    'arms no timer for NaN or negative ms when now() read %s as an attempt won',
    async (_, read) => {
      const clock = new OddClock(2 * DAY);
      const delays: number[] = [];
      const setTimer = clock.setTimeout.bind(clock);
      clock.setTimeout = (callback, ms) => {
        delays.push(ms);
        return setTimer(callback, ms);
      };
      const hedge = new Hedge({ clock, budget: false, maxAttempts: 2, delay: PERCENTILE });
      await listenerReports(async () => {
        const slow = () =>
          new Promise((resolve) => {
            setTimer(() => {
              clock.read = read;
              resolve('done');
            }, 50);
          });
        const first = outcome(hedge.execute(slow));
        await clock.advance(50);
        expect(first).toEqual({ settled: true, value: 'done' });
        clock.read = undefined;
        const second = outcome(hedge.execute(slow));
        await clock.advance(50);
        expect(second).toEqual({ settled: true, value: 'done' });
      });
      expect(delays.length).toBeGreaterThanOrEqual(2);
      expect(delays.every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
    },
  );
});

describe('Hedge after an attempt that took longer than a timer can wait', () => {
  it('waits at most 2 ** 31 - 1 ms, never a longer delay that Node fires after 1 ms', async () => {
    // an attempt accepted after 25 days (a hung connection that answered, a clock that jumped
    // forwards across a suspend) made the percentile delay longer than Node's timers hold:
    // Node fires those after 1 ms, so every later call hedged at once
    const clock = new ManualClock();
    const delays: number[] = [];
    const setTimer = clock.setTimeout.bind(clock);
    clock.setTimeout = (callback, ms) => {
      delays.push(ms);
      return setTimer(callback, ms);
    };
    const hedge = new Hedge({ clock, budget: false, maxAttempts: 2, delay: PERCENTILE });
    const { fn, attempts } = held(clock);
    const first = outcome(hedge.execute(fn));
    clock.set(2 ** 31 + 5_000);
    attempts[0]?.resolve('late');
    await flushPromises();
    expect(first).toEqual({ settled: true, value: 'late' });
    expect(hedge.delay).toBe(MAX_DURATION);
    outcome(hedge.execute(fn));
    expect(delays).toEqual([100, MAX_DURATION]);
  });
});

describe('HedgeBudget on a clock that misbehaves', () => {
  it('forgets old calls once its window has passed after a NaN reading', async () => {
    const clock = new OddClock();
    const budget = new HedgeBudget({ clock, ratio: 0.5, minPerSecond: 0, window: 1_000 });
    await listenerReports(async () => {
      clock.read = () => Number.NaN;
      for (let i = 0; i < 10; i++) budget.recordCall();
      clock.read = undefined;
      expect(budget.calls).toBe(10);
      await clock.advance(1_000);
      expect(budget.calls).toBe(0);
    });
  });
});
