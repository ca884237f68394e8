import { ManualClock } from '@dyno/core/testing';
import { hedge } from './hedge.js';
import { Hedge, type HedgeContext } from './hedge-policy.js';

describe('hedge(fn, options)', () => {
  it('passes the caller’s arguments and this, after a context of its own per attempt', async () => {
    const clock = new ManualClock();
    const contexts: HedgeContext[] = [];
    const target = {
      factor: 3,
      times: hedge(
        function (this: { factor: number }, context: HedgeContext, n: number) {
          contexts.push(context);
          return n * this.factor;
        },
        { clock },
      ),
    };
    await expect(target.times(14)).resolves.toBe(42);
    expect(contexts[0]?.attempt).toBe(1);
    expect(contexts[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(target.times.hedge).toBeInstanceOf(Hedge);
  });

  it('shares a given Hedge, and cancels every call with the given signal', async () => {
    const policy = new Hedge({ clock: new ManualClock(), budget: false });
    const shared = hedge(() => 'x', policy);
    expect(shared.hedge).toBe(policy);
    const why = new Error('stop');
    const cancelled = hedge(() => 'x', { signal: AbortSignal.abort(why) });
    await expect(cancelled()).rejects.toBe(why);
    await expect(hedge(() => 'default')()).resolves.toBe('default');
  });

  it('checks fn and options at once', () => {
    expect(() => hedge(42 as never)).toThrow(
      new TypeError('@dyno/hedge: `fn` must be a function; received 42'),
    );
    expect(() => hedge(() => 1, 'x' as never)).toThrow(
      new TypeError('@dyno/hedge: options must be an object; received "x"'),
    );
    expect(() => hedge(() => 1, { signal: 5 as never })).toThrow(TypeError);
    expect(() => hedge(() => 1, { maxAttempts: 0 })).toThrow(RangeError);
  });
});
