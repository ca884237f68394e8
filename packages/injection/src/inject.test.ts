import { getEventListeners } from 'node:events';
import { DynoError, sleep } from '@dyno/core';
import { flushPromises, ManualClock, outcome } from '@dyno/core/testing';
import type { MakeContext } from './declaration.js';
import { CircularDependencyError, DependencyError, DependencyTimeoutError } from './errors.js';
import { inject } from './inject.js';

describe('inject', () => {
  it('builds three 100 ms dependencies in parallel: the call resolves in 100 ms, not 300', async () => {
    const clock = new ManualClock();
    const slow =
      <T>(value: T) =>
      async () => {
        await sleep(100, { clock });
        return value;
      };
    const handler = inject(
      { db: slow('db'), cache: slow('cache'), cfg: slow('cfg') },
      ({ db, cache, cfg }, id: number) => `${db}+${cache}+${cfg}#${id}@${clock.now()}`,
      { clock },
    );
    const call = handler(7);
    await clock.advance(99);
    expect(await outcome(call)).toBe('pending');
    await clock.advance(1);
    expect(await call).toBe('db+cache+cfg#7@100');
  });

  it('passes each make its own name and the call signal, and fn its arguments', async () => {
    const seen: MakeContext[] = [];
    const handler = inject(
      {
        a: (c) => {
          seen.push(c);
          return 1;
        },
        b: async (c) => {
          seen.push(c);
          return 'two';
        },
      },
      (deps, x: number, y: string) => ({ ...deps, x, y }),
    );
    expect(await handler(3, 'y')).toEqual({ a: 1, b: 'two', x: 3, y: 'y' });
    expect(seen.map((c) => c.name)).toEqual(['a', 'b']);
    expect(seen.every((c) => c.signal.aborted === false)).toBe(true);
    const controller = new AbortController();
    seen.length = 0;
    await handler.run({ signal: controller.signal }, 1, 'z');
    expect(seen.map((c) => c.signal)).toEqual([controller.signal, controller.signal]);
  });

  it('does not build dependencies the caller supplies', async () => {
    const make = jest.fn(() => 'built');
    const handler = inject({ db: make, cfg: () => 'cfg' }, ({ db, cfg }) => `${db}/${cfg}`);
    expect(await handler.run({ deps: { db: 'mine' } })).toBe('mine/cfg');
    expect(make).not.toHaveBeenCalled();
    expect(await handler.run({ deps: { db: undefined } })).toBe('built/cfg');
    expect(await handler.run({})).toBe('built/cfg');
    expect(await handler.run(undefined as never)).toBe('built/cfg');
    await expect(handler.run({ deps: { dbb: 1 } as never })).rejects.toThrow(
      new TypeError('@dyno/injection: unknown dependency `dbb` supplied (known: db, cfg)'),
    );
  });

  it('builds a dependency named like an Object.prototype member when the caller supplies others', async () => {
    const handler = inject(
      { toString: () => 'built', constructor: () => 'made', db: () => 'db' },
      (deps) => deps,
    );
    // the cast: TypeScript too reads an object literal's inherited `toString` as its own
    expect(await handler.run({ deps: { db: 'mine' } as never })).toEqual({
      toString: 'built',
      constructor: 'made',
      db: 'mine',
    });
  });

  it('calls fn at once when every dependency is supplied or there are none', async () => {
    const none = inject({}, (deps) => Object.keys(deps).length);
    expect(await none()).toBe(0);
    const all = inject({ a: (): number => 1 }, ({ a }) => a);
    expect(await all.run({ deps: { a: 5 } })).toBe(5);
    expect(all.dependencies).toEqual(['a']);
  });

  it('uses the fallback of a dependency that fails, even an undefined one', async () => {
    const handler = inject(
      {
        db: {
          make: (): string => {
            throw new Error('down');
          },
          fallback: 'offline',
        },
        cache: {
          make: async (): Promise<string | undefined> => Promise.reject(new Error('x')),
          fallback: undefined,
        },
      },
      (deps) => deps,
    );
    expect(await handler()).toEqual({ db: 'offline', cache: undefined });
  });

  it('fails with a DependencyError naming the first dependency that failed, with its cause', async () => {
    const down = new Error('down');
    const handler = inject(
      {
        ok: () => 1,
        db: async (): Promise<number> => {
          throw down;
        },
        odd: (): number => {
          throw undefined;
        },
        cfg: {
          make: (): number => {
            throw new TypeError('bad');
          },
          fallback: 0,
        },
      },
      () => 'never',
      { name: 'handler' },
    );
    const error = (await handler().catch((e: unknown) => e)) as DependencyError;
    expect(error).toBeInstanceOf(DependencyError);
    expect(error).toBeInstanceOf(DynoError);
    expect(DependencyError.isInstance(error)).toBe(true);
    expect(error.code).toBe('DYNO_DEPENDENCY_FAILED');
    expect(error.source).toBe('handler');
    expect(error.message).toBe('Could not build 1 dependency: "db" (Error: down)');
    expect(error.names).toEqual(['db']);
    expect(error.errors).toEqual([down]);
    expect(error.cause).toBe(down);
    expect(error.failures).toEqual([{ name: 'db', error: down }]);
  });

  it('describes several failures when a DependencyError is built with them', () => {
    const error = new DependencyError([
      { name: 'db', error: new Error('down') },
      { name: 'odd', error: undefined },
    ]);
    expect(error.message).toBe(
      'Could not build 2 dependencies: "db" (Error: down), "odd" (thrown undefined)',
    );
    expect(error.names).toEqual(['db', 'odd']);
  });

  it('says "1 dependency" for a single failure', async () => {
    const handler = inject({ db: (): number => Promise.reject('nope') as never }, () => 0);
    await expect(handler()).rejects.toThrow('Could not build 1 dependency: "db" (thrown "nope")');
  });

  it('turns a synchronous throw of fn into a rejection and adopts its promise', async () => {
    const failure = new Error('fn failed');
    const throwing = inject({}, () => {
      throw failure;
    });
    await expect(throwing()).rejects.toBe(failure);
    const asyncFn = inject({ a: () => 2 }, async ({ a }) => a * 2);
    await expect(asyncFn()).resolves.toBe(4);
  });

  it('builds per call by default', async () => {
    let n = 0;
    const handler = inject({ a: () => ++n }, ({ a }) => a);
    expect([await handler(), await handler()]).toEqual([1, 2]);
  });
});

