import { FailingClock, listenerReports, OddClock } from '@dyno/core/testing';
import { CompoundError } from './errors.js';
import { RetryBudget } from './retry-budget.js';
import { make, settle } from './test-support/helpers.js';

const DAY = 86_400_000;

describe('Retry on a clock that misbehaves', () => {
  it.each([
    ['NaN', () => Number.NaN],
    ['undefined', () => undefined],
    ['a string', () => '5'],
    ['one frozen value', () => 7],
    ['a time a day back', (t: number) => t - DAY],
  ])(
    'gives up at its deadline, not never, when now() reads %s from the second attempt',
    async (_, read) => {
      const clock = new OddClock(2 * DAY);
      const policy = make(clock, { attempts: Number.POSITIVE_INFINITY, deadline: 1_000 });
      let calls = 0;
      const fn = () => {
        if (++calls === 2) clock.read = read;
        throw new Error('down');
      };
      const reports = await listenerReports(async () => {
        const result = await settle(clock, policy.execute(fn));
        expect(result).toMatchObject({ ok: false, error: expect.any(CompoundError) });
      });
      // retries every 100 ms: the 11th attempt (at 1,000 ms) is the last
      expect(calls).toBe(11);
      clock.read = undefined;
      expect(clock.now()).toBe(2 * DAY + 1_000);
      expect(reports.length).toBeLessThanOrEqual(1);
    },
  );

  it('rejects, never throws from execute, while its clock throws, and still retries', async () => {
    const clock = new FailingClock();
    const policy = make(clock, { attempts: 3 });
    clock.failing = true;
    const reports = await listenerReports(async () => {
      let call: Promise<unknown> | undefined;
      expect(() => {
        call = policy.execute(() => 1);
      }).not.toThrow();
      await expect(call).resolves.toBe(1);
      const signal = new AbortController().signal;
      let calls = 0;
      const failingTwice = () => {
        if (++calls < 3) throw new Error('down');
        return 'up';
      };
      const retried = policy.execute(failingTwice, { signal });
      await clock.advance(200);
      clock.failing = false;
      await expect(retried).resolves.toBe('up');
      expect(calls).toBe(3);
    });
    expect(reports.map((r) => r.source)).toEqual([
      expect.stringMatching(/^@dyno\/retry ".+" clock$/),
    ]);
  });
});

describe('RetryBudget on a clock that misbehaves', () => {
  it('forgets old calls once its window has passed after a NaN reading', async () => {
    const clock = new OddClock();
    const budget = new RetryBudget({ clock, ratio: 0.5, minPerSecond: 0, window: 1_000 });
    await listenerReports(async () => {
      clock.read = () => Number.NaN;
      for (let i = 0; i < 10; i++) budget.recordCall();
      clock.read = undefined;
      expect(budget.calls).toBe(10);
      await clock.advance(1_000);
      expect(budget.calls).toBe(0);
      expect(budget.tryRetry()).toBe(false);
    });
  });

  it('refuses at construction, naming the option, a clock whose now() throws', () => {
    const clock = new FailingClock();
    clock.failing = true;
    expect(() => new RetryBudget({ clock })).toThrow(TypeError);
    expect(() => new RetryBudget({ clock })).toThrow(
      '@dyno/retry budget: option `clock` must read the time, but its now() failed: thrown "clock broken"',
    );
  });
});
