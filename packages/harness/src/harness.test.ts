import { runInNewContext } from 'node:vm';
import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { seededRandom } from '@dyno/core/testing';
import { ErrorCounts } from './error-counts.js';
import type { HarnessErrorEvent } from './events.js';
import { harness } from './harness.js';

function recorder() {
  const calls: unknown[][] = [];
  return { calls, logger: { error: (...args: unknown[]) => void calls.push(args) } };
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('harness', () => {
  it('returns the value of a sync function synchronously and logs nothing', () => {
    const { calls, logger } = recorder();
    const add = harness((a: number, b: number) => a + b, { logger });
    expect(add(1, 2)).toBe(3);
    expect(calls).toEqual([]);
  });

  it('logs a sync throw with the name and rethrows the very same error, stack unchanged', () => {
    const { calls, logger } = recorder();
    const boom = new Error('boom');
    const stack = boom.stack;
    const parse = harness(
      function parse() {
        throw boom;
      },
      { logger, counts: new ErrorCounts() },
    );
    expect(caught(() => parse())).toBe(boom);
    expect(boom.stack).toBe(stack);
    expect(calls).toEqual([['parse failed', boom]]);
  });

  it('returns a promise for an async function and rethrows its rejection unchanged', async () => {
    const { calls, logger } = recorder();
    const boom = new TypeError('late');
    const load = harness(async (ok: boolean) => (ok ? 'value' : Promise.reject(boom)), {
      logger,
      name: 'load',
    });
    await expect(load(true)).resolves.toBe('value');
    await expect(load(false)).rejects.toBe(boom);
    expect(calls).toEqual([['load failed', boom]]);
  });

  it('returns the very same promise, and a Promise subclass keeps its class and methods', async () => {
    class Query<T> extends Promise<T> {
      cancelled = false;
      cancel(): void {
        this.cancelled = true;
      }
    }
    const { calls, logger } = recorder();
    const boom = new Error('query failed');
    const failing = new Query<number>((_, reject) => reject(boom));
    const passing = Query.resolve(7) as Query<number>;
    const f = harness((ok: boolean) => (ok ? passing : failing), { logger, name: 'query' });
    const returned = f(false);
    const reason = Promise.resolve(returned).catch((error: unknown) => error);
    expect(returned).toBe(failing);
    returned.cancel();
    expect(returned.cancelled).toBe(true);
    expect(await reason).toBe(boom);
    expect(f(true)).toBe(passing);
    await expect(f(true)).resolves.toBe(7);
    expect(calls).toEqual([['query failed', boom]]);
  });

  it('reports a rejection before the caller sees it, and leaves nothing unhandled', async () => {
    const order: string[] = [];
    const boom = new Error('late');
    const f = harness(() => Promise.reject(boom), {
      logger: { error: () => void order.push('logged') },
    });
    await f().catch(() => order.push('caught'));
    expect(order).toEqual(['logged', 'caught']);

    // nobody awaits this one: it is logged, and no unhandled rejection escapes
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      f();
      await new Promise((resolve) => setImmediate(resolve));
      expect(order).toEqual(['logged', 'caught', 'logged']);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('observes a promise from another realm', async () => {
    const { calls, logger } = recorder();
    const foreign = runInNewContext('Promise.reject("far")') as Promise<never>;
    const f = harness(() => foreign, { logger, name: 'realm' });
    const returned = f();
    const reason = Promise.resolve(returned).catch((error: unknown) => error);
    expect(returned).toBe(foreign);
    expect(await reason).toBe('far');
    expect(calls).toEqual([['realm failed', { thrown: 'far' }]]);
  });

  it('returns a lazy thenable untouched, without running it', async () => {
    const { calls, logger } = recorder();
    const run = jest.fn((_ok: unknown, fail: (e: unknown) => void) => fail('nope'));
    const builder = { where: () => builder, then: run };
    const f = harness(() => builder, { logger, name: 'builder' });
    const returned = f();
    const reason = Promise.resolve(returned).catch((error: unknown) => error);
    expect(returned).toBe(builder);
    expect(returned.where()).toBe(builder);
    expect(run).not.toHaveBeenCalled();
    expect(await reason).toBe('nope');
    expect(run).toHaveBeenCalledTimes(1);
    // not observed: harness an async function that awaits the builder to log its errors
    expect(calls).toEqual([]);
  });

  it.each([
    ['a string', 'x'],
    ['undefined', undefined],
    ['null', null],
    ['a plain object', { code: 42 }],
  ])('logs and rethrows %s unchanged', (_, thrown) => {
    const { calls, logger } = recorder();
    const f = harness(
      () => {
        throw thrown;
      },
      { logger, name: 'odd' },
    );
    expect(caught(() => f())).toBe(thrown);
    expect(calls).toEqual([['odd failed', { thrown }]]);
  });

  it('keeps this and the arguments', () => {
    const target = {
      base: 10,
      plus: harness(function (this: { base: number }, n: number) {
        return this.base + n;
      }),
    };
    expect(target.plus(5)).toBe(15);
    expect(target.plus.name).toBe('');
  });

  it('keeps the name and the number of parameters, so an Express error handler stays one', () => {
    const handler = harness(function onError(
      _err: unknown,
      _req: unknown,
      _res: unknown,
      _next: unknown,
    ) {});
    expect(handler.name).toBe('onError');
    expect(handler.length).toBe(4);
    expect(harness((..._rest: unknown[]) => 1).length).toBe(0);
  });

  it('counts errors per name, sampled or not', () => {
    const counts = new ErrorCounts();
    const { logger } = recorder();
    const fail = () => {
      throw new Error('x');
    };
    const a = harness(fail, { name: 'a', counts, logger, sample: 0 });
    const b = harness(fail, { name: 'b', counts, logger });
    const a2 = harness(fail, { name: 'a', counts, logger });
    for (const f of [a, a, b, a2]) caught(() => f());
    expect(counts.get('a')).toBe(3);
    expect(counts.get('b')).toBe(1);
    expect(counts.get('c')).toBe(0);
    expect(counts.total).toBe(4);
    expect(counts.toJSON()).toEqual({ a: 3, b: 1 });
  });

  it('logs a sampled share of errors on a seeded random, and calls onError for all', () => {
    const { calls, logger } = recorder();
    const events: HarnessErrorEvent[] = [];
    const f = harness(
      () => {
        throw new Error('hot');
      },
      {
        logger,
        name: 'hot',
        sample: 0.1,
        random: seededRandom(7),
        counts: new ErrorCounts(),
        onError: (e) => events.push(e),
      },
    );
    for (let i = 0; i < 1000; i++) caught(() => f());
    expect(calls.length).toBeGreaterThan(70);
    expect(calls.length).toBeLessThan(130);
    expect(events).toHaveLength(1000);
    expect(events.filter((e) => e.logged)).toHaveLength(calls.length);
    expect(events[999]?.count).toBe(1000);
  });

  it('logs nothing at a sample of 0 without asking random', () => {
    const { calls, logger } = recorder();
    const random = jest.fn(() => 0);
    const f = harness(
      () => {
        throw new Error('x');
      },
      { logger, sample: 0, random },
    );
    caught(() => f());
    expect(calls).toEqual([]);
    expect(random).not.toHaveBeenCalled();
  });

  it('hands onError the name, the error, the count and whether it was logged', async () => {
    const onError = jest.fn();
    const boom = new Error('x');
    const counts = new ErrorCounts();
    const f = harness(() => Promise.reject(boom), {
      name: 'job',
      onError,
      counts,
      logger: recorder().logger,
    });
    await expect(f()).rejects.toBe(boom);
    expect(onError).toHaveBeenCalledWith({ name: 'job', error: boom, count: 1, logged: true });
  });

  it('builds the message from a function of the event', () => {
    const { calls, logger } = recorder();
    const boom = new Error('x');
    const f = harness(
      () => {
        throw boom;
      },
      { logger, name: 'svc', message: (e) => `${e.name} failed ${e.count} times` },
    );
    caught(() => f());
    caught(() => f());
    expect(calls.map((c) => c[0])).toEqual(['svc failed 1 times', 'svc failed 2 times']);
  });

  it('names an anonymous function harness#n', () => {
    const { calls, logger } = recorder();
    const f = harness(
      [
        () => {
          throw 1;
        },
      ][0] as () => never,
      { logger },
    );
    caught(() => f());
    expect(calls[0]?.[0]).toMatch(/^harness#\d+ failed$/);
  });

  it('names a function whose name is not a string harness#n, as an anonymous one', () => {
    // a Symbol name threw "Cannot convert a Symbol value to a string" out of harness(), and a
    // class with a static name() method counted its errors under the method's source text
    const { calls, logger } = recorder();
    const counts = new ErrorCounts();
    // biome-ignore lint/complexity/noStaticOnlyClass: a class whose `name` is a static method
    class Client {
      static name(): string {
        return 'client';
      }
    }
    const symbolic = () => {
      throw new Error('down');
    };
    Object.defineProperty(symbolic, 'name', { value: Symbol('s') });
    caught(() => harness(Client as unknown as () => never, { logger, counts })());
    caught(() => harness(symbolic, { logger, counts })());
    expect(calls.map((c) => c[0])).toEqual([
      expect.stringMatching(/^harness#\d+ failed$/),
      expect.stringMatching(/^harness#\d+ failed$/),
    ]);
    expect(Object.keys(counts.toJSON())).toEqual([
      expect.stringMatching(/^harness#\d+$/),
      expect.stringMatching(/^harness#\d+$/),
    ]);
  });

  it('forwards new to a wrapped class or constructor, logging what its constructor throws', () => {
    // `new` reached the class as a plain call: "Class constructor cannot be invoked without
    // 'new'" was logged and thrown, and a function constructor's instance was not its own
    const { calls, logger } = recorder();
    class Client {
      constructor(readonly url: string) {
        if (url === '') throw new RangeError('no url');
      }
      ping(): string {
        return `ping ${this.url}`;
      }
    }
    function Legacy(this: { v: number }, v: number) {
      this.v = v;
    }
    const Wrapped = harness(Client as unknown as () => Client, {
      logger,
    }) as unknown as typeof Client;
    const client = new Wrapped('db');
    expect(client).toBeInstanceOf(Client);
    expect(client).toBeInstanceOf(Wrapped);
    expect(client.ping()).toBe('ping db');
    const WrappedLegacy = harness(Legacy, { logger }) as unknown as new (
      v: number,
    ) => { v: number };
    const legacy = new WrappedLegacy(3);
    expect(legacy).toBeInstanceOf(Legacy);
    expect(legacy.v).toBe(3);
    class Replica extends Wrapped {}
    expect(new Replica('r')).toBeInstanceOf(Replica);
    expect(calls).toEqual([]);
    const error = caught(() => new Wrapped(''));
    expect(error).toBeInstanceOf(RangeError);
    expect(calls).toEqual([['Client failed', error]]);
  });

  it('never lets a throwing logger, message or onError replace the original error', async () => {
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    const loggerBug = new Error('logger broke');
    const hookBug = new Error('hook broke');
    const boom = new Error('original');
    try {
      const f = harness(() => Promise.reject(boom), {
        logger: {
          error: () => {
            throw loggerBug;
          },
        },
        onError: () => {
          throw hookBug;
        },
      });
      const g = harness(
        () => {
          throw boom;
        },
        {
          message: () => {
            throw loggerBug;
          },
        },
      );
      await expect(f()).rejects.toBe(boom);
      expect(caught(() => g())).toBe(boom);
    } finally {
      subscription.dispose();
    }
    expect(reported.map((r) => [r.error, r.source])).toEqual([
      [loggerBug, expect.stringMatching(/^@dyno\/harness logger of harness#\d+$/)],
      [hookBug, expect.stringMatching(/^@dyno\/harness onError of harness#\d+$/)],
      [loggerBug, expect.stringMatching(/^@dyno\/harness logger of harness#\d+$/)],
    ]);
  });

  it('logs to console by default', () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const boom = new Error('x');
      const f = harness(function work() {
        throw boom;
      });
      caught(() => f());
      expect(spy).toHaveBeenCalledWith('work failed', boom);
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects bad input with clear errors', () => {
    const fn = () => 1;
    expect(() => harness('f' as never)).toThrow(
      new TypeError('@dyno/harness: option `fn` must be a function; received "f"'),
    );
    expect(() => harness(fn, { logger: {} as never })).toThrow(
      new TypeError(
        '@dyno/harness: option `logger` must be a logger (an object with an `error` method); received an object',
      ),
    );
    expect(() => harness(fn, { logger: null as never })).toThrow(TypeError);
    expect(() => harness(fn, { sample: 1.5 })).toThrow(
      new RangeError('@dyno/harness: option `sample` must be a ratio from 0 to 1; received 1.5'),
    );
    expect(() => harness(fn, { sample: Number.NaN })).toThrow(RangeError);
    expect(() => harness(fn, { sample: '1' as never })).toThrow(TypeError);
    expect(() => harness(fn, { name: '' })).toThrow(RangeError);
    expect(() => harness(fn, { message: 3 as never })).toThrow(
      new TypeError(
        '@dyno/harness: option `message` must be a non-empty string or a function; received 3',
      ),
    );
    expect(() => harness(fn, { onError: 'log' as never })).toThrow(TypeError);
    expect(() => harness(fn, { random: 0.5 as never })).toThrow(TypeError);
    expect(() => harness(fn, { counts: new Map() as never })).toThrow(
      new TypeError('@dyno/harness: option `counts` must be an ErrorCounts; received an object'),
    );
    expect(() => harness(fn, { loggerStyle: 'pino' as never })).toThrow(
      new RangeError(
        '@dyno/harness: option `loggerStyle` must be one of "auto", "object-first", "message-first"; received "pino"',
      ),
    );
    expect(() => harness(fn, { log: console } as never)).toThrow(
      '@dyno/harness: unknown option `log`',
    );
  });
});

describe('ErrorCounts', () => {
  it('keeps a name such as __proto__ in toJSON, as an own field', () => {
    const counts = new ErrorCounts();
    counts.add('__proto__');
    counts.add('constructor');
    expect(JSON.stringify(counts)).toBe('{"__proto__":1,"constructor":1}');
    expect(Object.getPrototypeOf(counts.toJSON())).toBe(Object.prototype);
  });

  it('resets one name or all', () => {
    const counts = new ErrorCounts();
    counts.add('a');
    counts.add('a');
    counts.add('b');
    counts.reset('a');
    expect(counts.toJSON()).toEqual({ b: 1 });
    expect(counts.total).toBe(1);
    counts.reset('never-seen');
    counts.reset();
    expect(counts.total).toBe(0);
    expect(counts.get('b')).toBe(0);
    expect(() => counts.reset(5 as never)).toThrow(TypeError);
  });
});
