import { DynoError, type ExecuteContext, NEVER_ABORTED } from '@dyno/core';
import { flushPromises, ManualClock, seededRandom } from '@dyno/core/testing';
import { Chaos } from './chaos.js';
import { ChaosError } from './errors.js';
import type { FaultKind } from './options.js';

const ctx: ExecuteContext = { signal: NEVER_ABORTED };
/** A random source that returns the given draws in turn. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};
const state = async <T>(p: PromiseLike<T>): Promise<string> => {
  let result = 'pending';
  Promise.resolve(p).then(
    (v) => {
      result = `resolved ${String(v)}`;
    },
    (e: unknown) => {
      result = `rejected ${e instanceof Error ? e.message : String(e)}`;
    },
  );
  await flushPromises();
  return result;
};

const SOAK_MIX = {
  error: { rate: 0.15 },
  throwable: { rate: 0.05 },
  syncThrow: { rate: 0.01 },
  latency: { rate: 0.08, ms: 2000 },
  hang: { rate: 0.05 },
  thenable: { rate: 0.04 },
  abort: { rate: 0.02 },
} as const;

describe('Chaos', () => {
  it('gives each fault its exact share of calls with one draw per call', () => {
    const random = jest.fn(seededRandom(42));
    const chaos = new Chaos({ random, ...SOAK_MIX });
    const n = 100_000;
    for (let i = 0; i < n; i++) chaos.pick();
    expect(random).toHaveBeenCalledTimes(n);
    const counts = chaos.counts;
    expect(counts.calls).toBe(n);
    const expected: Record<string, number> = {
      error: 0.15,
      throwable: 0.05,
      syncThrow: 0.01,
      latency: 0.08,
      hang: 0.05,
      thenable: 0.04,
      result: 0,
      abort: 0.02,
      none: 0.6,
    };
    let total = 0;
    for (const [kind, rate] of Object.entries(expected)) {
      const share = counts[kind as FaultKind | 'none'] / n;
      total += counts[kind as FaultKind | 'none'];
      expect(Math.abs(share - rate)).toBeLessThan(0.005);
    }
    expect(total).toBe(n);
  });

  it('lays the shares out on the draw in a fixed order', () => {
    const chaos = new Chaos({
      random: draws(0, 0.1, 0.2, 0.35, 0.45, 0.55, 0.65, 0.75, 0.9),
      error: { rate: 0.1 },
      throwable: { rate: 0.1 },
      syncThrow: { rate: 0.1 },
      latency: { rate: 0.1 },
      hang: { rate: 0.1 },
      thenable: { rate: 0.1 },
      result: { rate: 0.1 },
      abort: { rate: 0.1 },
    });
    const picked = Array.from({ length: 9 }, () => chaos.pick());
    expect(picked).toEqual([
      'error',
      'throwable',
      'syncThrow',
      'latency',
      'hang',
      'thenable',
      'result',
      'abort',
      undefined,
    ]);
  });

  it('injects nothing by default', async () => {
    const chaos = new Chaos();
    await expect(chaos.execute(() => 'ok')).resolves.toBe('ok');
    expect(chaos.counts).toEqual({
      calls: 1,
      none: 1,
      error: 0,
      throwable: 0,
      syncThrow: 0,
      latency: 0,
      hang: 0,
      thenable: 0,
      result: 0,
      abort: 0,
    });
    expect(chaos.name).toMatch(/^chaos#\d+$/);
  });

  it('rejects an already-aborted call before fn runs and without a draw', async () => {
    const random = jest.fn(() => 0);
    const chaos = new Chaos({ random, error: { rate: 1 } });
    const fn = jest.fn();
    const reason = new Error('caller');
    await expect(chaos.execute(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(chaos.wrap(fn)({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(chaos.inject('error', fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(fn).not.toHaveBeenCalled();
    expect(random).not.toHaveBeenCalled();
  });
});

describe('Chaos faults', () => {
  it('error rejects with a ChaosError naming the fault and the instance, or a given error', async () => {
    const chaos = new Chaos({ name: 'c', random: () => 0, error: { rate: 1 } });
    const fn = jest.fn();
    const error = (await chaos.execute(fn).catch((e: unknown) => e)) as ChaosError;
    expect(error).toBeInstanceOf(ChaosError);
    expect(error).toBeInstanceOf(DynoError);
    expect(ChaosError.isInstance(error)).toBe(true);
    expect(error.code).toBe('DYNO_CHAOS');
    expect(error.fault).toBe('error');
    expect(error.source).toBe('c');
    expect(error.message).toBe('Injected error fault');
    expect(fn).not.toHaveBeenCalled();
    const mine = new RangeError('mine');
    const custom = new Chaos({ random: () => 0, error: { rate: 1, error: () => mine } });
    await expect(custom.execute(fn)).rejects.toBe(mine);
  });

  it('throwable rejects with non-Error values, in turn across its share', async () => {
    const chaos = new Chaos({ random: draws(0, 0.21, 0.41, 0.61, 0.81), throwable: { rate: 1 } });
    const seen: unknown[] = [];
    for (let i = 0; i < 5; i++) seen.push(await chaos.execute(() => 1).catch((e: unknown) => e));
    expect(seen).toEqual([undefined, null, 'chaos', 0, { chaos: true }]);
    const custom = new Chaos({
      random: () => 0.5,
      throwable: { rate: 1, values: [Symbol.for('x')] },
    });
    await expect(custom.execute(() => 1)).rejects.toBe(Symbol.for('x'));
  });

  it('syncThrow throws synchronously from wrap and rejects from execute', async () => {
    const chaos = new Chaos({ random: () => 0, syncThrow: { rate: 1 } });
    const wrapped = chaos.wrap(() => 1);
    expect(() => wrapped(ctx)).toThrow(ChaosError);
    await expect(chaos.execute(() => 1)).rejects.toMatchObject({ fault: 'syncThrow' });
    const custom = new Chaos({ random: () => 0, syncThrow: { rate: 1, error: () => 'raw' } });
    await expect(custom.execute(() => 1)).rejects.toBe('raw');
  });

  it('latency delays the call on the clock and honours the signal', async () => {
    const clock = new ManualClock();
    const chaos = new Chaos({ clock, random: () => 0.5, latency: { rate: 1, ms: [100, 300] } });
    const call = chaos.execute(() => clock.now());
    await clock.advance(199);
    expect(await state(call)).toBe('pending');
    await clock.advance(1);
    expect(await call).toBe(200);
    const controller = new AbortController();
    const aborted = chaos.execute(() => 1, { signal: controller.signal });
    controller.abort('stop');
    await expect(aborted).rejects.toBe('stop');
    expect(clock.pending).toBe(0);
    const fixed = new Chaos({ clock, random: () => 0, latency: { rate: 1 } });
    const slow = fixed.execute(() => 'late');
    await clock.advance(1000);
    expect(await slow).toBe('late');
  });

  it('hang never settles and starts no timer until the signal aborts', async () => {
    const clock = new ManualClock();
    const chaos = new Chaos({ clock, random: () => 0, hang: { rate: 1 } });
    const fn = jest.fn();
    const forever = chaos.execute(fn);
    await clock.advance(60_000);
    expect(await state(forever)).toBe('pending');
    expect(clock.pending).toBe(0);
    const controller = new AbortController();
    const hung = chaos.execute(fn, { signal: controller.signal });
    await clock.advance(60_000);
    expect(await state(hung)).toBe('pending');
    controller.abort('timeout');
    await expect(hung).rejects.toBe('timeout');
    expect(fn).not.toHaveBeenCalled();
  });

  it('hang rejects with the reason when an onFault listener aborted the caller', async () => {
    // the hang listened on a signal that had aborted already, so it never settled
    const chaos = new Chaos({ random: () => 0, hang: { rate: 1 } });
    let controller = new AbortController();
    chaos.onFault(() => controller.abort('enough'));
    const fn = jest.fn();
    expect(await state(chaos.execute(fn, { signal: controller.signal }))).toBe('rejected enough');
    controller = new AbortController();
    expect(await state(chaos.wrap(fn)({ signal: controller.signal }))).toBe('rejected enough');
    expect(fn).not.toHaveBeenCalled();
  });

  it('result replaces the real result with a wrong one', async () => {
    const chaos = new Chaos({ random: () => 0, result: { rate: 1 } });
    const fn = jest.fn(() => 42);
    await expect(chaos.execute(fn)).resolves.toBeUndefined();
    expect(fn).toHaveBeenCalledTimes(1);
    const custom = new Chaos({
      random: () => 0,
      result: { rate: 1, value: (v) => -(v as number) },
    });
    await expect(custom.execute(() => 42)).resolves.toBe(-42);
  });
});

describe('Chaos abort fault', () => {
  it('aborts before fn runs by default, with an AbortError', async () => {
    const chaos = new Chaos({ name: 'c', random: () => 0, abort: { rate: 1 } });
    const fn = jest.fn();
    const error = (await chaos.execute(fn).catch((e: unknown) => e)) as DOMException;
    expect(error.name).toBe('AbortError');
    expect(error.message).toBe('The call was aborted by c');
    expect(fn).not.toHaveBeenCalled();
  });

  it('aborts the signal fn sees after a delay and rejects at once with the reason', async () => {
    const clock = new ManualClock();
    const reason = new Error('chaos abort');
    const chaos = new Chaos({
      clock,
      random: () => 0,
      abort: { rate: 1, after: 50, reason: () => reason },
    });
    let seen: AbortSignal | undefined;
    const call = chaos.execute(({ signal }) => {
      seen = signal;
      return new Promise(() => {});
    });
    await clock.advance(49);
    expect(await state(call)).toBe('pending');
    await clock.advance(1);
    await expect(call).rejects.toBe(reason);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
  });

  it('lets a call that settles before the abort through and clears its timer', async () => {
    const clock = new ManualClock();
    const chaos = new Chaos({ clock, random: () => 0, abort: { rate: 1, after: 50 } });
    await expect(chaos.execute(() => 'fast')).resolves.toBe('fast');
    const failure = new Error('fn failed');
    await expect(
      chaos.execute(() => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(clock.pending).toBe(0);
  });

  it('follows the caller signal during the delay and removes its listener', async () => {
    const clock = new ManualClock();
    const chaos = new Chaos({ clock, random: () => 0, abort: { rate: 1, after: 50 } });
    const controller = new AbortController();
    const call = chaos.execute(() => new Promise(() => {}), { signal: controller.signal });
    controller.abort('caller');
    await expect(call).rejects.toBe('caller');
    expect(clock.pending).toBe(0);
    const kept = new AbortController();
    const added = jest.spyOn(kept.signal, 'addEventListener');
    const removed = jest.spyOn(kept.signal, 'removeEventListener');
    await chaos.execute(() => 1, { signal: kept.signal });
    expect(added).toHaveBeenCalledTimes(1);
    expect(removed).toHaveBeenCalledTimes(1);
  });
});

describe('Chaos switches', () => {
  it('turns every fault off and on with enabled', async () => {
    const chaos = new Chaos({ random: () => 0, error: { rate: 1 }, enabled: false });
    expect(chaos.enabled).toBe(false);
    await expect(chaos.execute(() => 'ok')).resolves.toBe('ok');
    chaos.enabled = true;
    await expect(chaos.execute(() => 'ok')).rejects.toThrow(ChaosError);
    expect(chaos.counts).toMatchObject({ calls: 2, none: 1, error: 1 });
    expect(() => {
      chaos.enabled = 'yes' as never;
    }).toThrow(new TypeError('@dyno/chaos: `enabled` must be a boolean; received "yes"'));
  });

  it('turns one fault off without giving its share to the others', () => {
    const chaos = new Chaos({
      random: draws(0.1, 0.3),
      error: { rate: 0.2, enabled: false },
      latency: { rate: 0.2 },
    });
    expect(chaos.isEnabled('error')).toBe(false);
    expect([chaos.pick(), chaos.pick()]).toEqual([undefined, 'latency']);
    chaos.enable('error');
    expect(chaos.isEnabled('error')).toBe(true);
    expect(chaos.pick()).toBe('error');
    chaos.disable('latency');
    expect(chaos.pick()).toBeUndefined();
  });

  it('changes a rate while keeping the sum at most 1', () => {
    const chaos = new Chaos({ error: { rate: 0.5 } });
    chaos.setRate('hang', 0.5);
    expect(chaos.rate('hang')).toBe(0.5);
    expect(() => chaos.setRate('latency', 0.1)).toThrow(
      new RangeError(
        '@dyno/chaos: the fault rates must sum to at most 1; received 1.1 (error 0.5, latency 0.1, hang 0.5)',
      ),
    );
    expect(chaos.rate('latency')).toBe(0);
    expect(() => chaos.setRate('error', Number.NaN)).toThrow(
      new RangeError('@dyno/chaos: a rate must be a ratio from 0 to 1; received NaN'),
    );
    expect(() => chaos.setRate('error', '1' as never)).toThrow(TypeError);
    expect(() => chaos.setRate('nope' as never, 0)).toThrow(
      new TypeError(
        '@dyno/chaos: unknown fault "nope" (known: "error", "throwable", "syncThrow", "latency", "hang", "thenable", "result", "abort")',
      ),
    );
  });

  it('counts picks, tells listeners, and resets its counts', () => {
    const chaos = new Chaos({ name: 'c', random: draws(0, 0.9), error: { rate: 0.5 } });
    const seen: unknown[] = [];
    const sub = chaos.onFault((e) => seen.push(e));
    chaos.pick();
    chaos.pick();
    sub.dispose();
    chaos.pick();
    expect(seen).toEqual([{ name: 'c', fault: 'error' }]);
    expect(chaos.counts).toMatchObject({ calls: 3, none: 1, error: 2 });
    chaos.resetCounts();
    expect(chaos.counts).toMatchObject({ calls: 0, none: 0, error: 0 });
  });

  it('injects without a draw, so pick() then inject() matches execute() for the same seed', async () => {
    const clock = new ManualClock();
    const options = {
      clock,
      throwable: { rate: 0.3, values: ['a', 'b', 'c', 'd'] },
      latency: { rate: 0.3, ms: [0, 1000] as [number, number] },
    };
    const run = async (call: (chaos: Chaos, fn: () => string) => PromiseLike<string>) => {
      const random = jest.fn(seededRandom(7));
      const chaos = new Chaos({ ...options, random });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        const started = clock.now();
        const outcome = state(call(chaos, () => 'ok'));
        await clock.advance(1000);
        outcomes.push(`${await outcome} after ${Math.round(clock.now() - started)}`);
      }
      return { outcomes, draws: random.mock.calls.length };
    };
    const executed = await run((chaos, fn) => chaos.execute(fn));
    const injected = await run((chaos, fn) => {
      const fault = chaos.pick();
      return Promise.resolve(chaos.inject(fault, fn, ctx));
    });
    expect(injected).toEqual(executed);
    expect(executed.draws).toBe(20);
    expect(new Set(executed.outcomes).size).toBeGreaterThan(3);
  });

  it('injects a fault chosen by hand with the first of its variants', async () => {
    const clock = new ManualClock();
    const chaos = new Chaos({
      clock,
      random: () => 0.99,
      throwable: { values: ['first', 'second'] },
      latency: { ms: [100, 500] },
    });
    await expect(chaos.inject('throwable', () => 'ok', ctx)).rejects.toBe('first');
    const late = Promise.resolve(chaos.inject('latency', () => 'ok', ctx));
    await clock.advance(99);
    expect(await state(late)).toBe('pending');
    await clock.advance(1);
    expect(await state(late)).toBe('resolved ok');
  });

  it('injects a fault picked earlier into a raw call, or none', async () => {
    const chaos = new Chaos({ random: () => 0 });
    expect(chaos.inject(undefined, () => 5, ctx)).toBe(5);
    await expect(chaos.inject('error', () => 5, ctx)).rejects.toThrow(ChaosError);
    expect(() => chaos.inject('boom' as never, () => 5, ctx)).toThrow(TypeError);
    expect(chaos.counts.calls).toBe(0);
  });
});

describe('Chaos with a misbehaving random, error or reason maker', () => {
  it('rejects a call whose random throws, as a promise, rather than throwing from execute', async () => {
    const chaos = new Chaos({
      random: () => {
        throw new Error('rng');
      },
      error: { rate: 0.5 },
    });
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = chaos.execute(() => 1);
    }).not.toThrow();
    await expect(result).rejects.toThrow('rng');
  });

  it('refuses a draw outside [0, 1) instead of injecting a fault whose rate is 0', async () => {
    const fn = jest.fn(() => 1);
    const chaos = new Chaos({ random: () => -0.5, throwable: { rate: 0.5 } });
    await expect(chaos.execute(fn)).rejects.toThrow(
      new RangeError(
        '@dyno/chaos: `random` must return a number from 0 to less than 1; received -0.5',
      ),
    );
    expect(() => new Chaos({ random: () => 1, error: { rate: 1 } }).pick()).toThrow(RangeError);
    expect(() => new Chaos({ random: () => Number.NaN }).pick()).toThrow(RangeError);
    expect(() => new Chaos({ random: () => '0.1' as never }).pick()).toThrow(TypeError);
    let wrapped: unknown;
    expect(() => {
      wrapped = chaos.wrap(fn)(ctx);
    }).not.toThrow();
    await expect(wrapped).rejects.toThrow(RangeError);
    expect(fn).not.toHaveBeenCalled();
    expect(chaos.counts).toMatchObject({ calls: 0, none: 0, error: 0, throwable: 0 });
  });

  it('keeps where its own draw fell when an onFault listener makes a draw of its own', async () => {
    const chaos = new Chaos({
      random: draws(0.1, 0.9),
      throwable: { rate: 1, values: ['a', 'b'] },
    });
    let calls = 0;
    let inner: FaultKind | undefined;
    chaos.onFault(() => {
      if (++calls === 1) inner = chaos.pick();
    });
    await expect(chaos.execute(() => 1)).rejects.toBe('a');
    expect(inner).toBe('throwable');
  });

  it('rejects, not throws, from a wrapped call whose abort reason maker throws', async () => {
    for (const after of [0, 5]) {
      const chaos = new Chaos({
        random: () => 0,
        abort: {
          rate: 1,
          after,
          reason: () => {
            throw 'reason';
          },
        },
      });
      let result: unknown;
      expect(() => {
        result = chaos.wrap(() => 1)(ctx);
      }).not.toThrow();
      await expect(result).rejects.toBe('reason');
    }
  });

  it('rejects, not throws, from a wrapped call whose error maker throws', async () => {
    const chaos = new Chaos({
      random: () => 0,
      error: {
        rate: 1,
        error: () => {
          throw 'maker';
        },
      },
    });
    let result: unknown;
    expect(() => {
      result = chaos.wrap(() => 1)(ctx);
    }).not.toThrow();
    await expect(result).rejects.toBe('maker');
  });
});

describe('Chaos validation', () => {
  it('rejects bad options with clear errors', () => {
    expect(() => new Chaos({ error: { rate: 0.7 }, hang: { rate: 0.4 } })).toThrow(
      new RangeError(
        '@dyno/chaos: the fault rates must sum to at most 1; received 1.1 (error 0.7, hang 0.4)',
      ),
    );
    expect(() => new Chaos({ error: { rate: 1.5 } })).toThrow(
      new RangeError('@dyno/chaos: option `error.rate` must be a ratio from 0 to 1; received 1.5'),
    );
    expect(() => new Chaos({ error: { rate: Number.NaN } })).toThrow(RangeError);
    expect(() => new Chaos({ error: { rat: 1 } } as never)).toThrow(
      new TypeError('@dyno/chaos: unknown option `error.rat` (known: rate, enabled, error)'),
    );
    expect(() => new Chaos({ errors: {} } as never)).toThrow(TypeError);
    expect(() => new Chaos({ error: 0.1 } as never)).toThrow(
      new TypeError('@dyno/chaos: option `error` must be an object; received 0.1'),
    );
    expect(() => new Chaos({ random: 0.5 } as never)).toThrow(TypeError);
    expect(() => new Chaos({ latency: { ms: -1 } })).toThrow(RangeError);
    expect(() => new Chaos({ latency: { ms: [300, 100] } })).toThrow(
      new RangeError(
        '@dyno/chaos: option `latency.ms` must be a duration in ms from 0 to 2147483647 or a [min, max] pair of them; received an array',
      ),
    );
    expect(() => new Chaos({ latency: { ms: [1, Number.POSITIVE_INFINITY] } })).toThrow(RangeError);
    expect(() => new Chaos({ latency: { ms: [1] as never } })).toThrow(TypeError);
    expect(() => new Chaos({ latency: { ms: ['1', 2] as never } })).toThrow(TypeError);
    expect(() => new Chaos({ latency: { ms: '1' as never } })).toThrow(TypeError);
    expect(() => new Chaos({ throwable: { values: [] } })).toThrow(RangeError);
    expect(() => new Chaos({ throwable: { values: 'x' as never } })).toThrow(TypeError);
    expect(() => new Chaos({ thenable: { kinds: ['odd' as never] } })).toThrow(RangeError);
    expect(() => new Chaos({ thenable: { kinds: 'both' as never } })).toThrow(TypeError);
    expect(() => new Chaos({ abort: { after: 2 ** 31 } })).toThrow(RangeError);
    expect(() => new Chaos().wrap(5 as never)).toThrow(
      new TypeError('@dyno/chaos: `fn` must be a function; received 5'),
    );
  });
});

describe('Chaos options after construction', () => {
  // the fault settings were read again from the caller's objects and their arrays kept as
  // given: emptied later, a throwable fault threw `undefined`; a getter passed the check
  // with one value and was used with another
  it('keeps the values, kinds and ms it checked, whatever the caller does to its objects', async () => {
    const values = ['a', 'b'];
    const kinds: string[] = ['twice'];
    const ms: [number, number] = [100, 100];
    const clock = new ManualClock();
    const throwing = new Chaos({ random: () => 0, throwable: { rate: 1, values } });
    const odd = new Chaos({ random: () => 0, thenable: { rate: 1, kinds: kinds as never } });
    const slow = new Chaos({ clock, random: () => 0, latency: { rate: 1, ms } });
    values.length = 0;
    kinds[0] = 'odd';
    ms[0] = 5_000;
    await expect(throwing.execute(() => 1)).rejects.toBe('a');
    const calls: string[] = [];
    (odd.inject('thenable', () => 1, ctx) as PromiseLike<number>).then((v) => calls.push(`${v}`));
    expect(calls).toEqual(['1', '1']);
    const late = slow.execute(() => 'done');
    await clock.advance(100);
    await expect(late).resolves.toBe('done');
  });

  it('reads each fault option once: a getter checked with one value is not used with another', async () => {
    let reads = 0;
    const chaos = new Chaos({
      random: () => 0,
      throwable: {
        rate: 1,
        get values() {
          reads++;
          return reads === 1 ? ['checked'] : [];
        },
      },
    });
    await expect(chaos.execute(() => 1)).rejects.toBe('checked');
  });
});