describe('inject timeouts', () => {
  it('fail a slow dependency at its timeout, abort its signal and clear the timer', async () => {
    const clock = new ManualClock();
    let signal: AbortSignal | undefined;
    const handler = inject(
      {
        slow: {
          make: (c: MakeContext) => {
            signal = c.signal;
            return new Promise<string>(() => {});
          },
          timeout: 50,
        },
      },
      ({ slow }) => slow,
      { clock, name: 'h' },
    );
    const call = handler();
    await clock.advance(49);
    expect(await outcome(call)).toBe('pending');
    await clock.advance(1);
    const error = (await call.catch((e: unknown) => e)) as DependencyError;
    const timeout = error.failures[0]?.error as DependencyTimeoutError;
    expect(timeout).toBeInstanceOf(DependencyTimeoutError);
    expect(DependencyTimeoutError.isInstance(timeout)).toBe(true);
    expect(DependencyTimeoutError.isInstance(new DynoError('DYNO_TIMEOUT', 'other'))).toBe(false);
    expect(timeout.code).toBe('DYNO_TIMEOUT');
    expect(timeout.message).toBe('Dependency "slow" took longer than 50 ms to build');
    expect(timeout.dependency).toBe('slow');
    expect(timeout.timeout).toBe(50);
    expect(timeout.source).toBe('h');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(timeout);
    expect(clock.pending).toBe(0);
  });

  it('take the fallback at the timeout', async () => {
    const clock = new ManualClock();
    const handler = inject(
      {
        cfg: {
          make: () => sleep(500, { clock }).then(() => 'remote'),
          timeout: 200,
          fallback: 'local',
        },
      },
      ({ cfg }) => cfg,
      { clock },
    );
    const call = handler();
    await clock.advance(200);
    expect(await call).toBe('local');
  });

  it('clear the timer when the dependency is built in time', async () => {
    const clock = new ManualClock();
    const handler = inject(
      { a: { make: () => sleep(10, { clock }).then(() => 'a'), timeout: 50 } },
      ({ a }) => a,
      { clock },
    );
    const call = handler();
    await clock.advance(10);
    expect(await call).toBe('a');
    expect(clock.pending).toBe(0);
    const failing = inject(
      {
        a: {
          make: (): string => {
            throw new Error('x');
          },
          timeout: 50,
          fallback: 'fb',
        },
      },
      ({ a }) => a,
      { clock },
    );
    expect(await failing()).toBe('fb');
    expect(clock.pending).toBe(0);
  });

  it('accept false as no timeout', async () => {
    const handler = inject({ a: { make: () => 1, timeout: false } }, ({ a }) => a);
    expect(await handler()).toBe(1);
  });
});

