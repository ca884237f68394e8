import { sleep } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import type { Backoff } from './backoff/backoff.js';
import { ConstantBackoff } from './backoff/constant.js';
import { DecorrelatedJitterBackoff } from './backoff/decorrelated-jitter.js';
import { ExponentialBackoff } from './backoff/exponential.js';
import { LinearBackoff } from './backoff/linear.js';
import { CompoundError } from './errors.js';
import type { GiveUpEvent, RetryEvent, SuccessEvent } from './events.js';
import { DEFAULT_RETRY_OPTIONS, type RetryOptions } from './options.js';
import { Retry, type RetryContext } from './retry-policy.js';
import { failing, make, settle } from './test-support/helpers.js';

describe('Retry', () => {
  describe('on success', () => {
    it('resolves with the first result and calls fn once, with attempt 1', async () => {
      const clock = new ManualClock();
      const fn = jest.fn((ctx: RetryContext) => ctx.attempt * 10);
      await expect(make(clock).execute(fn)).resolves.toBe(10);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(fn.mock.calls[0]?.[0].signal.aborted).toBe(false);
      expect(clock.pending).toBe(0);
    });

    it('adopts thenables', async () => {
      const thenable = {
        then: (resolve: (v: number) => void) => resolve(7),
      } as PromiseLike<number>;
      await expect(new Retry().execute(() => thenable)).resolves.toBe(7);
    });

    it('retries a synchronous throw', async () => {
      const clock = new ManualClock();
      let n = 0;
      const fn = () => {
        n++;
        if (n === 1) throw new Error('sync');
        return 'ok';
      };
      expect(await settle(clock, make(clock).execute(fn))).toEqual({
        ok: true,
        value: 'ok',
        at: 100,
      });
    });
  });

  describe('attempt times on a manual clock', () => {
    const cases: [string, Backoff, number[]][] = [
      ['constant', new ConstantBackoff({ delay: 100 }), [0, 100, 200, 300]],
      ['linear', new LinearBackoff({ base: 100 }), [0, 100, 300, 600]],
      ['exponential', new ExponentialBackoff({ base: 100 }), [0, 100, 300, 700]],
      [
        'exponential capped by maxDelay',
        new ExponentialBackoff({ base: 1000, factor: 10 }),
        [0, 1000, 6000, 11000],
      ],
    ];
    it.each(cases)('%s backoff starts attempts exactly on time', async (_, backoff, expected) => {
      const clock = new ManualClock();
      const { fn, times } = failing(clock);
      const policy = new Retry({ clock, backoff, attempts: 4, maxDelay: 5000 });
      const result = await settle(clock, policy.execute(fn));
      expect(times).toEqual(expected);
      expect(result.ok).toBe(false);
      expect(result.at).toBe(expected[3]);
    });

    it('decorrelated jitter waits base * factor^(n - 1) for the middle draw', async () => {
      const clock = new ManualClock();
      const { fn, times } = failing(clock);
      const policy = new Retry({
        clock,
        attempts: 4,
        random: () => 0.5,
        backoff: new DecorrelatedJitterBackoff({ base: 100, factor: 3 }),
      });
      await settle(clock, policy.execute(fn));
      const expected = [0, 100, 400, 1300];
      expect(times).toHaveLength(4);
      for (const [i, t] of times.entries()) expect(t).toBeCloseTo(expected[i] as number, 6);
    });

    it('uses decorrelated jitter from 100 ms by default', () => {
      expect(DEFAULT_RETRY_OPTIONS.backoff).toBeInstanceOf(DecorrelatedJitterBackoff);
      expect(DEFAULT_RETRY_OPTIONS.backoff).toMatchObject({ base: 100, factor: 2 });
      expect(DEFAULT_RETRY_OPTIONS).toMatchObject({ attempts: 3, maxDelay: 10_000 });
      expect(Object.isFrozen(DEFAULT_RETRY_OPTIONS)).toBe(true);
    });
  });

  describe('when every attempt fails', () => {
    it('rejects with a CompoundError holding every failure and the history', async () => {
      const clock = new ManualClock();
      const errors = [new Error('a'), new Error('b'), new Error('c')];
      let i = 0;
      const fn = async () => {
        await sleep(10, { clock });
        throw errors[i++];
      };
      const result = await settle(clock, make(clock, { name: 'users' }).execute(fn));
      const error = (result as { error: CompoundError }).error;
      expect(error).toBeInstanceOf(CompoundError);
      expect(error.errors).toEqual(errors);
      expect(error.cause).toBe(errors[2]);
      expect(error.source).toBe('users');
      expect(error.reason).toBe('attempts');
      expect(error.message).toBe('Gave up after 3 attempts (no attempts left): c');
      expect(error.attempts.map((a) => [a.attempt, a.start, a.duration, a.delay])).toEqual([
        [1, 0, 10, 100],
        [2, 110, 10, 100],
        [3, 220, 10, undefined],
      ]);
    });

    it('keeps non-Error throwables as they were thrown', async () => {
      const clock = new ManualClock();
      const thrown: unknown[] = ['x', undefined, null];
      let i = 0;
      const fn = () => {
        throw thrown[i++];
      };
      const result = await settle(clock, make(clock).execute(fn));
      expect((result as { error: CompoundError }).error.errors).toEqual(['x', undefined, null]);
    });

    it('treats a rejection with undefined as a failure, not a success', async () => {
      const clock = new ManualClock();
      let i = 0;
      const fn = () => (i++ === 0 ? Promise.reject(undefined) : Promise.resolve('second'));
      expect(await settle(clock, make(clock).execute(fn))).toMatchObject({
        ok: true,
        value: 'second',
      });
    });

    it('throws the last error itself, identity and stack kept, with throwLastError', async () => {
      const clock = new ManualClock();
      const last = new TypeError('last');
      const stack = last.stack;
      let i = 0;
      const fn = async () => {
        throw i++ < 2 ? new Error('early') : last;
      };
      const result = await settle(clock, make(clock, { throwLastError: true }).execute(fn));
      expect((result as { error: unknown }).error).toBe(last);
      expect(last.stack).toBe(stack);
    });

    it('makes exactly one attempt with attempts: 1, and rejects with its error itself', async () => {
      const clock = new ManualClock();
      const boom = new Error('boom');
      const { fn } = failing(clock, boom);
      const result = await settle(clock, make(clock, { attempts: 1 }).execute(fn));
      expect(fn).toHaveBeenCalledTimes(1);
      expect((result as { error: unknown }).error).toBe(boom);
    });
  });

  describe('shouldRetry', () => {
    it('gives up at once on a failure it declines, rejecting with that failure itself', async () => {
      const clock = new ManualClock();
      const badRequest = new RangeError('bad request');
      const { fn } = failing(clock, badRequest);
      const shouldRetry = jest.fn(() => false);
      const policy = make(clock, { shouldRetry });
      const giveUps: GiveUpEvent[] = [];
      policy.onGiveUp((e) => giveUps.push(e));
      const result = await settle(clock, policy.execute(fn));
      expect(fn).toHaveBeenCalledTimes(1);
      expect(shouldRetry).toHaveBeenCalledWith({ failed: true, error: badRequest }, 1);
      expect((result as { error: unknown }).error).toBe(badRequest);
      expect(giveUps.map((e) => e.reason)).toEqual(['not-retryable']);
    });

    it('retries unwanted results and resolves with the first wanted one', async () => {
      const clock = new ManualClock();
      const results = [503, 503, 200];
      const fn = jest.fn(() => results.shift());
      const shouldRetry = jest.fn(
        (o: { failed: boolean; result?: unknown }, _attempt: number) => o.result === 503,
      );
      const result = await settle(clock, make(clock, { shouldRetry }).execute(fn));
      expect(result).toEqual({ ok: true, value: 200, at: 200 });
      expect(shouldRetry.mock.calls.map((c) => c[1])).toEqual([1, 2, 3]);
    });

    it('resolves with the last unwanted result when attempts run out', async () => {
      const clock = new ManualClock();
      const policy = make(clock, { shouldRetry: () => true });
      const giveUps: GiveUpEvent[] = [];
      policy.onGiveUp((e) => giveUps.push(e));
      const result = await settle(
        clock,
        policy.execute(() => 'busy'),
      );
      expect(result).toEqual({ ok: true, value: 'busy', at: 200 });
      expect(giveUps).toEqual([
        {
          name: policy.name,
          attempts: 3,
          error: undefined,
          failed: false,
          result: 'busy',
          reason: 'attempts',
        },
      ]);
    });

    it('accepts a wanted first result without any listener', async () => {
      const shouldRetry = jest.fn(() => false);
      await expect(new Retry({ shouldRetry }).execute(() => 'fine')).resolves.toBe('fine');
      expect(shouldRetry).toHaveBeenCalledWith({ failed: false, result: 'fine' }, 1);
    });

    it('lets an exception of the predicate itself reject the call', async () => {
      const oops = new Error('predicate bug');
      const policy = new Retry({
        shouldRetry: () => {
          throw oops;
        },
      });
      await expect(policy.execute(() => 1)).rejects.toBe(oops);
    });
  });

  describe('isRetryable', () => {
    it('gives up at once on a failure it declines, and never sees a result', async () => {
      const clock = new ManualClock();
      const isRetryable = jest.fn((error: unknown) => !(error instanceof RangeError));
      const policy = make(clock, { isRetryable });
      await expect(policy.execute(() => 'fine')).resolves.toBe('fine');
      expect(isRetryable).not.toHaveBeenCalled();
      const notFound = new RangeError('bad request');
      const { fn } = failing(clock, notFound);
      const result = await settle(clock, policy.execute(fn));
      expect(fn).toHaveBeenCalledTimes(1);
      expect(isRetryable).toHaveBeenCalledWith(notFound, 1);
      expect((result as { error: unknown }).error).toBe(notFound);
    });

    it('retries the failures it accepts, with each attempt number', async () => {
      const clock = new ManualClock();
      const isRetryable = jest.fn((_error: unknown, _attempt: number) => true);
      const { fn } = failing(clock, new Error('flaky'));
      const result = await settle(clock, make(clock, { isRetryable }).execute(fn));
      expect(fn).toHaveBeenCalledTimes(3);
      expect(isRetryable.mock.calls.map((c) => c[1])).toEqual([1, 2, 3]);
      expect((result as { error: CompoundError }).error.reason).toBe('attempts');
    });

    it('retries a failure only when shouldRetry agrees too', async () => {
      const clock = new ManualClock();
      const shouldRetry = jest.fn(() => false);
      const flaky = new Error('flaky');
      const { fn } = failing(clock, flaky);
      const result = await settle(
        clock,
        make(clock, { isRetryable: () => true, shouldRetry }).execute(fn),
      );
      expect(fn).toHaveBeenCalledTimes(1);
      expect(shouldRetry).toHaveBeenCalledTimes(1);
      expect((result as { error: unknown }).error).toBe(flaky);
      const declined = jest.fn(() => true);
      await settle(
        clock,
        make(clock, { isRetryable: () => false, shouldRetry: declined }).execute(fn),
      );
      expect(declined).not.toHaveBeenCalled();
    });

    it('lets an exception of the predicate itself reject the call', async () => {
      const oops = new Error('predicate bug');
      const policy = new Retry({
        isRetryable: () => {
          throw oops;
        },
      });
      await expect(
        policy.execute(() => {
          throw new Error('first');
        }),
      ).rejects.toBe(oops);
    });
  });

  describe('a predicate that returns a promise (an async predicate)', () => {
    // a promise is truthy: `isRetryable: async () => false` retried every failure, and an async
    // `shouldRetry` retried every result, whatever the promise settled with
    const answer = (predicate: string) =>
      `@dyno/retry: \`${predicate}\` must return a boolean; it returned a promise (an async predicate cannot decide in time)`;

    it('rejects the call with a TypeError naming isRetryable, after one attempt', async () => {
      const fn = jest.fn(() => Promise.reject(new Error('not found')));
      const policy = new Retry({ isRetryable: (async () => false) as never });
      await expect(policy.execute(fn)).rejects.toThrow(new TypeError(answer('isRetryable')));
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('rejects the call with a TypeError naming shouldRetry, on a result and on a failure', async () => {
      const fn = jest.fn(() => 'fine');
      const policy = new Retry({ shouldRetry: (async () => false) as never });
      await expect(policy.execute(fn)).rejects.toThrow(new TypeError(answer('shouldRetry')));
      expect(fn).toHaveBeenCalledTimes(1);
      const failed = jest.fn(() => Promise.reject(new Error('flaky')));
      await expect(policy.execute(failed)).rejects.toThrow(new TypeError(answer('shouldRetry')));
      expect(failed).toHaveBeenCalledTimes(1);
    });
  });

  describe('events', () => {
    it('reports retries, success and attempts with the instance name', async () => {
      const clock = new ManualClock();
      const policy = make(clock, { name: 'db' });
      const retries: RetryEvent[] = [];
      const successes: SuccessEvent[] = [];
      policy.onRetry((e) => retries.push(e));
      policy.onSuccess((e) => successes.push(e));
      const error = new Error('flaky');
      let i = 0;
      await settle(
        clock,
        policy.execute(() => {
          if (i++ < 2) throw error;
          return 'ok';
        }),
      );
      expect(retries).toEqual([
        { name: 'db', attempt: 1, delay: 100, failed: true, error },
        { name: 'db', attempt: 2, delay: 100, failed: true, error },
      ]);
      expect(successes).toEqual([{ name: 'db', attempts: 3 }]);
    });

    it('reports a first-time success and an unwanted result', async () => {
      const clock = new ManualClock();
      const policy = make(clock, { shouldRetry: (o) => !o.failed && o.result === 0 });
      const retries: RetryEvent[] = [];
      const successes: SuccessEvent[] = [];
      policy.onRetry((e) => retries.push(e));
      policy.onSuccess((e) => successes.push(e));
      await settle(
        clock,
        policy.execute(() => 5),
      );
      const values = [0, 9];
      await settle(
        clock,
        policy.execute(() => values.shift()),
      );
      expect(successes).toEqual([
        { name: policy.name, attempts: 1 },
        { name: policy.name, attempts: 2 },
      ]);
      expect(retries).toEqual([
        { name: policy.name, attempt: 1, delay: 100, failed: false, result: 0 },
      ]);
    });

    it('reports giving up with the last error and reason, and stops after dispose', async () => {
      const clock = new ManualClock();
      const policy = make(clock, { attempts: 2 });
      const giveUps: GiveUpEvent[] = [];
      const subscription = policy.onGiveUp((e) => giveUps.push(e));
      await settle(clock, policy.execute(failing(clock, 'x').fn));
      subscription.dispose();
      await settle(clock, policy.execute(failing(clock).fn));
      expect(giveUps).toEqual([
        { name: policy.name, attempts: 2, error: 'x', failed: true, reason: 'attempts' },
      ]);
    });

    it('names instances retry#n by default', () => {
      expect(new Retry().name).toMatch(/^retry#\d+$/);
    });
  });

  describe('bad input', () => {
    it.each([
      [
        { attempts: 0 },
        RangeError,
        '`attempts` must be an integer from 1 to 9007199254740991 or one of Infinity; received 0',
      ],
      [
        { attempts: 2.5 },
        RangeError,
        '`attempts` must be an integer from 1 to 9007199254740991 or one of Infinity; received 2.5',
      ],
      // a wrong kind is a TypeError, whatever the rule combines (issue 18 #14)
      [
        { attempts: '5' },
        TypeError,
        '`attempts` must be an integer from 1 to 9007199254740991 or one of Infinity; received "5"',
      ],
      [
        { attempts: null },
        TypeError,
        '`attempts` must be an integer from 1 to 9007199254740991 or one of Infinity; received null',
      ],
      [
        { attempts: Number.NEGATIVE_INFINITY },
        RangeError,
        '`attempts` must be an integer from 1 to 9007199254740991 or one of Infinity; received -Infinity',
      ],
      [
        { maxDelay: Number.NaN },
        RangeError,
        '`maxDelay` must be a duration in ms from 0 to 2147483647; received NaN',
      ],
      [
        { maxDelay: -1 },
        RangeError,
        '`maxDelay` must be a duration in ms from 0 to 2147483647; received -1',
      ],
      [
        { deadline: 0 },
        RangeError,
        '`deadline` must be a duration in ms greater than 0 to 2147483647; received 0',
      ],
      [{ shouldRetry: true }, TypeError, '`shouldRetry` must be a function; received true'],
      [{ isRetryable: 'yes' }, TypeError, '`isRetryable` must be a function; received "yes"'],
      [
        { backoff: 100 },
        TypeError,
        '`backoff` must be a Backoff (an object with a delay(context) method); received 100',
      ],
      [{ budget: null }, TypeError, '`budget` must be a RetryBudget; received null'],
      [{ budget: {} }, TypeError, '`budget` must be a RetryBudget; received an object'],
      [{ random: 0.5 }, TypeError, '`random` must be a function; received 0.5'],
      [{ name: '' }, RangeError, '`name` must be a non-empty string; received ""'],
    ])('rejects %p at construction', (options, type, message) => {
      expect(() => new Retry(options as RetryOptions)).toThrow(
        new type(`@dyno/retry: option ${message}`),
      );
    });

    it('rejects unknown keys', () => {
      expect(() => new Retry({ retries: 3 } as RetryOptions)).toThrow(
        /^@dyno\/retry: unknown option `retries` \(known: attempts, backoff, /,
      );
    });

    it('rejects a non-function fn and a non-signal signal as rejections', async () => {
      const policy = new Retry();
      await expect(policy.execute(42 as never)).rejects.toThrow(
        new TypeError('@dyno/retry: `fn` must be a function; received 42'),
      );
      await expect(policy.execute(() => 1, { signal: {} as AbortSignal })).rejects.toThrow(
        new TypeError('@dyno/retry: `signal` must be an AbortSignal; received an object'),
      );
    });
  });
});
