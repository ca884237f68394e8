import fc from 'fast-check';
import { cached } from './cached.js';
import { CacheKeyError } from './errors.js';
import { stableKey } from './key.js';

/** A value to key (made fresh on every call) and a model of what it holds. */
interface Sample {
  make(): unknown;
  model: unknown;
}

const sample = <T>(arb: fc.Arbitrary<T>, make: (v: T) => unknown, model: (v: T) => unknown) =>
  arb.map((v): Sample => ({ make: () => make(v), model: model(v) }));

const BYTES = ['Uint8Array', 'Int8Array', 'ArrayBuffer', 'Buffer', 'DataView'] as const;
const bytesOf = (kind: (typeof BYTES)[number], b: Uint8Array): unknown => {
  const copy = Uint8Array.from(b);
  if (kind === 'Int8Array') return new Int8Array(copy.buffer);
  if (kind === 'ArrayBuffer') return copy.buffer;
  if (kind === 'Buffer') return Buffer.from(copy);
  if (kind === 'DataView') return new DataView(copy.buffer);
  return copy;
};

const leaf: fc.Arbitrary<Sample> = fc.oneof(
  sample(
    fc.double(),
    (n) => n,
    (n) => ['num', Object.is(n, -0) ? '-0' : String(n)],
  ),
  sample(
    fc.string({ maxLength: 4 }),
    (s) => s,
    (s) => ['str', s],
  ),
  sample(
    fc.bigInt({ min: -99n, max: 99n }),
    (b) => b,
    (b) => ['big', String(b)],
  ),
  sample(
    fc.constantFrom(null, undefined, true, false),
    (c) => c,
    (c) => ['c', String(c)],
  ),
  sample(
    fc.integer({ min: -1e12, max: 1e12 }),
    (t) => new Date(t),
    (t) => ['date', t],
  ),
  sample(
    fc.webUrl(),
    (u) => new URL(u),
    (u) => ['url', new URL(u).href],
  ),
  sample(
    fc.tuple(fc.constantFrom(...BYTES), fc.uint8Array({ maxLength: 4 })),
    ([k, b]) => bytesOf(k, b),
    ([k, b]) => ['bytes', k, [...b]],
  ),
  sample(
    fc.integer(),
    (n) => Object(n),
    (n) => ['Number', n],
  ),
  sample(
    fc.string({ maxLength: 3 }),
    (s) => Object(s),
    (s) => ['String', s],
  ),
  sample(
    fc.tuple(fc.constantFrom('Error', 'TypeError'), fc.string({ maxLength: 3 })),
    ([k, m]) => (k === 'Error' ? new Error(m) : new TypeError(m)),
    ([k, m]) => [k, m],
  ),
  sample(
    fc.tuple(fc.constantFrom('a', 'b+', '[c]'), fc.constantFrom('', 'g', 'i')),
    ([s, f]) => new RegExp(s, f),
    ([s, f]) => ['re', s, f],
  ),
);

const { value: anyValue } = fc.letrec<{ value: Sample }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }).map(
      (items): Sample => ({
        make: () => items.map((i) => i.make()),
        model: ['arr', items.map((i) => i.model)],
      }),
    ),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map(
      (pairs): Sample => ({
        make: () => new Map(pairs.map(([k, v]) => [k.make(), v.make()])),
        // a Map keyed by primitives keeps one value per key: model what it holds
        model: [
          'map',
          [...new Map(pairs.map(([k, v]) => [k.make(), [k.model, v.model]])).values()]
            .map((p) => JSON.stringify(p))
            .sort(),
        ],
      }),
    ),
    fc.array(tie('value'), { maxLength: 3 }).map(
      (items): Sample => ({
        make: () => new Set(items.map((i) => i.make())),
        model: [
          'set',
          [...new Map(items.map((i) => [i.make(), i.model])).values()]
            .map((m) => JSON.stringify(m))
            .sort(),
        ],
      }),
    ),
    fc
      .dictionary(
        fc.string({ maxLength: 3 }).filter((k) => k !== '__proto__'),
        tie('value'),
        { maxKeys: 3 },
      )
      .map(
        (dict): Sample => ({
          make: () => Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, v.make()])),
          model: [
            'obj',
            Object.entries(dict)
              .map(([k, v]) => [k, v.model])
              .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
          ],
        }),
      ),
  ),
}));

