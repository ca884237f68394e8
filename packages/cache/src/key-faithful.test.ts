import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { cached } from './cached.js';
import { CacheKeyError } from './errors.js';
import { stableKey } from './key.js';

const differ = (a: unknown, b: unknown) => expect(stableKey([a])).not.toBe(stableKey([b]));

/** A class named `User`, a new one on every call, as two modules or a factory make them. */
const userClass = () =>
  class User {
    constructor(readonly id: number) {}
  };

describe('stableKey tells apart what a function can tell apart', () => {
  it("regression: an array's own fields and a trailing hole count (a regex match's index and groups)", () => {
    const a = /(?<n>\d)/.exec('a1');
    const b = /(?<n>\d)/.exec('bb1');
    differ(a, b);
    differ(Object.assign([1], { x: 2 }), [1]);
    differ(Object.assign([1], { x: 2 }), Object.assign([1], { x: 3 }));
    const holed = () => Object.assign(Array(2), { 1: 1 });
    differ(Object.assign(holed(), { x: 2 }), holed());
    // a trailing hole, as in the literal `[1, ,]`: found by the property test below
    differ([], Array(1));
    differ([1], Object.assign(Array(2), { 0: 1 }));
    expect(stableKey([/(?<n>\d)/.exec('a1')])).toBe(stableKey([a]));
  });

  it('regression: instances of two classes with the same name get two keys', async () => {
    const [A, B] = [userClass(), userClass()];
    differ(new A(1), new B(1));
    expect(stableKey([new A(1)])).toBe(stableKey([new A(1)]));
    // the first class seen keeps its bare name, so a key does not depend on which classes exist
    expect(stableKey([new A(1)])).toMatch(/User\{/);
    class Oops extends Error {}
    const Other = (() => class Oops extends Error {})();
    differ(new Oops('x'), new Other('x'));
    differ(
      new (class {
        x = 1;
      })(),
      new (class {
        x = 1;
      })(),
    );
    const load = jest.fn((u: { id: number }) => u instanceof A);
    const memo = cached(load);
    await expect(memo(new A(1))).resolves.toBe(true);
    await expect(memo(new B(1))).resolves.toBe(false);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('regression: -0 and 0 get two keys, at the top, nested, boxed and as a Set item', async () => {
    differ(-0, 0);
    expect(stableKey([-0, 1])).not.toBe(stableKey([0, 1]));
    differ({ a: -0 }, { a: 0 });
    differ(Object(-0), Object(0));
    differ(new Set([-0]), new Set(['-0']));
    const memo = cached((x: number) => 1 / x);
    await expect(memo(0)).resolves.toBe(Number.POSITIVE_INFINITY);
    await expect(memo(-0)).resolves.toBe(Number.NEGATIVE_INFINITY);
  });

  it('regression: a null-prototype object, a plain one and one of another prototype differ', () => {
    differ(Object.assign(Object.create(null), { a: 1 }), { a: 1 });
    differ(Object.assign(Object.create({ kind: 'x' }), { a: 1 }), { a: 1 });
    differ(
      Object.assign(Object.create({ kind: 'x' }), { a: 1 }),
      Object.assign(Object.create({ kind: 'y' }), { a: 1 }),
    );
    differ(Object.assign(Object.create(Array.prototype), { a: 1 }), { a: 1 });
  });

  it('regression: a class instance with fields and a toJSON is keyed by both', () => {
    class Money {
      readonly currency = 'EUR';
      readonly #cents: number;
      constructor(cents: number) {
        this.#cents = cents;
      }
      toJSON() {
        return { currency: this.currency, cents: this.#cents };
      }
    }
    differ(new Money(1), new Money(2));
    expect(stableKey([new Money(1)])).toBe(stableKey([new Money(1)]));
    class Self {
      x = 1;
      toJSON() {
        return this;
      }
    }
    expect(stableKey([new Self()])).toBe('[Self{"x":1}]');
  });

  it('quotes a class name that is not an identifier, so that it cannot pass for another encoding', () => {
    const Odd = Object.defineProperty(
      class {
        x = 1;
      },
      'name',
      { value: 'Map{' },
    );
    expect(stableKey([new Odd()])).toBe('["Map{"{"x":1}]');
    differ(new SharedArrayBuffer(1), new ArrayBuffer(1));
  });

  it("regression: a class named like a built-in cannot take the built-in's key", () => {
    const Boxed = class {
      toJSON() {
        return 1;
      }
    };
    Object.defineProperty(Boxed, 'name', { value: 'Number' });
    differ(new Boxed(), Object(1));
    const Named = class extends Error {};
    Object.defineProperty(Named, 'name', { value: 'Error' });
    differ(new Named('m'), new Error('m'));
  });

  it('regression: own fields of a Date, Map, Set, RegExp or boxed value count, and so does lastIndex', () => {
    differ(Object.assign(new Date(1), { x: 1 }), new Date(1));
    differ(Object.assign(new Map(), { x: 1 }), new Map());
    differ(Object.assign(new Set(), { x: 1 }), new Set());
    differ(Object.assign(/a/, { x: 1 }), /a/);
    differ(Object.assign(Object(1), { x: 1 }), Object(1));
    differ(Object.assign(Object('ab'), { x: 1 }), Object('ab'));
    expect(stableKey([Object('ab')])).toBe('[String("ab")]');
    differ(Object.assign(/a/g, { lastIndex: 1 }), /a/g);
  });

  it("regression: the errors of an AggregateError count, and so does an error's name", () => {
    differ(new AggregateError([1], 'm'), new AggregateError([2], 'm'));
    // as a DOMException's, read from its prototype ('AbortError', 'TimeoutError')
    class Failure extends Error {
      readonly #kind: string;
      constructor(kind: string) {
        super('m');
        this.#kind = kind;
      }
      override get name() {
        return this.#kind;
      }
    }
    differ(new Failure('AbortError'), new Failure('TimeoutError'));
  });

  it('refuses an object that only inherits from a built-in with CacheKeyError', () => {
    const protos = [Date.prototype, Map.prototype, Set.prototype, ArrayBuffer.prototype];
    for (const proto of [...protos, SharedArrayBuffer.prototype, URL.prototype]) {
      expect(() => stableKey([Object.create(proto)])).toThrow(CacheKeyError);
    }
  });
});

/** Classes two of which share a name, and one of another name; each instance has a field. */
const CLASSES = [
  userClass(),
  userClass(),
  class Item {
    constructor(readonly id: number) {}
  },
] as const;

type Make = () => unknown;

const leafMaker: fc.Arbitrary<Make> = fc.oneof(
  fc
    .constantFrom<unknown>(0, -0, Number.NaN, 1, 1n, -1n, '0', '-0', '', 'undefined', '1n', null)
    .map((v) => () => v),
  fc.constantFrom<unknown>(undefined, true, false, 'Function#1', '"a"').map((v) => () => v),
  fc.string({ maxLength: 3 }).map((s) => () => s),
  fc.constantFrom<unknown>(0, -0, 1, 'a', 1n).map((n) => () => Object(n)),
  fc
    .tuple(fc.constantFrom('Error', 'TypeError'), fc.constantFrom('a', 'b'), fc.boolean())
    .map(([kind, message, field]) => () => {
      const error = kind === 'Error' ? new Error(message) : new TypeError(message);
      return field ? Object.assign(error, { code: 1 }) : error;
    }),
  fc.tuple(fc.constantFrom('a', '[/]'), fc.constantFrom('', 'g'), fc.constantFrom(0, 1)).map(
    ([source, flags, at]) =>
      () =>
        Object.assign(new RegExp(source, flags), { lastIndex: at }),
  ),
  fc.constantFrom(Symbol.for('s'), Symbol.for('t')).map((key) => () => ({ [key]: 1 })),
  fc.tuple(fc.integer({ min: -2, max: 2 }), fc.boolean()).map(
    ([t, field]) =>
      () =>
        field ? Object.assign(new Date(t), { f: 1 }) : new Date(t),
  ),
  fc
    .tuple(fc.constantFrom('Uint8Array', 'Int8Array', 'Buffer'), fc.uint8Array({ maxLength: 2 }))
    .map(([kind, b]) => () => {
      const copy = Uint8Array.from(b);
      return kind === 'Buffer'
        ? Buffer.from(copy)
        : kind === 'Int8Array'
          ? new Int8Array(copy.buffer)
          : copy;
    }),
);

const { value: maker } = fc.letrec<{ value: Make }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafMaker,
    fc
      .tuple(
        fc.array(fc.option(tie('value'), { nil: undefined }), { maxLength: 3 }),
        fc.option(tie('value'), { nil: undefined }),
      )
      .map(([list, field]) => () => {
        // an absent item is a hole
        const array: unknown[] = [];
        array.length = list.length;
        list.forEach((m, i) => {
          if (m !== undefined) array[i] = m();
        });
        return field === undefined ? array : Object.assign(array, { field: field() });
      }),
    fc
      .tuple(
        fc.constantFrom<'plain' | 'null' | 0 | 1 | 2>('plain', 'null', 0, 1, 2),
        fc.dictionary(fc.constantFrom('a', 'b', 'id'), tie('value'), { maxKeys: 2 }),
      )
      .map(([kind, dict]) => () => {
        const fields = Object.fromEntries(Object.entries(dict).map(([k, m]) => [k, m()]));
        if (kind === 'plain') return fields;
        if (kind === 'null') return Object.assign(Object.create(null), fields);
        return Object.assign(new CLASSES[kind](1), fields);
      }),
    fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom<unknown>(0, -0, 'a', 1n, null).map((k) => () => k),
            tie('value'),
          ),
          tie('value'),
        ),
        {
          maxLength: 2,
        },
      )
      .map((pairs) => () => new Map(pairs.map(([k, v]) => [k(), v()]))),
    fc.array(tie('value'), { maxLength: 2 }).map((list) => () => new Set(list.map((m) => m()))),
  ),
}));

describe('stableKey against util.isDeepStrictEqual', () => {
  it('gives two values one key exactly when they are deeply and strictly equal', () => {
    fc.assert(
      fc.property(maker, maker, fc.boolean(), (a, b, same) => {
        const [x, y] = [a(), same ? a() : b()];
        expect(stableKey([x]) === stableKey([y])).toBe(isDeepStrictEqual(x, y));
      }),
      { numRuns: 2000 },
    );
  });
});
