import { flushPromises } from '@dyno/core/testing';
import fc from 'fast-check';
import { advertise } from './advertise.js';
import { FilterResultError } from './errors.js';
import { AspectRegistry, defaultRegistry } from './registry.js';

const add = (a: number, b: number): number => a + b;

describe('advertise', () => {
  it('calls fn directly when the name has no filters', () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('add', add, { registry });
    expect(wrapped(2, 3)).toBe(5);
    expect(wrapped.name).toBe('add');
    expect(wrapped.length).toBe(2); // as fn's: frameworks read a handler's arity
    expect(registry.names()).toEqual(['add']);
  });

  it('passes the arguments through before filters in order, then the result through after filters', () => {
    const registry = new AspectRegistry();
    const seen: string[] = [];
    const wrapped = advertise('add', add, { registry });
    registry.before<[number, number]>('add', ([a, b]) => {
      seen.push(`b1 ${a},${b}`);
      return [a * 10, b];
    });
    registry.before<[number, number]>('add', ([a, b]) => {
      seen.push(`b2 ${a},${b}`);
      return [a, b * 10];
    });
    registry.after<number>('add', (r) => {
      seen.push(`a1 ${r}`);
      return r + 1;
    });
    registry.after<number>('add', (r) => {
      seen.push(`a2 ${r}`);
      return r * 2;
    });
    expect(wrapped(1, 2)).toBe(62);
    expect(seen).toEqual(['b1 1,2', 'b2 10,2', 'a1 30', 'a2 31']);
  });

  it('stays synchronous when fn and every filter are synchronous', () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('add', add, { registry });
    registry.before('add', (args) => args);
    registry.after<number>('add', (r) => r);
    const result = wrapped(1, 1);
    expect(result).toBe(2);
    expect(result).not.toBeInstanceOf(Promise);
  });

  it('awaits async before and after filters of an async join point and returns a promise', async () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('add', add, { registry, async: true });
    registry.before<[number, number]>('add', async ([a, b]) => [a + 1, b]);
    registry.before<[number, number]>('add', ([a, b]) => [a, b + 1]);
    registry.after<number>('add', async (r) => r * 100);
    registry.after<number>('add', (r) => r + 1);
    const result = wrapped(1, 1);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(401);
  });

  it('runs after filters on the awaited result of an async fn', async () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('load', async (id: string) => ({ id }), { registry });
    registry.after<{ id: string }>('load', (r) => ({ id: r.id.toUpperCase() }));
    await expect(wrapped('x')).resolves.toEqual({ id: 'X' });
  });

  it('adopts thenables returned by filters', async () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('id', (x: number) => x, { registry, async: true });
    const thenable = <T>(v: T) => ({ then: (ok: (v: T) => void) => ok(v) }) as PromiseLike<T>;
    registry.before<[number]>('id', ([x]) => thenable([x + 1] as [number]));
    registry.after<number>('id', (r) => thenable(r * 2));
    await expect(wrapped(1)).resolves.toBe(4);
  });

  it('returns the very promise of fn when there are only before filters', () => {
    const registry = new AspectRegistry();
    const p = Promise.resolve(1);
    const wrapped = advertise('p', () => p, { registry });
    registry.before('p', (args) => args);
    expect(wrapped()).toBe(p);
  });

  it('gives filters the name, this and the final arguments', () => {
    const registry = new AspectRegistry();
    const contexts: unknown[] = [];
    const target = {
      factor: 3,
      scale: advertise(
        'scale',
        function (this: { factor: number }, x: number) {
          return x * this.factor;
        },
        { registry },
      ),
    };
    registry.before<[number]>('scale', ([x], context) => {
      contexts.push(context);
      return [x + 1];
    });
    registry.after<number, [number]>('scale', (r, context) => {
      contexts.push(context);
      return r;
    });
    expect(target.scale(1)).toBe(6);
    expect(contexts).toEqual([
      { name: 'scale', thisArg: target },
      { name: 'scale', thisArg: target, args: [2] },
    ]);
  });

  it('looks the pipeline up at every call, so filters added later apply', () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('add', add, { registry });
    expect(wrapped(1, 1)).toBe(2);
    const sub = registry.after<number>('add', (r) => -r);
    expect(wrapped(1, 1)).toBe(-2);
    sub.dispose();
    expect(wrapped(1, 1)).toBe(2);
  });

  it('keeps the pipeline a call started with when filters change during it', async () => {
    const registry = new AspectRegistry();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const wrapped = advertise('id', (x: number) => x, { registry, async: true });
    registry.before<[number]>('id', async (args) => {
      await gate;
      return args;
    });
    const pending = wrapped(1);
    registry.after<number>('id', (r) => r + 100);
    release();
    await expect(pending).resolves.toBe(1);
    await expect(wrapped(1)).resolves.toBe(101);
  });

  it('never wipes a pipeline registered before the name was advertised', () => {
    const registry = new AspectRegistry();
    registry.after<number>('add', (r) => r * 2);
    const first = advertise('add', add, { registry });
    const second = advertise('add', (a: number, b: number) => a - b, { registry });
    expect(first(3, 1)).toBe(8);
    expect(second(3, 1)).toBe(4);
  });

  it('uses the default registry when none is given', () => {
    const wrapped = advertise('aspect-test-default', (x: number) => x);
    const sub = defaultRegistry.after<number>('aspect-test-default', (r) => r + 1);
    try {
      expect(wrapped(1)).toBe(2);
    } finally {
      sub.dispose();
    }
    expect(wrapped(1)).toBe(1);
  });

  it('isolates instance registries from each other', () => {
    const a = new AspectRegistry();
    const b = new AspectRegistry();
    const inA = advertise('f', (x: number) => x, { registry: a });
    const inB = advertise('f', (x: number) => x, { registry: b });
    a.after<number>('f', (r) => r + 1);
    expect(inA(1)).toBe(2);
    expect(inB(1)).toBe(1);
  });

  it('lets errors of fn and of filters through unchanged, sync and async', async () => {
    const registry = new AspectRegistry();
    const boom = new Error('boom');
    const wrapped = advertise(
      'f',
      () => {
        throw boom;
      },
      { registry },
    );
    registry.before('f', (args) => args);
    expect(() => wrapped()).toThrow(boom);
    const other = new AspectRegistry();
    const ok = advertise('g', async () => 1, { registry: other });
    other.after('g', async () => {
      throw 'not an error';
    });
    await expect(ok()).rejects.toBe('not an error');
  });

  it('rejects a before filter that returns no array, naming the filter and the join point', async () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('render', add, { registry });
    registry.before('render', (args) => args);
    const sub = registry.before('render', () => undefined as never);
    let caught: unknown;
    try {
      wrapped(1, 2);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FilterResultError);
    expect(caught).toMatchObject({
      code: 'DYNO_FILTER_RESULT',
      source: 'render',
      received: undefined,
      message:
        '@dyno/aspect: before filter 2 of "render" must return an array of arguments ' +
        '(or a promise of one); received undefined',
    });
    expect(FilterResultError.isInstance(caught)).toBe(true);
    sub.dispose();
    const later = advertise('render', add, { registry, async: true });
    registry.before('render', async () => 'x' as never);
    await expect(later(1, 2)).rejects.toThrow('received "x"');
  });

  it('does not start fn when an async before filter rejects', async () => {
    const registry = new AspectRegistry();
    const fn = jest.fn();
    const wrapped = advertise('f', fn, { registry, async: true });
    const reason = new Error('denied');
    registry.before('f', () => Promise.reject(reason));
    await expect(wrapped()).rejects.toBe(reason);
    await flushPromises();
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects bad input with clear errors', () => {
    const registry = new AspectRegistry();
    expect(() => advertise('', add)).toThrow(
      new RangeError('@dyno/aspect: option `name` must be a non-empty string; received ""'),
    );
    expect(() => advertise(1 as never, add)).toThrow(TypeError);
    expect(() => advertise('f', 'add' as never)).toThrow(
      new TypeError('@dyno/aspect: option `fn` must be a function; received "add"'),
    );
    expect(() => advertise('f', add, { registry: {} as never })).toThrow(
      new TypeError(
        '@dyno/aspect: option `registry` must be an AspectRegistry; received an object',
      ),
    );
    expect(() => advertise('f', add, { registry, extra: 1 } as never)).toThrow(
      new TypeError('@dyno/aspect: unknown option `extra` (known: registry, async)'),
    );
    expect(() => advertise('f', add, { async: 'yes' } as never)).toThrow(
      new TypeError('@dyno/aspect: option `async` must be a boolean; received "yes"'),
    );
    expect(() => advertise('f', add, 5 as never)).toThrow(TypeError);
    expect(registry.names()).toEqual([]);
  });

  it('computes what a plain composition computes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 5 }),
        fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 5 }),
        fc.integer({ min: -100, max: 100 }),
        (befores, afters, x) => {
          const registry = new AspectRegistry();
          const wrapped = advertise('f', (n: number) => n * 2, { registry });
          for (const k of befores) registry.before<[number]>('f', ([n]) => [n + k]);
          for (const k of afters) registry.after<number>('f', (r) => r * 3 + k);
          let expected = befores.reduce((n, k) => n + k, x) * 2;
          for (const k of afters) expected = expected * 3 + k;
          expect(wrapped(x)).toBe(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('forwards new to a class or constructor, with and without filters (regression)', () => {
    // `fn.apply` on a class threw "Class constructor cannot be invoked without 'new'", and a
    // constructor function's instance was not its own
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    function Legacy(this: { v: number }, v: number) {
      this.v = v;
    }
    const registry = new AspectRegistry();
    const P = advertise('point', Point as never, { registry }) as unknown as typeof Point;
    const L = advertise('legacy', Legacy as never, { registry }) as unknown as new (
      v: number,
    ) => { v: number };
    const plain = new P(1, 2);
    expect(plain).toBeInstanceOf(Point);
    expect(plain).toBeInstanceOf(P);
    expect([plain.x, plain.y]).toEqual([1, 2]);
    expect(new L(7)).toEqual({ v: 7 });
    expect(new L(7)).toBeInstanceOf(Legacy);
    const seen: unknown[] = [];
    registry.before<[number, number]>('point', ([x, y], context) => {
      seen.push(context.thisArg);
      return [x * 10, y * 10];
    });
    registry.after<Point>('point', (made) => {
      seen.push(made instanceof Point);
      return made;
    });
    const filtered = new P(1, 2);
    expect([filtered.x, filtered.y]).toEqual([10, 20]);
    // no `this` exists before the constructor runs
    expect(seen).toEqual([undefined, true]);
  });
});