describe('stableKey over built-ins', () => {
  it('gives equal keys to equal values and different keys to different values', () => {
    fc.assert(
      fc.property(anyValue, anyValue, (a, b) => {
        expect(stableKey([a.make()])).toBe(stableKey([a.make()]));
        const sameModel = JSON.stringify(a.model) === JSON.stringify(b.model);
        expect(stableKey([a.make()]) === stableKey([b.make()])).toBe(sameModel);
        expect(stableKey([a.make(), b.make()]) === stableKey([b.make(), a.make()])).toBe(sameModel);
      }),
      { numRuns: 200 },
    );
  });

  it('tells apart URLs, Errors, buffers and boxed values that have no enumerable fields', () => {
    const pairs: [unknown, unknown][] = [
      [new URL('https://a.example/'), new URL('https://b.example/')],
      [new Error('a'), new Error('b')],
      [new Error('a'), new TypeError('a')],
      [new Error('a', { cause: 1 }), new Error('a', { cause: 2 })],
      [Object.assign(new Error('a'), { code: 'X' }), Object.assign(new Error('a'), { code: 'Y' })],
      [new Uint8Array([1]).buffer, new Uint8Array([2]).buffer],
      [Buffer.from('a'), Buffer.from('b')],
      [Buffer.from('a'), new Uint8Array(Buffer.from('a'))],
      [Object(1), Object(2)],
      [Object(1), 1],
      [Object('x'), 'x'],
      [Object(1n), 1n],
      [new URLSearchParams('a=1'), new URLSearchParams('a=2')],
      [{ [Symbol.for('s')]: 1 }, { [Symbol.for('s')]: 2 }],
    ];
    for (const [a, b] of pairs) expect(stableKey([a])).not.toBe(stableKey([b]));
    expect(stableKey([new URL('https://a.example')])).toBe(
      stableKey([new URL('https://a.example/')]),
    );
  });

  it('uses toJSON for a class instance with no readable field', () => {
    class Id {
      readonly #v: string;
      constructor(v: string) {
        this.#v = v;
      }
      toJSON() {
        return this.#v;
      }
    }
    expect(stableKey([new Id('a')])).not.toBe(stableKey([new Id('b')]));
    expect(stableKey([new Id('a')])).toBe(stableKey([new Id('a')]));
  });

  it.each([
    ['a WeakMap', new WeakMap()],
    ['a WeakSet', new WeakSet()],
    ['a WeakRef', new WeakRef({})],
    ['a Promise', Promise.resolve(1)],
    [
      'an instance of Secret with no readable field (#private fields cannot be read)',
      new (class Secret {
        readonly #v = 1;
        get v() {
          return this.#v;
        }
      })(),
    ],
  ])('refuses %s with CacheKeyError naming it', (what, value) => {
    expect(() => stableKey([{ nested: [value] }])).toThrow(CacheKeyError);
    expect(() => stableKey([value])).toThrow(`@dyno/cache: cannot make a key of ${what}`);
  });

  it('regression: a cached function gives two URLs two loads (they used to share one key)', async () => {
    const host = jest.fn((url: URL) => url.host);
    const fn = cached(host);
    await expect(fn(new URL('https://a.example/x'))).resolves.toBe('a.example');
    await expect(fn(new URL('https://b.example/x'))).resolves.toBe('b.example');
    expect(host).toHaveBeenCalledTimes(2);
    await expect(fn(new WeakMap() as never)).rejects.toBeInstanceOf(CacheKeyError);
  });
});
