import fc from 'fast-check';
import {
  check,
  checkAnswer,
  checkFunction,
  checkOptions,
  format,
  is,
  MAX_DURATION,
  resolveOptions,
  validate,
} from './validate.js';

const PKG = '@dyno/test';

describe('validation messages', () => {
  it('names package, option, allowed range and received value', () => {
    expect(() => check(PKG, 'attempts', 0, is.integer(1, 10))).toThrow(
      new RangeError('@dyno/test: option `attempts` must be an integer from 1 to 10; received 0'),
    );
    expect(() => check(PKG, 'attempts', '3', is.integer(1, 10))).toThrow(
      new TypeError('@dyno/test: option `attempts` must be an integer from 1 to 10; received "3"'),
    );
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['1.5', 1.5],
    ['-1', -1],
  ])('rejects %s as a count', (_, value) => {
    expect(() => check(PKG, 'n', value, is.integer(0))).toThrow(RangeError);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, MAX_DURATION + 1])(
    'rejects %p as a duration',
    (value) => {
      expect(() => check(PKG, 'delay', value, is.duration())).toThrow(RangeError);
    },
  );

  it('accepts durations from 0 to 2^31-1, and excludes the minimum when asked', () => {
    expect(() => check(PKG, 'd', 0, is.duration())).not.toThrow();
    expect(() => check(PKG, 'd', MAX_DURATION, is.duration())).not.toThrow();
    expect(() => check(PKG, 'd', 0, is.duration(0, true))).toThrow(
      '@dyno/test: option `d` must be a duration in ms greater than 0 to 2147483647; received 0',
    );
  });

  it('checks finite numbers, ratios, strings, functions, booleans, signals and clocks', () => {
    expect(() => check(PKG, 'x', Number.NaN, is.number(0, 1))).toThrow(RangeError);
    expect(() => check(PKG, 'x', 0, is.number(0, 1, true))).toThrow(RangeError);
    expect(() => check(PKG, 'x', 0.5, is.number(0, 1, true))).not.toThrow();
    expect(() => check(PKG, 'r', 1.1, is.ratio())).toThrow(RangeError);
    expect(() => check(PKG, 'r', Number.NaN, is.ratio())).toThrow(RangeError);
    expect(() => check(PKG, 'r', 1, is.ratio())).not.toThrow();
    expect(() => check(PKG, 'name', '', is.string)).toThrow(RangeError);
    expect(() => check(PKG, 'name', 1, is.string)).toThrow(TypeError);
    expect(() => check(PKG, 'f', {}, is.function)).toThrow(
      new TypeError('@dyno/test: option `f` must be a function; received an object'),
    );
    expect(() => check(PKG, 'b', 1, is.boolean)).toThrow(TypeError);
    expect(() => check(PKG, 's', {}, is.signal)).toThrow(TypeError);
    expect(() => check(PKG, 's', new AbortController().signal, is.signal)).not.toThrow();
    expect(() => check(PKG, 'c', { now() {} }, is.clock)).toThrow(TypeError);
    expect(() => check(PKG, 'o', [], is.object)).toThrow(TypeError);
    expect(() => check(PKG, 'm', 'c', is.oneOf('a', 'b'))).toThrow(
      new RangeError('@dyno/test: option `m` must be one of "a", "b"; received "c"'),
    );
  });

  it('either accepts what any rule accepts and reports a range error when one kind matched', () => {
    const timeout = is.either(is.oneOf(false), is.duration(0, true));
    expect(() => check(PKG, 'timeout', false, timeout)).not.toThrow();
    expect(() => check(PKG, 'timeout', 10, timeout)).not.toThrow();
    expect(() => check(PKG, 'timeout', -5, timeout)).toThrow(RangeError);
    expect(() => check(PKG, 'timeout', true, timeout)).toThrow(RangeError);
    const kinds = is.either(is.function, is.boolean);
    expect(() => check(PKG, 'k', 1, kinds)).toThrow(
      new TypeError('@dyno/test: option `k` must be a function or a boolean; received 1'),
    );
  });

  it('answers a TypeError for a value of a kind that none of the rules take', () => {
    const timeout = is.either(is.oneOf(false), is.duration(0, true));
    expect(() => check(PKG, 'timeout', 'x', timeout)).toThrow(
      new TypeError(
        `@dyno/test: option \`timeout\` must be one of false or a duration in ms greater than 0 to ${MAX_DURATION}; received "x"`,
      ),
    );
    const queue = is.either(is.integer(0), is.oneOf(Number.POSITIVE_INFINITY));
    expect(() => check(PKG, 'queue', '5', queue)).toThrow(TypeError);
    expect(() => check(PKG, 'queue', null, queue)).toThrow(TypeError);
    expect(() => check(PKG, 'queue', -1, queue)).toThrow(RangeError);
    expect(() => check(PKG, 'queue', Number.NEGATIVE_INFINITY, queue)).toThrow(RangeError);
    expect(() => check(PKG, 'queue', Number.POSITIVE_INFINITY, queue)).not.toThrow();
    expect(() => check(PKG, 'n', null, is.oneOf(null))).not.toThrow();
    expect(() => check(PKG, 'n', undefined, is.oneOf(null))).toThrow(TypeError);
  });

  it('checkFunction names the argument and what it received', () => {
    expect(() => checkFunction(PKG, 'fn', 42)).toThrow(
      new TypeError('@dyno/test: `fn` must be a function; received 42'),
    );
    expect(() => checkFunction(PKG, 'fn', () => 1)).not.toThrow();
  });

  it('checkAnswer passes the answer of a predicate through and refuses a promise, naming the predicate', async () => {
    for (const answer of [true, false, 0, 'yes', undefined, null, { then: 1 }]) {
      expect(checkAnswer(PKG, 'isFailure', answer)).toBe(answer);
    }
    const message =
      '@dyno/test: `isFailure` must return a boolean; it returned a promise (an async predicate cannot decide in time)';
    expect(() => checkAnswer(PKG, 'isFailure', Promise.resolve(false))).toThrow(
      new TypeError(message),
    );
    const thenable = { then: () => undefined };
    expect(() => checkAnswer(PKG, 'isFailure', thenable)).toThrow(TypeError);
    // a promise that rejects later is handled: no unhandled rejection reaches the process
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect(() => checkAnswer(PKG, 'isRetryable', Promise.reject(new Error('late')))).toThrow(
        TypeError,
      );
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    // a thenable whose `then` throws when called is refused the same way
    const throwing = {
      then() {
        throw new Error('then');
      },
    };
    expect(() => checkAnswer(PKG, 'isFailure', throwing)).toThrow(TypeError);
  });

  it('checkOptions refuses a call option argument that is not an object, naming `options`', () => {
    for (const [value, shown] of [
      [5, '5'],
      ['x', '"x"'],
      [null, 'null'],
      [[], 'an array'],
      [true, 'true'],
      [() => 1, 'a function'],
    ] as const) {
      expect(() => checkOptions(PKG, value)).toThrow(
        new TypeError(`@dyno/test: options must be an object; received ${shown}`),
      );
    }
    expect(() => checkOptions(PKG, new AbortController().signal)).toThrow(
      new TypeError(
        '@dyno/test: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
      ),
    );
    expect(() => checkOptions(PKG, undefined)).not.toThrow();
    expect(() => checkOptions(PKG, {})).not.toThrow();
    expect(() => checkOptions(PKG, Object.create(null))).not.toThrow();
  });

  it('formats received values readably', () => {
    expect(format(null)).toBe('null');
    expect(format(undefined)).toBe('undefined');
    expect(format(10n)).toBe('10n');
    expect(format(Symbol('s'))).toBe('Symbol(s)');
    expect(format(() => 1)).toBe('a function');
    expect(format([1])).toBe('an array');
    expect(format(Number.NaN)).toBe('NaN');
    // `attempts: -0` was refused as "received 0", which reads as a different mistake
    expect(format(-0)).toBe('-0');
  });

  it('formats a revoked proxy and a string too long to quote without throwing', () => {
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    expect(format(proxy)).toBe('an object');
    // a real one ('"'.repeat(2 ** 28), whose quoting doubles it past the engine's 2^29-24
    // characters) takes a second and 800 MB: the engine's refusal is mocked instead
    const stringify = jest.spyOn(JSON, 'stringify').mockImplementationOnce(() => {
      throw new RangeError('Invalid string length');
    });
    try {
      expect(format('a long string')).toBe('a string of 13 characters');
    } finally {
      stringify.mockRestore();
    }
  });
});

