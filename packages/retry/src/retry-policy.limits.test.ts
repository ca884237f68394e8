import { getEventListeners } from 'node:events';
import { sleep } from '@dyno/core';
import { flushPromises, ManualClock } from '@dyno/core/testing';
import { ConstantBackoff } from './backoff/constant.js';
import { CompoundError } from './errors.js';
import type { GiveUpEvent } from './events.js';
import { RetryBudget } from './retry-budget.js';
import { Retry, type RetryContext } from './retry-policy.js';
import { failing, make, settle } from './test-support/helpers.js';

describe('Retry', () => {
  describe('cancellation', () => {
    it('rejects before fn runs when the signal is already aborted', async () => {
      const fn = jest.fn();
      const reason = new Error('stop');
      await expect(new Retry().execute(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(
        reason,
      );
      expect(fn).not.toHaveBeenCalled();
    });

    it('settles at once with the reason on abort during a backoff, leaving nothing behind', async () => {
      const clock = new ManualClock();
      const controller = new AbortController();
      const { fn } = failing(clock);
      const promise = make(clock, { attempts: 5 }).execute(fn, { signal: controller.signal });
      const outcome = promise.catch((e: unknown) => e);
      await clock.advance(150); // attempt 2 failed at 100; now waiting for 200
      expect(fn).toHaveBeenCalledTimes(2);
      expect(clock.pending).toBe(1);
      const reason = new Error('user left');
      controller.abort(reason);
      await flushPromises();
      expect(await outcome).toBe(reason);
      expect(clock.now()).toBe(150);
      expect(clock.pending).toBe(0);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await clock.advance(10_000);
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('settles at once on abort during an attempt, even if fn never settles', async () => {
      const clock = new ManualClock();
      const controller = new AbortController();
      const fn = jest.fn((_: RetryContext) => new Promise<never>(() => {}));
      const outcome = make(clock)
        .execute(fn, { signal: controller.signal })
        .catch((e) => e);
      await flushPromises();
      expect(fn.mock.calls[0]?.[0].signal).toBe(controller.signal);
      controller.abort();
      const reason = await outcome;
      expect(reason).toBeInstanceOf(DOMException);
      expect((reason as DOMException).name).toBe('AbortError');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('settles at once when fn aborts the signal itself, then never settles', async () => {
      const clock = new ManualClock();
      const controller = new AbortController();
      const reason = new Error('aborted from inside');
      const fn = jest.fn(({ attempt }: RetryContext) => {
        if (attempt === 1) return Promise.reject(new Error('first'));
        controller.abort(reason);
        return new Promise<never>(() => {});
      });
      const outcome = make(clock).execute(fn, { signal: controller.signal });
      const result = settle(clock, outcome);
      expect(await result).toMatchObject({ ok: false, error: reason });
      expect(fn).toHaveBeenCalledTimes(2);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('rejects with the cancellation reason, never the failure fn answered the abort with', async () => {
      const clock = new ManualClock();
      const controller = new AbortController();
      const reason = new Error('cancelled by caller');
      const fn = ({ signal }: RetryContext) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('fn'))));
      const outcome = make(clock)
        .execute(fn, { signal: controller.signal })
        .catch((e) => e);
      await flushPromises();
      controller.abort(reason);
      expect(await outcome).toBe(reason);
    });

    it('removes its listener when a call with a signal settles normally', async () => {
      const clock = new ManualClock();
      const controller = new AbortController();
      let i = 0;
      const fn = jest.fn((ctx: RetryContext) => {
        if (i++ === 0) throw new Error('once');
        return ctx.attempt;
      });
      const result = await settle(clock, make(clock).execute(fn, { signal: controller.signal }));
      expect(result).toEqual({ ok: true, value: 2, at: 100 });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('runs nothing more when a retry listener aborts before a zero wait', async () => {
      const controller = new AbortController();
      const policy = new Retry({ backoff: new ConstantBackoff({ delay: 0 }) });
      policy.onRetry(() => controller.abort('enough'));
      const fn = jest.fn(async () => {
        throw new Error('x');
      });
      await expect(policy.execute(fn, { signal: controller.signal })).rejects.toBe('enough');
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it.each([
      ['retry', true],
      ['give up', false],
    ])(
      'rejects with the reason, announcing and spending nothing, when a predicate aborts and says %s',
      async (_, verdict) => {
        // the predicate runs inside the call's bookkeeping: a retry was announced and taken
        // from the shared budget for a call that had ended, and a refusal rejected with the
        // failure (and reported a give-up) where cancellation wins everywhere else
        const clock = new ManualClock();
        const budget = new RetryBudget({ clock, minPerSecond: 10 });
        const controller = new AbortController();
        const policy = make(clock, {
          budget,
          isRetryable: () => {
            controller.abort('enough');
            return verdict;
          },
        });
        const events: string[] = [];
        policy.onRetry(() => events.push('retry'));
        policy.onGiveUp(() => events.push('give up'));
        const { fn } = failing(clock);
        const result = await settle(clock, policy.execute(fn, { signal: controller.signal }));
        expect(result).toEqual({ ok: false, error: 'enough', at: 0 });
        expect(fn).toHaveBeenCalledTimes(1);
        expect(events).toEqual([]);
        expect(budget.retries).toBe(0);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      },
    );

    it('drops a result that arrives after the abort', async () => {
      const controller = new AbortController();
      const outcome = new Retry()
        .execute(
          async () => {
            controller.abort('late');
            return 1;
          },
          { signal: controller.signal },
        )
        .catch((e) => `rejected: ${e}`);
      expect(await outcome).toBe('rejected: late');
    });
  });

  describe('deadline', () => {
    it('gives up at once when the next wait would end after the deadline', async () => {
      const clock = new ManualClock();
      const { fn, times } = failing(clock);
      const policy = make(clock, { attempts: 10, deadline: 250 });
      const result = await settle(clock, policy.execute(fn));
      expect(times).toEqual([0, 100, 200]);
      expect(result.at).toBe(200);
      expect((result as { error: CompoundError }).error.reason).toBe('deadline');
    });

    it('still starts an attempt exactly at the deadline', async () => {
      const clock = new ManualClock();
      const { fn, times } = failing(clock);
      await settle(
        clock,
        make(clock, { attempts: Number.POSITIVE_INFINITY, deadline: 200 }).execute(fn),
      );
      expect(times).toEqual([0, 100, 200]);
    });

    it('counts from the start of the call, attempt time included', async () => {
      const clock = new ManualClock();
      const fn = async () => {
        await sleep(120, { clock });
        throw new Error('slow');
      };
      const result = await settle(clock, make(clock, { deadline: 300 }).execute(fn));
      // attempt 1: 0-120, wait to 220, attempt 2: 220-340; a third would start at 440
      expect(result.at).toBe(340);
      expect((result as { error: CompoundError }).error.attempts).toHaveLength(2);
    });
  });

  describe('budget', () => {
    it('fails at once with the failures so far when the budget refuses', async () => {
      const clock = new ManualClock();
      const budget = new RetryBudget({ clock, minPerSecond: 0, ratio: 0 });
      const { fn } = failing(clock);
      const policy = make(clock, { budget });
      const giveUps: GiveUpEvent[] = [];
      policy.onGiveUp((e) => giveUps.push(e));
      const result = await settle(clock, policy.execute(fn));
      expect(fn).toHaveBeenCalledTimes(1);
      expect(result.at).toBe(0);
      // one failure, never retried: the caller gets it as itself
      expect((result as { error: Error }).error.message).toBe('boom');
      expect(giveUps.map((e) => e.reason)).toEqual(['budget']);
      expect(budget.calls).toBe(1);
    });

    it('is shared: retries of one policy spend what another could use', async () => {
      const clock = new ManualClock();
      const budget = new RetryBudget({ clock, minPerSecond: 0.1, window: 10_000 }); // 1 retry
      const a = make(clock, { budget });
      const b = make(clock, { budget, attempts: 2 });
      const first = await settle(clock, a.execute(failing(clock).fn));
      const second = await settle(clock, b.execute(failing(clock).fn));
      expect((first as { error: CompoundError }).error.attempts).toHaveLength(2);
      expect((first as { error: CompoundError }).error.reason).toBe('budget');
      expect(CompoundError.isInstance((second as { error: unknown }).error)).toBe(false);
      expect(budget.calls).toBe(2);
      expect(budget.retries).toBe(1);
    });

    it('counts calls made with a signal, but not those already aborted', async () => {
      const budget = new RetryBudget({ clock: new ManualClock() });
      const policy = new Retry({ budget });
      await policy.execute(() => 1, { signal: new AbortController().signal });
      await policy.execute(() => 1, { signal: AbortSignal.abort() }).catch(() => {});
      expect(budget.calls).toBe(1);
    });
  });
});