describe('inject cancellation', () => {
  it('rejects an already-aborted call before building anything', async () => {
    const make = jest.fn(() => 1);
    const handler = inject({ a: make }, () => 0);
    const reason = new Error('stop');
    await expect(handler.run({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(make).not.toHaveBeenCalled();
  });

  it('rejects at once with the reason and aborts per-call builds and their timers', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const hang = (c: MakeContext) => {
      signals.push(c.signal);
      return new Promise<never>(() => {});
    };
    const handler = inject({ a: hang, b: { make: hang, timeout: 1000 } }, () => 0, { clock });
    const call = handler.run({ signal: controller.signal });
    await flushPromises();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(signals[1]?.reason).toBe(reason);
    expect(clock.pending).toBe(0);
    // the call's listeners fired or were removed: nothing stays on the caller's signal
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('removes its listener from a long-lived signal when the call settles', async () => {
    const controller = new AbortController();
    const clock = new ManualClock();
    const handler = inject({ a: { make: () => 1, timeout: 10 }, b: () => 2 }, ({ a, b }) => a + b, {
      clock,
    });
    for (let i = 0; i < 5; i++) {
      const call = handler.run({ signal: controller.signal });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      expect(await call).toBe(3);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    }
  });
});

describe('inject once-only construction', () => {
  it('rejects a once-only build that needs its own value, instead of recursing without end (regression)', async () => {
    const made: string[] = [];
    let b: () => Promise<string> = async () => 'none';
    const make = () => {
      made.push('x');
      return b();
    };
    const a = inject({ x: { make, once: true } }, ({ x }) => `a(${x})`, { name: 'a' });
    b = inject({ y: { make: () => a(), once: true } }, ({ y }) => `b(${y})`, { name: 'b' });
    const error = await a().catch((e: unknown) => e);
    // a, then b, then a again: the second `a` meets x's build that it is itself part of
    expect(made).toEqual(['x']);
    let inner = error;
    while (DependencyError.isInstance(inner)) inner = inner.cause;
    expect(inner).toBeInstanceOf(CircularDependencyError);
    expect(inner).toMatchObject({
      code: 'DYNO_CIRCULAR_DEPENDENCY',
      dependency: 'x',
      source: 'a',
      message: 'Dependency "x" was asked for its own value while building it (a dependency cycle)',
    });
    // nothing is cached: without the cycle, the next call builds it
    b = async () => 'ok';
    await expect(a()).resolves.toBe('a(ok)');
  });

  it('builds once and shares the build among concurrent callers', async () => {
    const clock = new ManualClock();
    const make = jest.fn(() => sleep(100, { clock }).then(() => ({ conn: 1 })));
    const handler = inject({ db: make }, ({ db }) => db, { clock, once: true });
    const first = handler();
    const second = handler();
    await clock.advance(100);
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(await handler()).toBe(a);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('retries a failed build on the next call instead of caching the failure', async () => {
    let n = 0;
    const handler = inject(
      {
        db: {
          make: () => {
            n++;
            if (n === 1) throw new Error('first fails');
            return `conn${n}`;
          },
          once: true,
          fallback: 'fb',
        },
      },
      ({ db }) => db,
    );
    expect(await handler()).toBe('fb');
    expect(await handler()).toBe('conn2');
    expect(await handler()).toBe('conn2');
    handler.reset('db');
    expect(await handler()).toBe('conn3');
    handler.reset();
    expect(await handler()).toBe('conn4');
  });

  it('mixes once-only and per-call dependencies as each declares', async () => {
    let once = 0;
    let each = 0;
    const handler = inject(
      { a: { make: () => ++once, once: true }, b: () => ++each },
      ({ a, b }) => [a, b],
    );
    await handler();
    expect(await handler()).toEqual([1, 2]);
    const perCall = inject({ a: { make: () => ++once, once: false } }, ({ a }) => a, {
      once: true,
    });
    expect([await perCall(), await perCall()]).toEqual([2, 3]);
  });

  it('keeps a shared build going when one caller aborts, and times it out on its own signal', async () => {
    const clock = new ManualClock();
    let signal: AbortSignal | undefined;
    const handler = inject(
      {
        db: {
          make: (c: MakeContext) => {
            signal = c.signal;
            return sleep(100, { clock }).then(() => 'db');
          },
          timeout: 200,
        },
      },
      ({ db }) => db,
      { clock, once: true },
    );
    const controller = new AbortController();
    const aborted = handler.run({ signal: controller.signal });
    const other = handler();
    controller.abort('bye');
    await expect(aborted).rejects.toBe('bye');
    expect(signal?.aborted).toBe(false);
    await clock.advance(100);
    expect(await other).toBe('db');
    expect(clock.pending).toBe(0);
  });

  it('ignores the result of a build detached by reset', async () => {
    const clock = new ManualClock();
    let n = 0;
    const handler = inject({ a: () => sleep(10, { clock }).then(() => ++n) }, ({ a }) => a, {
      clock,
      once: true,
    });
    const first = handler();
    handler.reset();
    const second = handler();
    await clock.advance(10);
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(await handler()).toBe(2);
  });

  it('forgets a failed build detached by reset without touching the new one', async () => {
    const clock = new ManualClock();
    let n = 0;
    const handler = inject(
      {
        a: () =>
          sleep(10, { clock }).then(() => {
            n++;
            if (n === 1) throw new Error('first');
            return n;
          }),
      },
      ({ a }) => a,
      { clock, once: true },
    );
    const first = handler().catch((e: unknown) => e);
    handler.reset();
    const second = handler();
    await clock.advance(10);
    expect(await first).toBeInstanceOf(DependencyError);
    expect(await second).toBe(2);
  });
});

describe('inject validation', () => {
  it('rejects a bad declaration, fn or options with clear errors', () => {
    expect(() => inject(null as never, () => 0)).toThrow(
      new TypeError(
        '@dyno/injection: the declaration must be an object of dependencies; received null',
      ),
    );
    expect(() => inject({ db: 5 } as never, () => 0)).toThrow(
      new TypeError(
        '@dyno/injection: dependency `db` must be a function or an object with a `make` function; received 5',
      ),
    );
    expect(() => inject({ db: { fallback: 1 } } as never, () => 0)).toThrow(TypeError);
    expect(() => inject({ db: null } as never, () => 0)).toThrow(TypeError);
    expect(() => inject({ db: { make: () => 1, timeout: 0 } }, () => 0)).toThrow(
      new RangeError(
        '@dyno/injection: option `db.timeout` must be a duration in ms greater than 0 to 2147483647 or one of false; received 0',
      ),
    );
    for (const timeout of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      expect(() => inject({ db: { make: () => 1, timeout } }, () => 0)).toThrow(RangeError);
    }
    expect(() => inject({ db: { make: () => 1, retries: 2 } } as never, () => 0)).toThrow(
      new TypeError(
        '@dyno/injection: unknown option `db.retries` (known: make, fallback, timeout, once, dispose)',
      ),
    );
    expect(() => inject({ db: { make: () => 1, once: 'yes' } } as never, () => 0)).toThrow(
      TypeError,
    );
    // a wrong kind is a TypeError even where `false` is one of the allowed values
    expect(() => inject({ db: { make: () => 1, timeout: '100' } } as never, () => 0)).toThrow(
      new TypeError(
        '@dyno/injection: option `db.timeout` must be a duration in ms greater than 0 to 2147483647 or one of false; received "100"',
      ),
    );
    expect(() => inject({ db: { make: () => 1, timeout: null } } as never, () => 0)).toThrow(
      TypeError,
    );
    expect(() => inject({ db: { make: () => 1, timeout: true } } as never, () => 0)).toThrow(
      RangeError,
    );
    expect(() => inject({ db: { make: () => 1, dispose: 'close' } } as never, () => 0)).toThrow(
      new TypeError('@dyno/injection: option `db.dispose` must be a function; received "close"'),
    );
    expect(() => inject({}, 'fn' as never)).toThrow(
      new TypeError('@dyno/injection: `fn` must be a function; received "fn"'),
    );
    expect(() => inject({}, () => 0, { once: 1 } as never)).toThrow(
      new TypeError('@dyno/injection: option `once` must be a boolean; received 1'),
    );
    expect(() => inject({}, () => 0, { clock: {} } as never)).toThrow(TypeError);
    expect(() => inject({}, () => 0, { nmae: 'x' } as never)).toThrow(
      new TypeError('@dyno/injection: unknown option `nmae` (known: name, once, clock)'),
    );
    expect(() => inject(JSON.parse('{"__proto__": 1}'), () => 0)).toThrow(
      new TypeError('@dyno/injection: `__proto__` cannot name a dependency'),
    );
  });

  it('rejects bad call options', async () => {
    const handler = inject({}, () => 0);
    expect(() => handler.run({ signal: 'x' } as never)).toThrow(TypeError);
  });

  it('rejects reset of a name that was never declared, instead of forgetting nothing', async () => {
    let n = 0;
    const handler = inject({ db: () => ++n, cfg: () => 0 }, ({ db }) => db, { once: true });
    expect(() => handler.reset('dbb' as never)).toThrow(
      new RangeError(
        '@dyno/injection: `reset(name)` must name a declared dependency ("db", "cfg") or be left out; received "dbb"',
      ),
    );
    expect(() => handler.reset(5 as never)).toThrow(TypeError);
    expect(await handler()).toBe(1);
    handler.reset('db');
    expect(await handler()).toBe(2);
    handler.reset();
    expect(await handler()).toBe(3);
  });
});

describe('inject types', () => {
  it('infers deps from the declaration', async () => {
    const handler = inject(
      {
        n: () => 1,
        s: async () => 'text',
        o: { make: async () => ({ ok: true as const }), fallback: null },
      },
      ({ n, s, o }, suffix: string) => {
        const num: number = n;
        const str: string = s;
        const obj: { ok: true } | null = o;
        // @ts-expect-error n is a number
        const wrong: string = n;
        return `${num}${str}${obj?.ok}${suffix}${typeof wrong}`;
      },
    );
    const result: string = await handler('!');
    // @ts-expect-error the argument is a string
    await expect(handler(1).then(String)).resolves.toBe('1texttrue1number');
    expect(result).toBe('1texttrue!number');
    await handler.run({ deps: { n: 2 } }, '?');
    // @ts-expect-error n is a number
    await handler.run({ deps: { n: 'two' } }, '?');
  });
});