describe('validate', () => {
  const rules = { attempts: is.integer(1, 10), name: is.string };

  it('accepts undefined and a plain object of known keys', () => {
    expect(validate(PKG, undefined, rules)).toEqual({});
    expect(validate(PKG, { attempts: 3 }, rules)).toEqual({ attempts: 3 });
    expect(validate(PKG, { attempts: undefined }, rules)).toEqual({ attempts: undefined });
  });

  it('reads each option once: a getter cannot answer one value to the check and another to the use', () => {
    // valid when first read (the check), bad when read again
    const flaky = () => {
      let reads = 0;
      return {
        get attempts() {
          reads++;
          return reads === 1 ? 5 : -1;
        },
      };
    };
    expect(validate(PKG, flaky(), rules)).toEqual({ attempts: 5 });
    expect(resolveOptions(PKG, flaky(), rules, { attempts: 3, name: 'x' })).toEqual({
      attempts: 5,
      name: 'x',
    });
  });

  it('takes an option inherited from a prototype or a class getter, checked as an own one', () => {
    // they were dropped without a word: `new Retry(Object.create({ attempts: 5 }))` made 3 attempts
    expect(validate(PKG, Object.create({ attempts: 5 }), rules)).toEqual({ attempts: 5 });
    class Settings {
      get attempts(): number {
        return 7;
      }
    }
    expect(validate(PKG, new Settings(), rules)).toEqual({ attempts: 7 });
    expect(() => validate(PKG, Object.create({ attempts: 0 }), rules)).toThrow(
      new RangeError('@dyno/test: option `attempts` must be an integer from 1 to 10; received 0'),
    );
    const shadowed = Object.assign(Object.create({ attempts: 5 }), { attempts: 2 });
    expect(validate(PKG, shadowed, rules)).toEqual({ attempts: 2 });
    expect(
      resolveOptions(PKG, Object.create({ name: 'x' }), rules, { attempts: 3, name: 'd' }),
    ).toEqual({
      attempts: 3,
      name: 'x',
    });
  });

  it('never takes an option from Object.prototype, polluted or not', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.attempts = 9;
    try {
      expect(validate(PKG, {}, rules)).toEqual({});
      expect(validate(PKG, Object.create({ name: 'x' }), rules)).toEqual({ name: 'x' });
    } finally {
      delete proto.attempts;
    }
  });

  it('rejects unknown keys, naming the known ones', () => {
    expect(() => validate(PKG, { attempt: 3 }, rules)).toThrow(
      new TypeError('@dyno/test: unknown option `attempt` (known: attempts, name)'),
    );
  });

  it('treats __proto__ and constructor as unknown keys', () => {
    expect(() => validate(PKG, JSON.parse('{"__proto__": 1}'), rules)).toThrow(TypeError);
    expect(() => validate(PKG, { constructor: 1 }, rules)).toThrow(TypeError);
  });

  it('rejects options that are not an object', () => {
    expect(() => validate(PKG, 3, rules)).toThrow(
      new TypeError('@dyno/test: options must be an object; received 3'),
    );
    expect(() => validate(PKG, null, rules)).toThrow(TypeError);
    expect(() => validate(PKG, [], rules, 'backoff.')).toThrow(
      new TypeError('@dyno/test: option `backoff` must be an object; received an array'),
    );
  });

  it('prefixes nested option names', () => {
    expect(() => validate(PKG, { attempts: 0 }, rules, 'retry.')).toThrow(
      '@dyno/test: option `retry.attempts` must be',
    );
  });

  it('resolveOptions keeps 0 and false and fills only what is missing', () => {
    const r = { delay: is.duration(), on: is.boolean };
    expect(resolveOptions(PKG, { delay: 0, on: false }, r, { delay: 100, on: true })).toEqual({
      delay: 0,
      on: false,
    });
    expect(resolveOptions(PKG, { delay: undefined }, r, { delay: 100, on: true })).toEqual({
      delay: 100,
      on: true,
    });
  });
});

