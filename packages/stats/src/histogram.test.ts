import fc from 'fast-check';
import { DEFAULT_HISTOGRAM_OPTIONS, Histogram } from './histogram.js';
import { percentile } from './percentile.js';

const PS = [0, 25, 50, 75, 90, 95, 99, 99.5, 100];

describe('Histogram', () => {
  it('reports count, sum, mean, min and max exactly', () => {
    const h = new Histogram();
    for (const v of [1, 2, 3, 10]) h.record(v);
    expect(h.count).toBe(4);
    expect(h.sum).toBe(16);
    expect(h.mean).toBe(4);
    expect(h.min).toBe(1);
    expect(h.max).toBe(10);
  });

  it('is empty at first: NaN statistics and percentiles', () => {
    const h = new Histogram();
    expect(h.count).toBe(0);
    expect(h.mean).toBeNaN();
    expect(h.min).toBeNaN();
    expect(h.max).toBeNaN();
    expect(h.percentile(50)).toBeNaN();
  });

  it('is exact for data of one value, including zero', () => {
    const h = new Histogram();
    for (let i = 0; i < 10; i++) h.record(0);
    expect(h.percentile(50)).toBe(0);
    const g = new Histogram();
    for (let i = 0; i < 10; i++) g.record(123.456);
    expect(g.percentiles(PS)).toEqual(PS.map(() => 123.456));
  });

  it('keeps the mean between min and max: ten 0.1s average 0.1, not below it (regression)', () => {
    const h = new Histogram();
    for (let i = 0; i < 10; i++) h.record(0.1);
    // the plain sum is 0.9999999999999999: its mean was 0.09999999999999999 < min
    expect(h.sum).toBe(0.9999999999999999);
    expect(h.mean).toBe(0.1);
    // merged windows (as @dyno/metrics reads them) too
    const merged = new Histogram().merge(h).merge(h);
    expect(merged.mean).toBe(0.1);
  });

  it('keeps the mean between min and max for any data (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e15, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (xs) => {
          const h = new Histogram();
          for (const v of xs) h.record(v);
          expect(h.mean).toBeGreaterThanOrEqual(h.min);
          expect(h.mean).toBeLessThanOrEqual(h.max);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a recorded value that is not a number, which would turn sum into a string', () => {
    const h = new Histogram();
    expect(() => h.record('5' as never)).toThrow(
      new TypeError('@dyno/stats: a recorded value must be a number; received "5"'),
    );
    expect(() => h.record(null as never)).toThrow(TypeError);
    expect(() => h.record(true as never)).toThrow(TypeError);
    h.record(1);
    expect(h.count).toBe(1);
    expect(h.sum).toBe(1);
  });

  it('counts -0 as zero, not in the top bucket', () => {
    const h = new Histogram();
    for (const v of [-0, 5, 10, 20]) h.record(v);
    // nearest rank: index 2 of [0, 5, 10, 20]
    expect(Math.abs(h.percentile(50) - 10)).toBeLessThanOrEqual(10 * 0.008);
    expect(Math.abs(h.percentile(75) - 20)).toBeLessThanOrEqual(20 * 0.008);
    expect(Object.is(h.percentile(0), 0)).toBe(true);
  });

  it('counts values per interval of given boundaries, adding to what is there', () => {
    const h = new Histogram();
    for (const v of [0, 0.5, 0.9, 2, 2.4, 3, 9.9, 99, 1e9]) h.record(v);
    const into = h.addIntervalCounts([1, 2.5, 10], new Float64Array(4));
    expect([...into]).toEqual([3, 2, 2, 2]);
    h.addIntervalCounts([1, 2.5, 10], into);
    expect([...into]).toEqual([6, 4, 4, 4]);
    expect([...new Histogram().addIntervalCounts([1], new Float64Array(2))]).toEqual([0, 0]);
    expect(() => h.addIntervalCounts([1, 2], new Float64Array(2))).toThrow(
      '@dyno/stats: addIntervalCounts needs 3 counters (one more than the boundaries); received 2',
    );
  });

  it('refuses boundaries that are not ascending numbers instead of miscounting', () => {
    const h = new Histogram();
    h.record(1);
    h.record(5);
    expect(() => h.addIntervalCounts([3, 2], [0, 0, 0])).toThrow(
      new RangeError('@dyno/stats: boundaries must be in ascending order; received 2 at index 1'),
    );
    expect(() => h.addIntervalCounts([Number.NaN, 3], [0, 0, 0])).toThrow(RangeError);
    expect(() => h.addIntervalCounts(['3'] as never, [0, 0])).toThrow(TypeError);
    expect(h.addIntervalCounts([3, Number.POSITIVE_INFINITY], [0, 0, 0])).toEqual([1, 1, 0]);
  });

  it('counts into a plain array of numbers as into a Float64Array', () => {
    const h = new Histogram();
    for (const v of [0, 0.5, 2, 9.9, 99]) h.record(v);
    const plain = [1, 0, 0, 0];
    expect(h.addIntervalCounts([1, 2.5, 10], plain)).toBe(plain);
    expect(plain).toEqual([3, 1, 1, 1]);
    expect(() => h.addIntervalCounts([1, 2], [0, 0])).toThrow(
      '@dyno/stats: addIntervalCounts needs 3 counters (one more than the boundaries); received 2',
    );
  });

  it('follows the nearest-rank rule of percentile()', () => {
    const h = new Histogram();
    for (let i = 0; i < 100; i++) h.record(i + 1);
    expect(Math.abs(h.percentile(50) - 51)).toBeLessThanOrEqual(51 * 0.008);
    expect(h.percentile(0)).toBe(1);
    expect(h.percentile(100)).toBe(100);
  });

  it('keeps every percentile within 1 % of the exact value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 2 ** -10, max: 2 ** 23, noNaN: true }), {
          minLength: 1,
          maxLength: 500,
        }),
        (data) => {
          const h = new Histogram();
          for (const v of data) h.record(v);
          const got = h.percentiles(PS);
          return PS.every((p, i) => {
            const exact = percentile(p, data);
            return Math.abs((got[i] as number) - exact) <= exact * 0.01;
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('counts values past the range in the end buckets and keeps exact min and max', () => {
    const h = new Histogram({ lowestExponent: 0, highestExponent: 4 });
    h.record(0.001);
    h.record(1e9);
    expect(h.min).toBe(0.001);
    expect(h.max).toBe(1e9);
    expect(h.percentile(0)).toBe(0.001);
    expect(h.percentile(100)).toBe(1e9);
  });

  it('counts every value below the range in the lowest bucket, once buckets are kept too', () => {
    const h = new Histogram({ lowestExponent: 0, highestExponent: 4 });
    for (let i = 0; i < 30; i++) h.record(i % 2 === 0 ? 0 : 0.25);
    for (let i = 0; i < 10; i++) h.record(8);
    expect(h.count).toBe(40);
    expect(h.sum).toBe(15 * 0.25 + 80);
    // the lowest bucket starts at 2^0 = 1 ms, the first value of the range
    expect(h.percentile(50)).toBeGreaterThanOrEqual(0);
    expect(h.percentile(50)).toBeLessThan(1.01);
    expect(h.percentile(74)).toBeLessThan(1.01);
    expect(h.percentile(76)).toBeCloseTo(8, 0);
  });

  it('merges histograms with the same options', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 1; i <= 50; i++) {
      a.record(i);
      all.record(i);
    }
    for (let i = 51; i <= 100; i++) {
      b.record(i * 3);
      all.record(i * 3);
    }
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.sum).toBe(all.sum);
    expect(a.percentiles(PS)).toEqual(all.percentiles(PS));
    expect(() => a.merge(new Histogram({ precisionBits: 5 }))).toThrow(RangeError);
  });

  it('reset forgets everything', () => {
    const h = new Histogram();
    h.record(5);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.percentile(99)).toBeNaN();
    h.record(7);
    expect(h.min).toBe(7);
  });

  it('holds memory in proportion to what it holds, and gives it back on reset', () => {
    const { highestExponent, lowestExponent, precisionBits } = DEFAULT_HISTOGRAM_OPTIONS;
    const dense = (highestExponent - lowestExponent) << precisionBits;
    const h = new Histogram();
    expect(h.byteLength).toBe(0);
    // the first 16 values as a list of their buckets
    for (let i = 0; i < 16; i++) h.record(10 + i / 4);
    expect(h.byteLength).toBe(16 * 8);
    // then one byte per bucket between the smallest and largest value, in quarter powers of two
    for (let i = 0; i < 2000; i++) h.record(10 + (i % 100) / 10);
    expect(h.byteLength).toBe(64);
    for (let i = 0; i < 10_000; i++) h.record(i);
    expect(h.byteLength).toBeLessThanOrEqual(dense * 5);
    h.reset();
    expect(h.byteLength).toBe(0);
  });

  it('counts past 255 values in one bucket exactly', () => {
    const h = new Histogram();
    for (let i = 0; i < 70_000; i++) h.record(5);
    h.record(1);
    h.record(100);
    expect(h.count).toBe(70_002);
    const five = 4 * (1 + 16.5 / 64); // the middle of the bucket of 5, as percentiles report it
    expect(h.percentiles([0, 1, 50, 99.99, 100])).toEqual([1, five, five, five, 100]);
    expect([...h.addIntervalCounts([2, 50], new Float64Array(3))]).toEqual([1, 70_000, 1]);
    const twice = new Histogram().merge(h).merge(h);
    expect(twice.count).toBe(140_004);
    expect([...twice.addIntervalCounts([2, 50], new Float64Array(3))]).toEqual([2, 140_000, 2]);
  });

  it('counts more than 2^40 values in one bucket exactly (merged into itself)', () => {
    const h = new Histogram();
    for (let i = 0; i < 256; i++) h.record(3);
    for (let i = 0; i < 34; i++) h.merge(h);
    expect(h.count).toBe(2 ** 42);
    expect(h.addIntervalCounts([2], new Float64Array(2))[1]).toBe(2 ** 42);
    expect(h.percentile(50)).toBe(3);
  });

  it('merges to the same result as recording everything into one (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 2 ** 25, noNaN: true }), { maxLength: 300 }),
        fc.array(fc.double({ min: 0, max: 2 ** 25, noNaN: true }), { maxLength: 300 }),
        (xs, ys) => {
          const a = new Histogram();
          const b = new Histogram();
          const all = new Histogram();
          for (const v of xs) a.record(v);
          for (const v of ys) b.record(v);
          for (const v of [...xs, ...ys]) all.record(v);
          a.merge(b);
          const bounds = [0.01, 1, 10, 1000, 1e6];
          expect(a.count).toBe(all.count);
          expect(a.percentiles(PS)).toEqual(all.percentiles(PS));
          expect(a.addIntervalCounts(bounds, new Float64Array(6))).toEqual(
            all.addIntervalCounts(bounds, new Float64Array(6)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is within 0.78 % of the exact nearest rank on 100,000 log-normal latencies', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed + 0.5) / 0x80000000;
    };
    const data = Array.from({ length: 100_000 }, () => {
      const gauss = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
      return 20 * Math.exp(gauss);
    });
    const h = new Histogram();
    for (const v of data) h.record(v);
    const ps = [1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99];
    const got = h.percentiles(ps);
    const worst = Math.max(
      ...ps.map((p, i) => Math.abs((got[i] as number) - percentile(p, data)) / percentile(p, data)),
    );
    expect(worst).toBeLessThanOrEqual(0.0078);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects recording %p', (v) => {
    expect(() => new Histogram().record(v)).toThrow(RangeError);
  });

  it('rejects bad options at construction', () => {
    expect(() => new Histogram({ precisionBits: 0 })).toThrow(RangeError);
    expect(() => new Histogram({ lowestExponent: 1.5 })).toThrow(RangeError);
    expect(() => new Histogram({ lowestExponent: 5, highestExponent: 5 })).toThrow(
      /`highestExponent` must be greater than `lowestExponent`/,
    );
    expect(() => new Histogram({ bits: 3 } as never)).toThrow(TypeError);
    expect(() => new Histogram().percentile(-1)).toThrow(RangeError);
  });
});
