import fc from 'fast-check';
import { percentile } from './percentile.js';
import { mean, stddev } from './summary.js';

describe('percentile', () => {
  it("keeps the original's doctest values", () => {
    const range = Array.from({ length: 100 }, (_, i) => i);
    expect(percentile(50, range)).toBe(50);
    expect(percentile(50, [1, 2, 3, 4])).toBe(3);
  });

  it('uses index floor(n * p / 100) of the sorted data, clamped to the last', () => {
    expect(percentile(0, [5, 1, 3])).toBe(1);
    expect(percentile(99, [5, 1, 3])).toBe(5);
    expect(percentile(100, [5, 1, 3])).toBe(5);
    expect(percentile(34, [30, 10, 20])).toBe(20);
  });

  it('does not modify its input', () => {
    const data = [3, 1, 2];
    percentile(50, data);
    expect(data).toEqual([3, 1, 2]);
  });

  it('gives NaN for empty data', () => {
    expect(percentile(50, [])).toBeNaN();
  });

  it('rejects a percentile outside 0..100 and data that is not finite numbers', () => {
    expect(() => percentile(101, [1])).toThrow(
      new RangeError('@dyno/stats: percentile must be from 0 to 100; received 101'),
    );
    expect(() => percentile(Number.NaN, [1])).toThrow(RangeError);
    expect(() => percentile('5' as never, [1])).toThrow(TypeError);
    expect(() => percentile(5, [1, Number.NaN])).toThrow(
      new RangeError('@dyno/stats: data[1] must be a finite number; received NaN'),
    );
    expect(() => percentile(5, 'abc' as never)).toThrow(TypeError);
  });

  it('rejects data holding a string or a hole with a TypeError (wrong kind, not range)', () => {
    expect(() => percentile(50, ['1', 2] as never)).toThrow(
      new TypeError('@dyno/stats: data[0] must be a finite number; received "1"'),
    );
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
    expect(() => mean([1, , 3] as never)).toThrow(TypeError);
  });

  it('always returns one of the data values, monotonic in p (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (data, p, q) => {
          const a = percentile(Math.min(p, q), data);
          const b = percentile(Math.max(p, q), data);
          return data.includes(a) && data.includes(b) && a <= b;
        },
      ),
    );
  });
});

describe('mean and stddev', () => {
  it('compute the usual values', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(stddev([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(stddev([1, 2, 3, 4], { sample: true })).toBeCloseTo(1.2909944, 6);
  });

  it('give NaN where undefined', () => {
    expect(mean([])).toBeNaN();
    expect(stddev([])).toBeNaN();
    expect(stddev([1], { sample: true })).toBeNaN();
    expect(stddev([1])).toBe(0);
  });

  it('stay finite and accurate for values near the float limits and far from zero', () => {
    expect(mean([1e308, 1e308])).toBe(1e308);
    expect(stddev([1e200, -1e200])).toBe(1e200);
    expect(stddev([1.7e308, 1.7e308])).toBe(0);
    expect(stddev([Number.MAX_VALUE, -Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
    // 1e15 + 1 .. 1e15 + 10: the mean 1e15 + 5.5 is rounded, yet the spread is that of 1..10
    const shifted = Array.from({ length: 10 }, (_, i) => 1e15 + i + 1);
    expect(stddev(shifted)).toBeCloseTo(Math.sqrt(8.25), 12);
    expect(stddev(new Array(1000).fill(0.1))).toBe(0);
  });

  it('sums without losing the rounding of each addition', () => {
    expect(mean(new Array(1_000_000).fill(0.1))).toBe(0.1);
    expect(mean([1e16, 1, -1e16])).toBe(1 / 3);
  });

  it('reject unknown and mistyped options of stddev', () => {
    expect(() => stddev([1, 2], { sampel: true } as never)).toThrow(
      new TypeError('@dyno/stats: unknown option `sampel` (known: sample)'),
    );
    expect(() => stddev([1, 2], { sample: 'yes' } as never)).toThrow(TypeError);
  });

  it('reject data that is not finite numbers', () => {
    expect(() => mean([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => stddev(null as never)).toThrow(TypeError);
  });
});
