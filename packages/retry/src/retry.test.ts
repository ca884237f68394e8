import { getEventListeners } from 'node:events';
import { ManualClock } from '@dyno/core/testing';
import { ConstantBackoff } from './backoff/constant.js';
import { CompoundError } from './errors.js';
import { retry } from './retry.js';
import { Retry, type RetryContext } from './retry-policy.js';

describe('retry(fn, options)', () => {
  it('returns a function with the same parameters and this that retries', async () => {
    const clock = new ManualClock();
    const backoff = new ConstantBackoff({ delay: 50 });
    let calls = 0;
    const target = {
      factor: 3,
      async times(this: { factor: number }, a: number, b: number) {
        if (calls++ === 0) throw new Error('once');
        return this.factor * a * b;
      },
    };
    const times = retry(target.times, { clock, backoff });
    const pending = times.call(target, 2, 5);
    await clock.advance(50);
    await expect(pending).resolves.toBe(30);
    expect(calls).toBe(2);
  });

  it('uses the defaults without options', async () => {
    await expect(retry(async (s: string) => s.toUpperCase())('a')).resolves.toBe('A');
  });

  it('shares a given Retry, with its events', async () => {
    const policy = new Retry({ attempts: 1 });
    const seen: number[] = [];
    policy.onSuccess((e) => seen.push(e.attempts));
    const double = retry((n: number) => n * 2, policy);
    await expect(double(4)).resolves.toBe(8);
    expect(seen).toEqual([1]);
  });

  it('applies the signal option to every call', async () => {
    const controller = new AbortController();
    const fn = jest.fn(async () => 1);
    const wrapped = retry(fn, { signal: controller.signal });
    await expect(wrapped()).resolves.toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort('closed');
    await expect(wrapped()).rejects.toBe('closed');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('rejects with CompoundError when every attempt fails', async () => {
    const clock = new ManualClock();
    const wrapped = retry(
      async () => {
        throw new Error('down');
      },
      { clock, attempts: 2, backoff: new ConstantBackoff({ delay: 10 }) },
    );
    const outcome = wrapped().catch((e: unknown) => e);
    await clock.runAll();
    const error = await outcome;
    expect(CompoundError.isInstance(error)).toBe(true);
    expect((error as CompoundError).errors).toHaveLength(2);
  });

  it('checks fn and options when wrapping, not when calling', () => {
    expect(() => retry('nope' as never)).toThrow(
      new TypeError('@dyno/retry: `fn` must be a function; received "nope"'),
    );
    expect(() => retry(() => 1, { attempts: 0 })).toThrow(RangeError);
    expect(() => retry(() => 1, 5 as never)).toThrow(
      new TypeError('@dyno/retry: options must be an object; received 5'),
    );
    expect(() => retry(() => 1, { signal: 'x' as never })).toThrow(
      new TypeError('@dyno/retry: option `signal` must be an AbortSignal; received "x"'),
    );
  });
});

describe('retry.run(fn, options)', () => {
  it('runs at once with the attempt number in the context', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const pending = retry.run(
      ({ attempt }: RetryContext) => {
        seen.push(attempt);
        if (attempt < 3) throw new Error(`attempt ${attempt}`);
        return 'done';
      },
      { clock, backoff: new ConstantBackoff({ delay: 1 }) },
    );
    expect(seen).toEqual([1]);
    await clock.runAll();
    await expect(pending).resolves.toBe('done');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('takes a signal and a Retry', async () => {
    const reason = new Error('stop');
    const fn = jest.fn();
    await expect(retry.run(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(retry.run(() => 'shared', new Retry())).resolves.toBe('shared');
    expect(fn).not.toHaveBeenCalled();
  });

  it('throws on bad options before fn runs', () => {
    const fn = jest.fn();
    expect(() => retry.run(fn, { maxDelay: -5 })).toThrow(RangeError);
    expect(() => retry.run(undefined as never)).toThrow(TypeError);
    expect(fn).not.toHaveBeenCalled();
  });
});