describe('validation helpers (property)', () => {
  const anything = fc.anything({ withBigInt: true, withNullPrototype: true });
  const cases: Array<[string, ReturnType<typeof is.integer>, (v: unknown) => boolean]> = [
    [
      'integer(1, 100)',
      is.integer(1, 100),
      (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100,
    ],
    ['number(0, 1)', is.number(0, 1), (v) => typeof v === 'number' && v >= 0 && v <= 1],
    ['duration()', is.duration(), (v) => typeof v === 'number' && v >= 0 && v <= MAX_DURATION],
    ['ratio()', is.ratio(), (v) => typeof v === 'number' && v >= 0 && v <= 1],
    ['function', is.function, (v) => typeof v === 'function'],
    ['boolean', is.boolean, (v) => typeof v === 'boolean'],
    ['string', is.string, (v) => typeof v === 'string' && v.length > 0],
  ];

  it.each(cases)(
    '%s accepts exactly its domain and otherwise throws TypeError or RangeError',
    (_, rule, inDomain) => {
      const values = fc.oneof(
        anything,
        fc.double(),
        fc.integer({ min: -1000, max: 1000 }),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, MAX_DURATION, MAX_DURATION + 1),
        fc.func(fc.anything()),
      );
      fc.assert(
        fc.property(values, (value) => {
          let thrown: unknown;
          try {
            check(PKG, 'x', value, rule);
          } catch (error) {
            thrown = error;
          }
          if (inDomain(value)) return thrown === undefined;
          return thrown instanceof TypeError || thrown instanceof RangeError;
        }),
        { numRuns: 2000 },
      );
    },
  );

  it('validate throws only TypeError or RangeError for arbitrary options', () => {
    const rules = { attempts: is.integer(1, 10), delay: is.duration(), on: is.boolean };
    fc.assert(
      fc.property(anything, (options) => {
        try {
          validate(PKG, options, rules);
          return true;
        } catch (error) {
          return error instanceof TypeError || error instanceof RangeError;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
