import { ManualClock } from '@dyno/core/testing';
import { HedgeBudget } from './hedge-budget.js';
import { Hedge } from './hedge-policy.js';
import { DEFAULT_HEDGE_OPTIONS, DEFAULT_PERCENTILE_DELAY } from './options.js';

describe('Hedge options', () => {
  it('has frozen defaults', () => {
    expect(Object.isFrozen(DEFAULT_HEDGE_OPTIONS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_PERCENTILE_DELAY)).toBe(true);
    const hedge = new Hedge();
    expect(hedge.maxAttempts).toBe(2);
    expect(hedge.delay).toBe(100);
    expect(hedge.budget).toBeInstanceOf(HedgeBudget);
    expect(hedge.budget?.ratio).toBe(0.1);
    expect(hedge.name).toMatch(/^hedge#\d+$/);
  });

  it.each([
    [
      { delay: -1 },
      RangeError,
      'option `delay` must be a duration in ms from 0 to 2147483647 or an object; received -1',
    ],
    [{ delay: Number.NaN }, RangeError, 'received NaN'],
    [{ delay: '5' }, TypeError, 'option `delay`'],
    [
      { maxAttempts: 0 },
      RangeError,
      'option `maxAttempts` must be an integer from 1 to 100; received 0',
    ],
    [{ maxAttempts: 1.5 }, RangeError, 'received 1.5'],
    [{ isAcceptable: true }, TypeError, 'option `isAcceptable` must be a function'],
    [
      { budget: true },
      TypeError,
      'option `budget` must be a HedgeBudget, HedgeBudgetOptions or false',
    ],
    [{ budget: { ratio: -1 } }, RangeError, 'option `ratio` must be a finite number from 0 to 100'],
    [{ clock: {} }, TypeError, 'option `clock`'],
    [{ name: '' }, RangeError, 'option `name` must be a non-empty string'],
    [{ delays: 5 }, TypeError, 'unknown option `delays`'],
    [
      { delay: {} },
      TypeError,
      'option `delay.percentile` must be a finite number greater than 0 to 100; received undefined',
    ],
    [
      { delay: { percentile: 0 } },
      RangeError,
      'option `delay.percentile` must be a finite number greater than 0 to 100; received 0',
    ],
    [{ delay: { percentile: 101 } }, RangeError, 'received 101'],
    [{ delay: { percentile: 50, samples: 0 } }, RangeError, 'option `delay.samples`'],
    [{ delay: { percentile: 50, initial: -5 } }, RangeError, 'option `delay.initial`'],
    [{ delay: { percentile: 50, extra: 1 } }, TypeError, 'unknown option `delay.extra`'],
    [
      { delay: { percentile: 50, samples: 10, minSamples: 11 } },
      RangeError,
      'option `delay.minSamples` must be at most `delay.samples` (10); received 11',
    ],
  ])('rejects %j', (options, kind, message) => {
    const build = () => new Hedge(options as never);
    expect(build).toThrow(kind);
    expect(build).toThrow(message);
    expect(build).toThrow(/^@dyno\/hedge: /);
  });

  it('rejects options that are not an object', () => {
    expect(() => new Hedge(5 as never)).toThrow(
      new TypeError('@dyno/hedge: options must be an object; received 5'),
    );
  });

  it('gives an own budget the hedge’s clock', async () => {
    const clock = new ManualClock(1_000);
    const hedge = new Hedge({ clock, budget: { minPerSecond: 1 } });
    expect(hedge.budget?.available).toBe(10);
  });
});
