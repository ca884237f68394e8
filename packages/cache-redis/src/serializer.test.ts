import fc from 'fast-check';
import { UnserializableValueError } from './errors.js';
import { structuredSerializer } from './serializer.js';

const roundTrip = (value: unknown) =>
  structuredSerializer.deserialize(Buffer.from(structuredSerializer.serialize(value)));

// Jest (like `util.isDeepStrictEqual`) calls two invalid dates unequal, since NaN !== NaN; the
// serializer gives one back as it went in, so the round trip compares dates by `Object.is`.
const sameDate = (a: unknown, b: unknown): boolean | undefined =>
  isDate(a) && isDate(b) ? Object.is(a.getTime(), b.getTime()) : undefined;
const isDate = (v: unknown): v is Date => Object.prototype.toString.call(v) === '[object Date]';

function refusal(value: unknown): UnserializableValueError {
  try {
    structuredSerializer.serialize(value);
  } catch (error) {
    if (UnserializableValueError.isInstance(error)) return error as UnserializableValueError;
    throw error;
  }
  throw new Error('accepted');
}

describe('structuredSerializer', () => {
  // jest 30 has `addEqualityTesters`; the @types/jest in use does not declare it yet
  beforeAll(() =>
    (expect as unknown as { addEqualityTesters(testers: unknown[]): void }).addEqualityTesters([
      sameDate,
    ]),
  );

  it('gives back what a memory store would: dates, maps, sets, special numbers, bigints, holes', () => {
    const value = {
      date: new Date(1_700_000_000_123),
      map: new Map<unknown, unknown>([
        [1, { a: undefined }],
        ['k', new Set([1n, -0])],
      ]),
      set: new Set(['x', Number.NaN]),
      numbers: [Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      big: 2n ** 80n,
      // biome-ignore lint/suspicious/noSparseArray: a hole must stay a hole
      holes: [1, , undefined],
      bytes: new Uint8Array([1, 2, 3]),
      floats: new Float64Array([0.5, -0]),
      buffer: Buffer.from('hé'),
      raw: new Uint8Array([9, 8]).buffer,
      regexp: /a+b/gi,
      boxed: [Object(1), Object('s'), Object(false)],
      error: new RangeError('too far', { cause: new Error('inner') }),
      nested: { deep: [{ deeper: new Map([[new Date(0), [undefined]]]) }] },
      nothing: null,
      undef: undefined,
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toStrictEqual(value);
    expect(Object.is(back.numbers[1], -0)).toBe(true);
    expect(1 in back.holes).toBe(false);
    expect(2 in back.holes).toBe(true);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    // (v8 makes errors in the main realm, not in jest's: compare by name)
    expect(back.error.name).toBe('RangeError');
    expect((back.error.cause as Error).message).toBe('inner');
    expect(Object.prototype.toString.call(back.date)).toBe('[object Date]');
  });

  it('keeps cycles and shared references', () => {
    const shared = { n: 1 };
    const value: Record<string, unknown> = { a: shared, b: shared };
    value.self = value;
    const back = roundTrip(value) as Record<string, unknown>;
    expect(back.self).toBe(back);
    expect(back.a).toBe(back.b);
  });

  it.each([
    ['a function', { f: () => 1 }, 'value.f', 'a function'],
    ['a symbol', [Symbol('s')], 'value.0', 'a symbol'],
    ['a class instance', { user: new (class User {})() }, 'value.user', 'an instance of User'],
    ['a URL', new URL('https://example.com/'), 'value', 'an instance of URL'],
    ['a null-prototype object', Object.create(null), 'value', 'an object with a null prototype'],
    ['an anonymous class', new (class {})(), 'value', 'an object of a class'],
    ['symbol keys', { [Symbol('k')]: 1 }, 'value', 'an object with symbol keys'],
    ['a promise', Promise.resolve(1), 'value', 'an instance of Promise'],
    ['a weak map', new WeakMap(), 'value', 'an instance of WeakMap'],
    [
      'an error with a code',
      Object.assign(new Error('x'), { code: 'E' }),
      'value',
      'an error with its own property `code`',
    ],
    ['a bad error cause', new Error('x', { cause: () => 1 }), 'value.cause', 'a function'],
    [
      'regression: a date with its own field (structured cloning drops it)',
      { at: Object.assign(new Date(0), { zone: 'UTC' }) },
      'value.at',
      'an instance of Date with its own property `zone`',
    ],
    [
      'regression: a map with its own field',
      Object.assign(new Map(), { hits: 1 }),
      'value',
      'an instance of Map with its own property `hits`',
    ],
    [
      'regression: a boxed string with its own field',
      Object.assign(new String('ab'), { lang: 'en' }),
      'value',
      'an instance of String with its own property `lang`',
    ],
    ['a map key', new Map([[() => 1, 1]]), 'value<key 0>', 'a function'],
    ['a map value', new Map([[1, Symbol('v')]]), 'value<value 0>', 'a symbol'],
    [
      'a set member',
      new Set([1, new (class Point {})()]),
      'value<member 1>',
      'an instance of Point',
    ],
  ])('refuses %s at write time, naming the path and the type', (_, value, path, kind) => {
    const error = refusal(value);
    expect(error.path).toBe(path);
    expect(error.kind).toBe(kind);
    expect(error.code).toBe('DYNO_CACHE_UNSERIALIZABLE');
    expect(error.message).toContain(`cannot store ${kind} at \`${path}\``);
  });

  it('gives back an invalid date, also as a map key (a counterexample the property found)', () => {
    const value = new Map([[new Date(Number.NaN), Object(0)]]);
    const back = roundTrip(value) as Map<Date, unknown>;
    const [key] = back.keys();
    expect(isDate(key) && Number.isNaN(key.getTime())).toBe(true);
    expect(back).toStrictEqual(value);
  });

  it('round-trips any value built from what it accepts (property)', () => {
    const leaf = fc.oneof(
      fc.anything({
        withBigInt: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withTypedArray: true,
        withSparseArray: true,
        withNullPrototype: false,
        withBoxedValues: true,
        withObjectString: false,
      }),
      fc.double(),
      fc.constantFrom(Number.NaN, -0, Number.POSITIVE_INFINITY, undefined),
    );
    fc.assert(
      fc.property(leaf, (value) => {
        expect(roundTrip(value)).toStrictEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});
